"""Reads of implementation projects shared by the pages, the API, the CSV export, the home
blocks and the KPI engine. Every list is one query (plus its count), whatever its length.

The status board (`HEALTH`) as of a day:

- **overdue**: a task or stage not done past its planned end, or the go-live date passed;
- **at risk**: an open blocker, or a task not done that is due within `AT_RISK_DAYS` days;
- **on track**: the rest of the projects in progress;
- **live** and **cancelled**: projects no longer in progress.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields import CharField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.projects.models import (
    Blocker,
    Project,
    ProjectStage,
    ProjectStatus,
    ProjectTask,
    ProjectTemplate,
)
from soprovod.projects.permissions import projects_visible_to, tasks_visible_to

AT_RISK_DAYS = 2
PAGE_SIZE = 50

ON_TRACK, AT_RISK, OVERDUE = "on_track", "at_risk", "overdue"
HEALTH_LABELS = {
    ON_TRACK: pgettext_lazy("project health", "On track"),
    AT_RISK: pgettext_lazy("project health", "At risk"),
    OVERDUE: pgettext_lazy("project health", "Overdue"),
    ProjectStatus.LIVE: _("Live"),
    ProjectStatus.CANCELLED: _("Cancelled"),
}
BOARD = (ON_TRACK, AT_RISK, OVERDUE)


def task_is_overdue(today: dt.date) -> Q:
    """A task not done past its planned end (the one rule for lists, board and checker)."""
    return Q(done_on__isnull=True, planned_end__lt=today)


def with_health(projects: QuerySet[Project], today: dt.date) -> QuerySet[Project]:
    """Annotate ``health`` (see the module doc), task counts and open blockers."""
    tasks = ProjectTask.objects.filter(project=OuterRef("pk"))
    late_task = tasks.filter(task_is_overdue(today))
    soon_task = tasks.filter(
        done_on__isnull=True, planned_end__lte=today + dt.timedelta(days=AT_RISK_DAYS)
    )
    late_stage = ProjectStage.objects.filter(
        project=OuterRef("pk"), actual_end__isnull=True, planned_end__lt=today
    )
    blocked = Blocker.objects.filter(project=OuterRef("pk"), lifted_at__isnull=True)
    in_progress = Q(status=ProjectStatus.IN_PROGRESS)
    return projects.annotate(
        is_blocked=Exists(blocked),
        health=Case(
            When(~in_progress, then=F("status")),
            When(
                Q(Exists(late_task)) | Q(Exists(late_stage)) | Q(planned_go_live__lt=today),
                then=Value(OVERDUE),
            ),
            When(Q(Exists(blocked)) | Q(Exists(soon_task)), then=Value(AT_RISK)),
            default=Value(ON_TRACK),
            output_field=CharField(),
        ),
    )


@dataclass(frozen=True)
class ProjectFilters:
    health: str = ""
    owner: str = ""
    q: str = ""
    status: str = ProjectStatus.IN_PROGRESS  # "" for every status

    @classmethod
    def from_query(cls, data) -> ProjectFilters:
        status = data.get("status", ProjectStatus.IN_PROGRESS)
        return cls(
            health=data.get("health", "") if data.get("health") in HEALTH_LABELS else "",
            owner=data.get("owner", "") if str(data.get("owner", "")).isdigit() else "",
            q=data.get("q", "").strip()[:100],
            status=status if status in ProjectStatus.values or status == "" else "",
        )


def project_list(user, filters: ProjectFilters, *, today: dt.date | None = None):
    """The projects the user may read, filtered, with health and progress: go-live order."""
    today = today or timezone.localdate()
    projects = with_health(projects_visible_to(user), today).annotate(
        tasks_total=Count("tasks", distinct=True),
        tasks_done=Count("tasks", filter=Q(tasks__done_on__isnull=False), distinct=True),
    )
    if filters.status:
        projects = projects.filter(status=filters.status)
    if filters.health:
        projects = projects.filter(health=filters.health)
    if filters.owner:
        projects = projects.filter(owner_id=int(filters.owner))
    if filters.q:
        projects = projects.filter(
            Q(name__icontains=filters.q) | Q(client__name__icontains=filters.q)
        )
    return projects.select_related("client", "owner").order_by(
        "planned_go_live", "-went_live_on", "pk"
    )


def board_counts(user, *, today: dt.date | None = None) -> dict[str, int]:
    """How many projects in progress are on track, at risk and overdue (one query)."""
    today = today or timezone.localdate()
    rows = (
        with_health(projects_visible_to(user).filter(status=ProjectStatus.IN_PROGRESS), today)
        .values("health")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(BOARD, 0)
    counts.update({row["health"]: row["n"] for row in rows})
    return counts


def my_tasks(user, *, today: dt.date | None = None) -> QuerySet[ProjectTask]:
    """Open tasks of projects in progress that are the user's: assigned to them, or
    unassigned in a project they own; earliest due first."""
    today = today or timezone.localdate()
    return (
        tasks_visible_to(user)
        .filter(done_on__isnull=True, project__status=ProjectStatus.IN_PROGRESS)
        .filter(Q(assignee=user) | Q(assignee__isnull=True, project__owner=user))
        .annotate(
            is_overdue=ExpressionWrapper(Q(planned_end__lt=today), output_field=BooleanField())
        )
        .select_related("project__client", "stage")
        .order_by("planned_end", "project_id", "stage__position", "position", "pk")
    )


@dataclass
class ProjectPage:
    project: Project
    stages: list[ProjectStage]
    blockers: list[Blocker]
    health: str
    tasks_total: int
    tasks_done: int


def project_page(project: Project, *, today: dt.date | None = None) -> ProjectPage:
    """A project with its stages and tasks (prefetched), blockers and health: 4 queries."""
    today = today or timezone.localdate()
    stages = list(
        project.stages.prefetch_related(
            _tasks_prefetch(),
        ).order_by("position")
    )
    blockers = list(project.blockers.select_related("task", "raised_by", "lifted_by"))
    health = with_health(Project.objects.filter(pk=project.pk), today).values_list(
        "health", flat=True
    )[0]
    tasks = [task for stage in stages for task in stage.tasks.all()]
    for stage in stages:
        stage.is_overdue = stage.actual_end is None and stage.planned_end < today
        for task in stage.tasks.all():
            task.is_overdue = task.done_on is None and task.planned_end < today
    return ProjectPage(
        project=project,
        stages=stages,
        blockers=blockers,
        health=health,
        tasks_total=len(tasks),
        tasks_done=sum(task.done_on is not None for task in tasks),
    )


def _tasks_prefetch() -> Prefetch:
    return Prefetch(
        "tasks",
        queryset=ProjectTask.objects.select_related("assignee", "done_by").order_by(
            "position", "pk"
        ),
    )


def templates() -> QuerySet[ProjectTemplate]:
    return ProjectTemplate.objects.annotate(stage_count=Count("stages")).order_by(
        "-is_default", "name"
    )


def went_live_in(start_at: dt.date, end: dt.date) -> Q:
    """kpi.md «implementation.completed»: projects that went live in ``[start, end]``."""
    return Q(status=ProjectStatus.LIVE, went_live_on__gte=start_at, went_live_on__lte=end)
