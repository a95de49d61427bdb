"""The agenda, built from the data as of the meeting time (issue 12).

An agenda is a list of sections; a section is a function that, given the meeting and the
instant, returns the items to discuss, each pointing at its record (``meetings.links``).
Sections come from a small registry, `register_section`: the ones below are built on the apps
under meetings (SLA, tickets, hand-offs, development, projects, clients, and the meetings'
own action items); an app that lands later (health drops, claims near their deadline) adds
its section with `register_section` and the series that want it list its key. A series lists
the keys of its sections in order (its template); without a list it has the defaults of its
kind.

The agenda is stored on the meeting when the meeting starts (`Agenda.as_json`): a later look
shows what was discussed then, not today's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soprovod.clients.models import Client, ClientStatus
from soprovod.devrequests.models import FINAL_STATUSES as DEV_FINAL_STATUSES
from soprovod.devrequests.models import AgreementRound, DevRequest
from soprovod.handoffs.models import HandoffRound
from soprovod.health.models import HealthScore
from soprovod.meetings.models import ActionItem, Meeting, MeetingKind, MeetingStatus
from soprovod.projects.models import ProjectStatus, ProjectTask
from soprovod.projects.queries import task_is_overdue
from soprovod.sla import queries as sla_queries
from soprovod.sla.models import SlaClock, TicketType
from soprovod.success import queries as claim_queries
from soprovod.success.models import Claim, ClaimDirection
from soprovod.tickets import queries as ticket_queries
from soprovod.tickets.models import OPEN_STATUSES, Ticket

# How far back «last week» reaches, and how far ahead «about to breach» looks: a weekly
# meeting can still act on what falls due in the next working day.
LOOKBACK = dt.timedelta(days=7)
SOON_HOURS = 24
# A section lists at most this many items and says how many more there are.
MAX_ITEMS = 30


@dataclass
class AgendaItem:
    label: str
    detail: str = ""
    kind: str = ""  # a meetings.links kind, or "" for an item without a record
    record_id: int | None = None
    state: str = ""  # for the eye: breached, soon, overdue, open, closed


@dataclass
class AgendaSection:
    key: str
    title: str
    items: list[AgendaItem] = field(default_factory=list)
    more: int = 0


@dataclass
class Agenda:
    as_of: dt.datetime
    sections: list[AgendaSection]

    def as_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "sections": [asdict(section) for section in self.sections],
        }

    @classmethod
    def from_json(cls, data: dict) -> Agenda:
        return cls(
            as_of=dt.datetime.fromisoformat(data["as_of"]),
            sections=[
                AgendaSection(
                    key=s["key"],
                    title=s["title"],
                    items=[AgendaItem(**item) for item in s["items"]],
                    more=s.get("more", 0),
                )
                for s in data["sections"]
            ],
        )


SectionBuilder = Callable[[Meeting, dt.datetime], list[AgendaItem]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: SectionBuilder
    # The kinds of meeting that have it by default, and its place among the defaults.
    default_for: tuple[str, ...]
    order: int


_sections: dict[str, Section] = {}


def register_section(
    key: str,
    title,
    build: SectionBuilder,
    *,
    default_for: tuple[str, ...] = (MeetingKind.TEAM, MeetingKind.CROSS),
    order: int = 100,
) -> None:
    """Add an agenda section (the same key replaces the earlier one). ``build(meeting,
    as_of)`` returns the items as of that instant, most urgent first."""
    _sections[key] = Section(key, title, build, tuple(default_for), order)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: s.order)


def section_choices() -> list[tuple[str, str]]:
    return [(s.key, str(s.title)) for s in sections()]


def default_sections(kind: str) -> list[str]:
    return [s.key for s in sections() if kind in s.default_for]


def sections_of(meeting: Meeting) -> list[Section]:
    """The meeting's sections: its series' template in its order (keys no longer registered
    are left out), or the defaults of its kind."""
    keys = meeting.series.sections or default_sections(meeting.kind)
    return [_sections[key] for key in keys if key in _sections]


def build_agenda(meeting: Meeting, as_of: dt.datetime) -> Agenda:
    built = []
    for section in sections_of(meeting):
        items = section.build(meeting, as_of)
        built.append(
            AgendaSection(
                key=section.key,
                title=str(section.title),
                items=items[:MAX_ITEMS],
                more=max(0, len(items) - MAX_ITEMS),
            )
        )
    return Agenda(as_of=as_of, sections=built)


def agenda_of(meeting: Meeting, now: dt.datetime | None = None) -> tuple[Agenda, bool]:
    """The stored agenda of a meeting that started, or a preview as of ``now`` for one that
    has not (second value: whether it is the stored one)."""
    if meeting.agenda:
        return Agenda.from_json(meeting.agenda), True
    return build_agenda(meeting, now or timezone.now()), False


# ---- the sections built on the apps below meetings ----------------------------------------


def _when(moment: dt.datetime | None) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


def _ticket_label(ticket: Ticket) -> str:
    client = ticket.client.name if ticket.client_id else _("no client")
    return f"#{ticket.pk} {ticket.subject} — {client}"


def breaches_last_week(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Tickets whose SLA was breached in the week before ``as_of``: a clock that counts for
    SLA (``sla.queries.breaches_sla``, the one home of «breached») fell due in that week."""
    clocks = (
        SlaClock.objects.filter(
            sla_queries.breaches_sla(as_of), due_at__gte=as_of - LOOKBACK, due_at__lt=as_of
        )
        .select_related("ticket__client", "ticket__assignee")
        .order_by("-due_at", "pk")
    )
    items: dict[int, AgendaItem] = {}
    for clock in clocks:
        ticket = clock.ticket
        metric = str(clock.get_metric_display())
        if ticket.pk in items:
            items[ticket.pk].detail += f"; {metric}"
            continue
        assignee = str(ticket.assignee) if ticket.assignee_id else _("unassigned")
        items[ticket.pk] = AgendaItem(
            label=_ticket_label(ticket),
            detail=_("%(type)s · %(assignee)s · breached %(when)s: %(metric)s")
            % {
                "type": ticket.get_type_display(),
                "assignee": assignee,
                "when": _when(clock.due_at),
                "metric": metric,
            },
            kind="ticket",
            record_id=ticket.pk,
            state="breached",
        )
    return list(items.values())


def emergencies_last_week(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Emergency tickets filed in the week before ``as_of``, with their SLA outcome then."""
    tickets = (
        Ticket.objects.filter(
            type=TicketType.EMERGENCY, created_at__gte=as_of - LOOKBACK, created_at__lt=as_of
        )
        .select_related("client")
        .annotate(
            breached=Exists(
                SlaClock.objects.filter(sla_queries.breaches_sla(as_of), ticket=OuterRef("pk"))
            )
        )
        .order_by("-created_at", "-pk")
    )
    return [
        AgendaItem(
            label=_ticket_label(ticket),
            detail=_("filed %(when)s · %(status)s · %(sla)s")
            % {
                "when": _when(ticket.created_at),
                "status": ticket.get_status_display(),
                "sla": _("SLA breached") if ticket.breached else _("SLA kept so far"),
            },
            kind="ticket",
            record_id=ticket.pk,
            state="breached" if ticket.breached else "",
        )
        for ticket in tickets
    ]


def breaching_soon(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Open tickets whose next clock falls due within ``SOON_HOURS`` of ``as_of``
    (``tickets.queries.is_breaching_soon``, the queue's own rule)."""
    next_due = SlaClock.objects.filter(
        sla_queries.running(), ticket=OuterRef("pk"), due_at__gt=as_of
    ).order_by("due_at")
    tickets = (
        Ticket.objects.filter(
            ticket_queries.is_breaching_soon(as_of, hours=SOON_HOURS), status__in=OPEN_STATUSES
        )
        .select_related("client", "assignee")
        .annotate(next_due=Subquery(next_due.values("due_at")[:1]))
        .order_by("next_due", "pk")
    )
    return [
        AgendaItem(
            label=_ticket_label(ticket),
            detail=_("%(type)s · %(assignee)s · due %(when)s")
            % {
                "type": ticket.get_type_display(),
                "assignee": str(ticket.assignee) if ticket.assignee_id else _("unassigned"),
                "when": _when(ticket.next_due),
            },
            kind="ticket",
            record_id=ticket.pk,
            state="soon",
        )
        for ticket in tickets
    ]


def overdue_handoffs(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Hand-offs whose agreement round is unanswered past its due time at ``as_of``."""
    rounds = (
        HandoffRound.objects.filter(
            Q(answered_at__isnull=True) | Q(answered_at__gt=as_of),
            submitted_at__lte=as_of,
            due_at__lt=as_of,
        )
        .select_related("handoff__client", "handoff__sales")
        .order_by("due_at", "pk")
    )
    return [
        AgendaItem(
            label=agreement.handoff.display_name,
            detail=_("from %(sales)s · an answer was due %(when)s")
            % {"sales": agreement.handoff.sales, "when": _when(agreement.due_at)},
            kind="handoff",
            record_id=agreement.handoff_id,
            state="overdue",
        )
        for agreement in rounds
    ]


def overdue_dev_requests(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Requests to development overdue at ``as_of``: undecided past their agreement clock,
    or accepted with a planned date that passed without a release."""
    today = timezone.localdate(as_of)
    rounds = (
        AgreementRound.objects.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=as_of),
            submitted_at__lte=as_of,
            due_at__lt=as_of,
        )
        .select_related("request")
        .order_by("due_at", "pk")
    )
    items = [
        AgendaItem(
            label=f"DEV-{agreement.request_id} {agreement.request.title}",
            detail=_("a decision was due %(when)s") % {"when": _when(agreement.due_at)},
            kind="dev_request",
            record_id=agreement.request_id,
            state="overdue",
        )
        for agreement in rounds
    ]
    seen = {item.record_id for item in items}
    late_releases = (
        DevRequest.objects.filter(planned_on__lt=today)
        .exclude(status__in=DEV_FINAL_STATUSES)
        .order_by("planned_on", "pk")
    )
    items += [
        AgendaItem(
            label=f"DEV-{request.pk} {request.title}",
            detail=_("%(status)s · planned for %(date)s")
            % {
                "status": request.get_status_display(),
                "date": date_format(request.planned_on, "SHORT_DATE_FORMAT"),
            },
            kind="dev_request",
            record_id=request.pk,
            state="overdue",
        )
        for request in late_releases
        if request.pk not in seen
    ]
    return items


def overdue_project_tasks(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Tasks of projects in progress not done past their planned end
    (``projects.queries.task_is_overdue``)."""
    today = timezone.localdate(as_of)
    tasks = (
        ProjectTask.objects.filter(
            task_is_overdue(today), project__status=ProjectStatus.IN_PROGRESS
        )
        .select_related("project__client", "assignee")
        .order_by("planned_end", "pk")
    )
    return [
        AgendaItem(
            label=f"{task.project.client.name}: {task.title}",
            detail=_("%(assignee)s · due %(date)s")
            % {
                "assignee": str(task.assignee) if task.assignee_id else _("unassigned"),
                "date": date_format(task.planned_end, "SHORT_DATE_FORMAT"),
            },
            kind="project_task",
            record_id=task.pk,
            state="overdue",
        )
        for task in tasks
    ]


def at_risk_clients(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Clients at risk, the latest to fall at risk first."""
    clients = (
        Client.objects.filter(status=ClientStatus.AT_RISK)
        .select_related("success_manager")
        .annotate(
            since=Max(
                "status_history__effective_on",
                filter=Q(status_history__status=ClientStatus.AT_RISK),
            )
        )
        .order_by(F("since").desc(nulls_last=True), "name")
    )
    return [
        AgendaItem(
            label=client.name,
            detail=_("%(manager)s · at risk since %(date)s · MRR %(mrr)s ₽")
            % {
                "manager": client.success_manager or _("no success manager"),
                "date": date_format(client.since, "SHORT_DATE_FORMAT") if client.since else "—",
                "mrr": f"{client.mrr_rub:,.0f}".replace(",", "\u00a0"),
            },
            kind="client",
            record_id=client.pk,
            state="overdue",
        )
        for client in clients
    ]


def action_items(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """The previous meeting's action items, closed or not (with their result), then the
    items of earlier meetings of the series still open at ``as_of``."""
    today = timezone.localdate(as_of)
    earlier = Meeting.objects.filter(series_id=meeting.series_id, starts_at__lt=meeting.starts_at)
    previous = earlier.exclude(status=MeetingStatus.CANCELLED).order_by("-starts_at").first()
    if previous is None:
        return []
    items = (
        ActionItem.objects.filter(
            Q(meeting=previous)
            | Q(meeting__in=earlier, closed_at__isnull=True)
            | Q(meeting__in=earlier, closed_at__gt=as_of)
        )
        .filter(created_at__lte=as_of)
        .select_related("owner", "meeting")
        .order_by("meeting__starts_at", "due_on", "pk")
    )
    built = []
    for item in items:
        closed = item.closed_at is not None and item.closed_at <= as_of
        state = "closed" if closed else ("overdue" if item.due_on < today else "open")
        if item.meeting_id != previous.pk and state == "closed":
            continue
        detail = _("%(owner)s · due %(date)s") % {
            "owner": item.owner,
            "date": date_format(item.due_on, "SHORT_DATE_FORMAT"),
        }
        if closed:
            detail += " · " + _("done %(date)s: %(result)s") % {
                "date": date_format(item.closed_on, "SHORT_DATE_FORMAT"),
                "result": item.result,
            }
        elif item.meeting_id != previous.pk:
            detail += " · " + _("from %(date)s") % {
                "date": date_format(timezone.localtime(item.meeting.starts_at), "SHORT_DATE_FORMAT")
            }
        built.append(
            AgendaItem(
                label=item.title,
                detail=detail,
                kind="action_item",
                record_id=item.pk,
                state=state,
            )
        )
    return built


def health_drops(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Clients whose health score dropped into red in the week before ``as_of`` (the health
    app's ``dropped_from``: the band it fell from), worst score first."""
    today = timezone.localdate(as_of)
    drops = (
        HealthScore.objects.filter(day__gt=today - LOOKBACK, day__lte=today)
        .exclude(dropped_from="")
        .select_related("client__success_manager")
        .order_by(F("score").asc(nulls_last=True), "client__name", "-day")
    )
    items: dict[int, AgendaItem] = {}
    for drop in drops:
        if drop.client_id in items:
            continue
        items[drop.client_id] = AgendaItem(
            label=drop.client.name,
            detail=_("score %(score)s on %(date)s, down from %(band)s · %(manager)s")
            % {
                "score": drop.score if drop.score is not None else "—",
                "date": date_format(drop.day, "SHORT_DATE_FORMAT"),
                "band": drop.get_dropped_from_display(),
                "manager": drop.client.success_manager or _("no success manager"),
            },
            kind="client",
            record_id=drop.client_id,
            state="breached",
        )
    return list(items.values())


# Claims whose response deadline is this close are on the agenda, with the overdue ones.
CLAIM_HORIZON = dt.timedelta(days=7)


def claims_near_deadline(meeting: Meeting, as_of: dt.datetime) -> list[AgendaItem]:
    """Claims from clients not answered yet whose response deadline is past or within
    ``CLAIM_HORIZON`` (``success.queries.overdue_condition`` for the past ones)."""
    today = timezone.localdate(as_of)
    claims = (
        Claim.objects.filter(
            claim_queries.overdue_condition(today)
            | Q(
                direction=ClaimDirection.FROM_CLIENT,
                outcome="",
                replied_on__isnull=True,
                response_due_on__gte=today,
                response_due_on__lte=today + CLAIM_HORIZON,
            )
        )
        .select_related("client", "owner")
        .order_by("response_due_on", "pk")
    )
    return [
        AgendaItem(
            label=f"{claim} — {claim.client.name}",
            detail=_("answer due %(date)s · %(owner)s")
            % {
                "date": date_format(claim.response_due_on, "SHORT_DATE_FORMAT"),
                "owner": claim.owner or _("no owner"),
            },
            kind="claim",
            record_id=claim.pk,
            state="overdue" if claim.response_due_on < today else "soon",
        )
        for claim in claims
    ]


TEAM, CROSS = MeetingKind.TEAM, MeetingKind.CROSS
register_section(
    "action_items", gettext_lazy("Action items from earlier meetings"), action_items, order=10
)
register_section(
    "sla_breaches",
    gettext_lazy("SLA breaches last week"),
    breaches_last_week,
    default_for=(TEAM,),
    order=20,
)
register_section(
    "emergencies", gettext_lazy("Emergency tickets last week"), emergencies_last_week, order=30
)
register_section(
    "breaching_soon",
    gettext_lazy("Tickets about to breach SLA"),
    breaching_soon,
    default_for=(TEAM,),
    order=40,
)
register_section("at_risk_clients", gettext_lazy("Clients at risk"), at_risk_clients, order=50)
register_section("health_drops", gettext_lazy("Health drops into red"), health_drops, order=55)
register_section(
    "claims_near_deadline",
    gettext_lazy("Claims near their deadline"),
    claims_near_deadline,
    order=57,
)
register_section(
    "overdue_handoffs", gettext_lazy("Overdue hand-offs from sales"), overdue_handoffs, order=60
)
register_section(
    "overdue_dev_requests",
    gettext_lazy("Overdue requests to development"),
    overdue_dev_requests,
    order=70,
)
register_section(
    "overdue_project_tasks",
    gettext_lazy("Overdue implementation tasks"),
    overdue_project_tasks,
    default_for=(TEAM,),
    order=80,
)
