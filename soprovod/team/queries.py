"""Reads of the team pages (issue 12): each person's load and results for the month, their
absences and their training. Counted in the database, one grouped query per figure whatever
the size of the team; CSAT and SLA share come from the KPI engine's breakdown by assignee
(`kpi.breakdowns`), so they are the dashboard's figures for the same person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from soprovod.accounts.models import Absence, User
from soprovod.accounts.roles import SUPPORT_STAFF
from soprovod.clients.models import Client, ClientStatus
from soprovod.knowledge import queries as knowledge_queries
from soprovod.kpi import breakdowns
from soprovod.lib.periods import Period, calendar_month
from soprovod.projects.models import Project, ProjectStatus, ProjectTask
from soprovod.team.models import TrainingItem, TrainingRecord
from soprovod.tickets.models import OPEN_STATUSES, Ticket
from soprovod.tickets.queries import has_breached_clock


def team_members() -> QuerySet[User]:
    """The support department: active users holding a department role, by name."""
    return (
        User.objects.filter(is_active=True, role_rows__role__in=SUPPORT_STAFF)
        .distinct()
        .prefetch_related("role_rows")
        .order_by("last_name", "first_name", "pk")
    )


def staff_colleagues() -> QuerySet[User]:
    """Who may stand in or take work over: active staff (not client contacts)."""
    return team_members()


@dataclass
class PersonRow:
    person: User
    open_tickets: int = 0
    overdue_tickets: int = 0
    overdue_tasks: int = 0
    clients: int = 0
    projects: int = 0
    sla_compliance: float | None = None
    csat: float | None = None
    csat_count: int = 0
    training_due: int = 0
    # Internal rules of the knowledge base in force whose current version they have not
    # marked «read and understood» (knowledge.queries.unread_counts).
    unread_rules: int = 0
    absences: list[Absence] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return self.overdue_tickets + self.overdue_tasks

    @property
    def away_now(self) -> Absence | None:
        today = timezone.localdate()
        return next((a for a in self.absences if a.starts_on <= today <= a.ends_on), None)


def _counts(qs, by: str, ids) -> dict[int, int]:
    return dict(qs.filter(**{f"{by}__in": ids}).values_list(by).annotate(n=Count("pk")).order_by())


def training_due(people_ids, today: dt.date) -> dict[int, int]:
    """Per person: the rules and courses in force that they have not completed."""
    items = TrainingItem.objects.filter(is_active=True, published_on__lte=today)
    total = items.count()
    done = dict(
        TrainingRecord.objects.filter(person_id__in=people_ids, item__in=items)
        .values_list("person_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {pk: total - done.get(pk, 0) for pk in people_ids}


def person_rows(
    people: list[User], period: Period | None = None, now: dt.datetime | None = None
) -> list[PersonRow]:
    """The team page's row for each of ``people``: open and overdue tickets, overdue
    project tasks, clients managed, projects in progress, the month's SLA share and CSAT
    of their tickets (the engine's breakdown by assignee), training still due, and their
    current and coming absences."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = period or calendar_month(today.replace(day=1))
    ids = [p.pk for p in people]
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    counts = {
        "open_tickets": _counts(open_tickets, "assignee", ids),
        "overdue_tickets": _counts(open_tickets.filter(has_breached_clock(now)), "assignee", ids),
        "overdue_tasks": _counts(
            ProjectTask.objects.filter(
                done_on__isnull=True,
                planned_end__lt=today,
                project__status=ProjectStatus.IN_PROGRESS,
            ),
            "assignee",
            ids,
        ),
        "clients": _counts(
            Client.objects.exclude(status=ClientStatus.CHURNED), "success_manager", ids
        ),
        "projects": _counts(Project.objects.filter(status=ProjectStatus.IN_PROGRESS), "owner", ids),
    }
    by_assignee = {row.key: row for row in breakdowns.breakdown(period, "assignee", now=now)}
    due = training_due(ids, today)
    unread = knowledge_queries.unread_counts(people)
    absences: dict[int, list[Absence]] = {}
    for absence in (
        Absence.objects.filter(person_id__in=ids, cancelled_at__isnull=True, ends_on__gte=today)
        .select_related("deputy", "route_to")
        .order_by("starts_on")
    ):
        absences.setdefault(absence.person_id, []).append(absence)
    rows = []
    for person in people:
        row = PersonRow(
            person, training_due=due.get(person.pk, 0), unread_rules=unread.get(person.pk, 0)
        )
        for name, values in counts.items():
            setattr(row, name, values.get(person.pk, 0))
        result = by_assignee.get(person.pk)
        if result is not None:
            row.sla_compliance = result.sla_compliance
            row.csat, row.csat_count = result.csat, result.csat_count
        row.absences = absences.get(person.pk, [])
        rows.append(row)
    return rows


def absences_of(person: User) -> QuerySet[Absence]:
    return (
        Absence.objects.filter(person=person, cancelled_at__isnull=True)
        .select_related("deputy", "route_to")
        .order_by("-starts_on")
    )


def training_of(person: User, today: dt.date | None = None):
    """Each rule and course in force for ``person``, with the record when completed
    (``record`` None: still to complete)."""
    today = today or timezone.localdate()
    items = list(
        TrainingItem.objects.filter(is_active=True, published_on__lte=today)
        .prefetch_related(
            Prefetch(
                "records",
                queryset=TrainingRecord.objects.filter(person=person),
                to_attr="mine",
            )
        )
        .order_by("-published_on", "title")
    )
    for item in items:
        item.record = item.mine[0] if item.mine else None
    return items


def training_items(today: dt.date | None = None) -> QuerySet[TrainingItem]:
    """Every rule and course, with how many of the team completed it."""
    team = team_members().values("pk")
    return TrainingItem.objects.annotate(
        completed=Count("records", filter=Q(records__person__in=team), distinct=True)
    ).order_by("-published_on", "title")


def still_to_complete(item: TrainingItem) -> QuerySet[User]:
    """Who on the team has not completed ``item`` yet."""
    return team_members().exclude(
        Exists(TrainingRecord.objects.filter(item=item, person=OuterRef("pk")))
    )
