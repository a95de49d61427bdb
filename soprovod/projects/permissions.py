"""Which projects a user may read and work (the role capabilities are in
`soprovod.accounts.permissions`). A project the user may not read answers 404."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import (
    can_run_projects,
    can_see_projects,
    can_work_every_project,
    reads_all_clients,
    require,
)
from soprovod.projects.models import Project, ProjectTask


def projects_visible_to(user) -> QuerySet[Project]:
    """The department and the CEO read every project; sales read those of the clients they
    sold; nobody else reads any."""
    projects = Project.objects.all()
    if not can_see_projects(user):
        return projects.none()
    if reads_all_clients(user):
        return projects
    return projects.filter(client__sold_by=user)


def tasks_visible_to(user) -> QuerySet[ProjectTask]:
    return ProjectTask.objects.filter(project__in=projects_visible_to(user))


def can_work_project(user, project: Project) -> bool:
    """Plan, block, complete and take live: the project's owner and the head."""
    if not can_run_projects(user):
        return False
    return can_work_every_project(user) or project.owner_id == user.pk


def can_complete_task(user, task: ProjectTask) -> bool:
    """A task is completed by its assignee, the project's owner or the head."""
    if can_work_project(user, task.project):
        return True
    return can_run_projects(user) and task.assignee_id == user.pk


def get_project_or_404(user, pk: int, *, for_work: bool = False) -> Project:
    project = (
        projects_visible_to(user)
        .select_related("client", "owner", "template", "calendar")
        .filter(pk=pk)
        .first()
    )
    require(project is not None, hidden=True)
    require(not for_work or can_work_project(user, project))
    return project


def get_task_or_404(user, project: Project, pk: int) -> ProjectTask:
    """A task of ``project`` (already read through `get_project_or_404`) that the user may
    complete; 404 for another project's task, 403 for someone else's task."""
    task = ProjectTask.objects.select_related("stage").filter(project=project, pk=pk).first()
    require(task is not None, hidden=True)
    task.project = project
    require(can_complete_task(user, task))
    return task
