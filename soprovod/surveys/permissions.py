"""Which campaigns and detractor tasks a user may read and work (the role capabilities are
in `soprovod.accounts.permissions`). An object the user may not read answers 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from soprovod.accounts.permissions import (
    can_read_every_detractor_task,
    can_run_surveys,
    can_see_surveys,
    can_work_detractor_tasks,
    require,
)
from soprovod.surveys.models import DetractorTask, NpsCampaign


def campaigns_visible_to(user) -> QuerySet[NpsCampaign]:
    return NpsCampaign.objects.all() if can_see_surveys(user) else NpsCampaign.objects.none()


def get_campaign_or_404(user, pk: int) -> NpsCampaign:
    campaign = campaigns_visible_to(user).filter(pk=pk).first()
    require(campaign is not None, hidden=True)
    return campaign


def tasks_visible_to(user) -> QuerySet[DetractorTask]:
    """The head and the CEO read every detractor task; a success manager those assigned to
    them and those of the clients they manage."""
    tasks = DetractorTask.objects.all()
    if not can_see_surveys(user):
        return tasks.none()
    if can_read_every_detractor_task(user):
        return tasks
    return tasks.filter(Q(assignee=user) | Q(client__success_manager=user))


def can_close_task(user, task: DetractorTask) -> bool:
    """The task's success manager, the client's, or the head."""
    if not can_work_detractor_tasks(user):
        return False
    return can_run_surveys(user) or user.pk in (task.assignee_id, task.client.success_manager_id)


def get_task_or_404(user, pk: int) -> DetractorTask:
    task = (
        tasks_visible_to(user)
        .select_related("client", "assignee", "closed_by", "response__contact")
        .filter(pk=pk)
        .first()
    )
    require(task is not None, hidden=True)
    return task
