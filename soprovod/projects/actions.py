"""Every write to implementation projects and their templates: atomic, audited, notices
queued on commit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.clients.actions import do_update_client
from soprovod.clients.models import Client, ClientStatus
from soprovod.core.errors import StaleObjectError, StateConflict
from soprovod.core.notify import notify
from soprovod.projects.models import (
    Blocker,
    OverdueNotice,
    Project,
    ProjectStage,
    ProjectStatus,
    ProjectTask,
    ProjectTemplate,
    StageKind,
    TemplateStage,
    TemplateTask,
)
from soprovod.projects.plan import StagePlan, TaskPlan, schedule
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import WorkCalendar
from soprovod.tickets.notify import users_with_role

TEMPLATE_FIELDS = ("name", "tariff", "segment", "is_default", "is_active")
PROJECT_FIELDS = ("name", "owner", "status", "planned_start", "planned_go_live", "went_live_on")


class ProjectError(ValidationError):
    """A project action the rules refuse; the message says why."""


class ProjectStateError(StateConflict, ProjectError):
    """Refused because of the project's state (no longer in progress, open blockers): the
    API answers 409."""


# ---- templates -----------------------------------------------------------------------------


@transaction.atomic
def do_save_template(
    actor,
    template: ProjectTemplate | None,
    *,
    stages: list[StagePlan],
    expected_version: int | None = None,
    **values,
) -> ProjectTemplate:
    """Create a template or replace an existing one's fields and stages. Projects already
    opened keep their own copy of the plan."""
    if template is not None and template.pk:
        template = ProjectTemplate.objects.select_for_update().get(pk=template.pk)
        if expected_version is not None and template.version != expected_version:
            raise StaleObjectError(template)
        before = snapshot(template, TEMPLATE_FIELDS)
        before["plan"] = _plan_summary(template.stages.prefetch_related("tasks"))
    else:
        template, before = ProjectTemplate(), {}
    for name, value in values.items():
        setattr(template, name, value)
    template.full_clean()
    if template.is_default:
        ProjectTemplate.objects.exclude(pk=template.pk).filter(is_default=True).update(
            is_default=False
        )
    if template.pk:
        template.version = F("version") + 1
    template.save()
    template.refresh_from_db()
    template.stages.all().delete()
    for position, plan in enumerate(stages, start=1):
        stage = TemplateStage.objects.create(
            template=template,
            position=position,
            kind=plan.kind,
            name=plan.name,
            planned_days=plan.planned_days,
        )
        TemplateTask.objects.bulk_create(
            TemplateTask(stage=stage, position=i, title=t.title, planned_days=t.planned_days)
            for i, t in enumerate(plan.tasks, start=1)
        )
    after = snapshot(template, TEMPLATE_FIELDS)
    after["plan"] = _plan_summary(template.stages.prefetch_related("tasks"))
    action = AuditEvent.Action.UPDATED if before else AuditEvent.Action.CREATED
    record(actor, template, action, diff(before, after))
    return template


def _plan_summary(stages) -> str:
    return "; ".join(
        f"{stage.name} ({stage.planned_days}): {', '.join(t.title for t in stage.tasks.all())}"
        for stage in stages
    )


def template_for(client: Client) -> ProjectTemplate | None:
    """The active template for the client's tariff, else for its segment, else the default."""
    active = ProjectTemplate.objects.filter(is_active=True)
    for condition in (
        Q(tariff__iexact=client.tariff) & ~Q(tariff=""),
        Q(segment__iexact=client.segment) & ~Q(segment=""),
        Q(is_default=True),
    ):
        template = active.filter(condition).order_by("pk").first()
        if template is not None:
            return template
    return None


def _template_plan(template: ProjectTemplate) -> list[StagePlan]:
    return [
        StagePlan(
            stage.kind,
            stage.name,
            stage.planned_days,
            [TaskPlan(task.title, task.planned_days) for task in stage.tasks.all()],
        )
        for stage in template.stages.prefetch_related("tasks")
    ]


# ---- projects ------------------------------------------------------------------------------


def default_calendar() -> WorkCalendar:
    calendar = WorkCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        raise ProjectError(_("No default work calendar is configured."))
    return calendar


@transaction.atomic
def do_open_project(
    actor,
    client: Client,
    *,
    owner=None,
    template: ProjectTemplate | None = None,
    start: dt.date | None = None,
    name: str = "",
    reason: str = "",
) -> Project:
    """Open the client's implementation project from ``template`` (by default the one that
    matches its tariff), planned on the department's calendar from ``start`` (today)."""
    template = template or template_for(client)
    if template is None:
        raise ProjectError(
            _("No project template fits tariff «%(tariff)s»; the head can add one.")
            % {"tariff": client.tariff or "—"}
        )
    calendar = default_calendar()
    stages = _template_plan(template)
    go_live = schedule(stages, business_calendar(calendar), start or timezone.localdate())
    project = Project.objects.create(
        client=client,
        name=name or _("Implementation: %(client)s") % {"client": client.name},
        template=template,
        owner=owner,
        calendar=calendar,
        planned_start=stages[0].start,
        planned_go_live=go_live,
    )
    for position, plan in enumerate(stages, start=1):
        stage = ProjectStage.objects.create(
            project=project,
            position=position,
            kind=plan.kind,
            name=plan.name,
            planned_start=plan.start,
            planned_end=plan.end,
        )
        ProjectTask.objects.bulk_create(
            ProjectTask(
                project=project,
                stage=stage,
                position=i,
                title=task.title,
                assignee=owner,
                planned_start=task.start,
                planned_end=task.end,
            )
            for i, task in enumerate(plan.tasks, start=1)
        )
    record(
        actor,
        project,
        AuditEvent.Action.CREATED,
        diff({}, {**snapshot(project, PROJECT_FIELDS), "template": str(template)}),
        reason=reason,
        parent=client,
    )
    if owner is not None and owner != actor:
        transaction.on_commit(lambda: _announce_owner(project.pk))
    return project


def _project_url(project_id: int) -> str:
    return reverse("projects:detail", args=[project_id])


def _announce_owner(project_id: int) -> None:
    project = Project.objects.select_related("owner", "client").get(pk=project_id)
    notify(
        [project.owner],
        key=f"project:{project.pk}:owner:{project.owner_id}",
        text=_("You own the implementation project of %(client)s, go-live planned %(date)s")
        % {"client": project.client.name, "date": project.planned_go_live.strftime("%d.%m.%Y")},
        url=_project_url(project.pk),
    )


def _lock(project: Project, expected_version: int | None = None) -> Project:
    current = Project.objects.select_for_update().get(pk=project.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _bump(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(version=F("version") + 1)


def _require_in_progress(project: Project) -> None:
    if project.status != ProjectStatus.IN_PROGRESS:
        raise ProjectStateError(_("The project is not in progress any more."))


def _refresh_stage(stage: ProjectStage) -> None:
    """A stage started when its first task was done and finished when its last one was."""
    days = stage.tasks.aggregate(
        first=Min("done_on"), last=Max("done_on"), open=Count("pk", filter=Q(done_on__isnull=True))
    )
    stage.actual_start = days["first"]
    stage.actual_end = days["last"] if days["open"] == 0 and days["last"] else None
    stage.save(update_fields=["actual_start", "actual_end"])


@transaction.atomic
def do_complete_task(actor, task: ProjectTask, *, on: dt.date | None = None) -> ProjectTask:
    project = _lock(task.project)
    _require_in_progress(project)
    task = ProjectTask.objects.select_for_update().get(pk=task.pk)
    if task.done_on is not None:
        return task
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ProjectError(_("A task cannot be done in the future."))
    task.done_on, task.done_by = on, actor if getattr(actor, "pk", None) else None
    task.save(update_fields=["done_on", "done_by"])
    _refresh_stage(task.stage)
    _bump(project)
    record(actor, task, AuditEvent.Action.STATUS, {"done": [None, on]}, parent=project)
    return task


@transaction.atomic
def do_reopen_task(actor, task: ProjectTask, *, reason: str = "") -> ProjectTask:
    project = _lock(task.project)
    _require_in_progress(project)
    task = ProjectTask.objects.select_for_update().get(pk=task.pk)
    if task.done_on is None:
        return task
    before = task.done_on
    task.done_on = task.done_by = None
    task.save(update_fields=["done_on", "done_by"])
    _refresh_stage(task.stage)
    _bump(project)
    record(
        actor,
        task,
        AuditEvent.Action.STATUS,
        {"done": [before, None]},
        reason=reason,
        parent=project,
    )
    return task


@transaction.atomic
def do_update_task(actor, task: ProjectTask, *, assignee=None, planned_end: dt.date) -> ProjectTask:
    """Give a task to someone else or move its due date (a new due date warns again)."""
    project = _lock(task.project)
    _require_in_progress(project)
    task = ProjectTask.objects.select_for_update().get(pk=task.pk)
    if planned_end < task.planned_start:
        raise ProjectError(_("The due date is before the task starts."))
    before = snapshot(task, ("assignee", "planned_end"))
    task.assignee, task.planned_end = assignee, planned_end
    task.save(update_fields=["assignee", "planned_end"])
    changes = diff(before, snapshot(task, ("assignee", "planned_end")))
    if changes:
        _bump(project)
        record(actor, task, AuditEvent.Action.UPDATED, changes, parent=project)
    return task


@transaction.atomic
def do_raise_blocker(actor, project: Project, *, reason: str, task: ProjectTask | None = None):
    project = _lock(project)
    _require_in_progress(project)
    reason = reason.strip()
    if not reason:
        raise ProjectError({"reason": _("Say what blocks the project.")})
    blocker = Blocker.objects.create(
        project=project, task=task, reason=reason, raised_by=actor, raised_at=timezone.now()
    )
    _bump(project)
    record(actor, blocker, AuditEvent.Action.CREATED, {"blocker": [None, reason]}, parent=project)
    transaction.on_commit(lambda: _announce_blocker(blocker.pk))
    return blocker


def _announce_blocker(blocker_id: int) -> None:
    blocker = Blocker.objects.select_related("project__owner", "project__client").get(pk=blocker_id)
    project = blocker.project
    notify(
        [project.owner, *acting_for(Role.HEAD)],
        key=f"project-blocker:{blocker.pk}",
        text=_("Project of %(client)s is blocked: %(reason)s")
        % {"client": project.client.name, "reason": blocker.reason},
        url=_project_url(project.pk),
    )


@transaction.atomic
def do_lift_blocker(actor, blocker: Blocker, *, resolution: str = "") -> Blocker:
    _lock(blocker.project)
    blocker = Blocker.objects.select_for_update().get(pk=blocker.pk)
    if blocker.lifted_at is not None:
        return blocker
    blocker.lifted_at, blocker.lifted_by = timezone.now(), actor
    blocker.resolution = resolution.strip()
    blocker.save(update_fields=["lifted_at", "lifted_by", "resolution"])
    _bump(blocker.project)
    record(
        actor,
        blocker,
        AuditEvent.Action.STATUS,
        {"lifted": [None, blocker.resolution or "✓"]},
        parent=blocker.project,
    )
    return blocker


@transaction.atomic
def do_go_live(actor, project: Project, *, on: dt.date | None = None) -> Project:
    """The client goes live: the project is done, its go-live stage finished, and a client
    still onboarding becomes active from that date (a dated status record)."""
    project = _lock(project)
    _require_in_progress(project)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ProjectError(_("The go-live date cannot be in the future."))
    if on < project.planned_start:
        raise ProjectError(_("The go-live date is before the project started."))
    if project.blockers.filter(lifted_at__isnull=True).exists():
        raise ProjectStateError(_("Lift the open blockers before going live."))
    before = snapshot(project, PROJECT_FIELDS)
    project.status, project.went_live_on = ProjectStatus.LIVE, on
    project.version = F("version") + 1
    project.save(update_fields=["status", "went_live_on", "version"])
    project.refresh_from_db()
    ProjectStage.objects.filter(project=project, kind=StageKind.GO_LIVE).update(
        actual_start=Coalesce("actual_start", Value(on)), actual_end=on
    )
    record(
        actor, project, AuditEvent.Action.STATUS, diff(before, snapshot(project, PROJECT_FIELDS))
    )
    client = Client.objects.get(pk=project.client_id)
    if client.status == ClientStatus.ONBOARDING:
        do_update_client(
            actor,
            client,
            status=ClientStatus.ACTIVE,
            status_effective_on=on,
            reason=_("Went live: %(project)s") % {"project": project.name},
        )
    return project


# ---- overdue warnings ------------------------------------------------------------------------


def do_warn_overdue(today: dt.date | None = None) -> int:
    """Warn the owner (and the task's assignee) and the head of each task and stage of a
    project in progress that is past its planned end and not done: once per task or stage
    and planned end (`OverdueNotice`), each in its own transaction. Returns how many."""
    today = today or timezone.localdate()
    in_progress = Q(project__status=ProjectStatus.IN_PROGRESS)
    tasks = (
        ProjectTask.objects.filter(in_progress, done_on__isnull=True, planned_end__lt=today)
        .exclude(
            Exists(
                OverdueNotice.objects.filter(
                    task=OuterRef("pk"), planned_end=OuterRef("planned_end")
                )
            )
        )
        .values_list("pk", "planned_end")
    )
    stages = (
        ProjectStage.objects.filter(in_progress, actual_end__isnull=True, planned_end__lt=today)
        .exclude(
            Exists(
                OverdueNotice.objects.filter(
                    stage=OuterRef("pk"), planned_end=OuterRef("planned_end")
                )
            )
        )
        .values_list("pk", "planned_end")
    )
    sent = 0
    head = list(users_with_role(Role.HEAD))
    for pk, planned_end in list(tasks):
        sent += _warn_once(head, task_id=pk, planned_end=planned_end)
    for pk, planned_end in list(stages):
        sent += _warn_once(head, stage_id=pk, planned_end=planned_end)
    return sent


def _warn_once(head: list, *, planned_end: dt.date, task_id=None, stage_id=None) -> int:
    with transaction.atomic():
        try:
            with transaction.atomic():
                OverdueNotice.objects.create(
                    task_id=task_id, stage_id=stage_id, planned_end=planned_end
                )
        except IntegrityError:
            return 0  # another run got there first
        if task_id is not None:
            item = ProjectTask.objects.select_related("project__owner", "project__client").get(
                pk=task_id
            )
            recipients = [item.project.owner, item.assignee, *head]
            text = _("Task overdue (due %(due)s): %(title)s — %(client)s")
        else:
            item = ProjectStage.objects.select_related("project__owner", "project__client").get(
                pk=stage_id
            )
            recipients = [item.project.owner, *head]
            text = _("Stage overdue (due %(due)s): %(title)s — %(client)s")
        kind = "task" if task_id is not None else "stage"
        notify(
            recipients,
            key=f"project-{kind}:{item.pk}:{planned_end.isoformat()}:overdue",
            text=text
            % {
                "due": planned_end.strftime("%d.%m.%Y"),
                "title": getattr(item, "title", None) or item.name,
                "client": item.project.client.name,
            },
            url=_project_url(item.project_id),
        )
        return 1
