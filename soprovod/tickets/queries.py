"""Reads of tickets that the queue, the ticket page, the API and reports share.

Every function starts from ``tickets_visible_to(user)``, so no read bypasses the permission
layer. SLA data comes from the ``SlaClock`` rows through correlated subqueries in the same
SELECT: a queue page costs the same number of queries for 3 tickets as for 30,000.

The queue (interfaces.md «Web»: ``/tickets/`` with its filters in the query string):

- tabs (``view``): ``mine``, ``unassigned``, ``open`` (all open), ``breached`` (an open
  ticket with any breached clock, running or stopped), ``soon`` (the ticket's next running
  clock is due within ``SOON_HOURS`` business hours, soonest first) and ``waiting`` (waiting for the client);
- filters: type, client, category, assignee (a user id or ``none``), status, channel;
- search ``q``: ``#123`` is ticket number 123; ``123`` is that number or a ticket whose text
  holds it; anything else is the words of the subject, the messages and (for staff) the
  internal notes, in any of their forms («шлагбаума» finds «шлагбаум»), through the search
  index (``soprovod.search``). A search or a status filter looks beyond open tickets, so a
  closed ticket is found by its number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.models import User
from soprovod.accounts.permissions import can_read_escalations, can_read_internal_notes
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import SUPPORT_STAFF
from soprovod.search import queries as search_queries
from soprovod.sla import clocks
from soprovod.sla import queries as sla_queries
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import (
    ClockStatus,
    Metric,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    WorkCalendar,
)
from soprovod.tickets.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Escalation,
    Priority,
    SavedView,
    Tag,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from soprovod.tickets.permissions import (
    inbox_condition,
    tickets_visible_to,
)
from soprovod.tickets.searching import KIND

PAGE_SIZE = 50
# "Breaching soon": the next running clock is due within this many business hours of its own
# calendar (the measure of the row's timer, ``business_seconds_left``).
SOON_HOURS = getattr(settings, "QUEUE_SOON_HOURS", 4)
NO_ASSIGNEE = "none"

VIEWS: dict[str, str] = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "open": _("All open"),
    "breached": _("Breached"),
    "soon": _("Breaching soon"),
    "waiting": _("Waiting for client"),
}
DEFAULT_VIEW = "open"

# Sort key in the query string -> ORDER BY; the number last keeps pages stable.
SORTS: dict[str, tuple] = {
    "due": (F("next_due_at").asc(nulls_last=True), "-created_at", "-pk"),
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
}
SORT_LABELS = {
    "due": _("SLA due, soonest first"),
    "-created": _("Newest first"),
    "created": _("Oldest first"),
}
DEFAULT_SORT = "due"

_NUMBER = re.compile(r"^#?\s*(\d{1,18})$")

# The queue's columns a person may show or hide (the number and the subject always show),
# in the order they are drawn; ``cols`` in the query string lists the shown ones.
COLUMNS: dict[str, str] = {
    "client": _("Client"),
    "type": _("Type"),
    "category": _("Category"),
    "status": _("Status"),
    "assignee": _("Assignee"),
    "channel": _("Channel"),
    "created": _("Created"),
    "sla": _("SLA: next due"),
}
DEFAULT_COLUMNS = ("client", "type", "category", "status", "assignee", "created", "sla")


def columns_from(value: str | None) -> tuple[str, ...] | None:
    """The columns named in ``cols`` (unknown names dropped, the queue's order kept; ``none``:
    only the number and the subject), or None when the parameter is absent."""
    if not value:
        return None
    wanted = set(value.split(","))
    return tuple(key for key in COLUMNS if key in wanted)


# ---- clocks --------------------------------------------------------------------------------


def _clocks_of_row() -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(ticket=OuterRef("pk"))


def _next_running() -> QuerySet[SlaClock]:
    return _clocks_of_row().filter(sla_queries.running()).order_by("due_at", "pk")


def worst_clock_status(now: dt.datetime) -> Subquery:
    """The ticket's SLA status from its clocks, worst first (sla.md: met when its first response
    and its resolution are met; the ceiling does not count): breached if any clock is, else pending if any runs or is paused, else met; None
    without clocks.

    A scalar subquery with LIMIT 1 on purpose: PostgreSQL evaluates it per row (an index probe
    by ticket), where an EXISTS may be planned as a hash over every breached clock in the
    history — 300,000 rows on a million tickets, to answer for the 10,000 open ones."""
    worst_first = (
        _clocks_of_row()
        .filter(sla_queries.counts_for_sla())
        .annotate(
            rank=Case(
                When(sla_queries.breached(now), then=Value(0)),
                When(stopped_at__isnull=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            label=Case(
                When(sla_queries.breached(now), then=Value(ClockStatus.BREACHED)),
                When(stopped_at__isnull=True, then=Value(ClockStatus.PENDING)),
                default=Value(ClockStatus.MET),
                output_field=CharField(),
            ),
        )
        .order_by("rank")
    )
    return Subquery(worst_first.values("label")[:1], output_field=CharField())


def has_breached_clock(now: dt.datetime) -> IsNull:
    """The ticket has a breached clock. Written as "the first breached clock is not null"
    rather than EXISTS for the reason in `worst_clock_status`: a probe per ticket."""
    first = _clocks_of_row().filter(sla_queries.breaches_sla(now)).values("pk")[:1]
    return IsNull(Subquery(first), False)


def soon_limits(now: dt.datetime, hours: int = SOON_HOURS) -> dict[int | None, dt.datetime]:
    """For each work calendar (None: a clock in calendar time), the instant ``hours`` business
    hours after ``now`` on it: a clock of that calendar due by then has at most that much
    business time left, as its row's timer shows (one query for the calendars)."""
    limits: dict[int | None, dt.datetime] = {None: now + dt.timedelta(hours=hours)}
    for pk, calendar in calendars_by_id().items():
        limits[pk] = clocks.add_seconds(business_calendar(calendar), now, hours * 3600)
    return limits


def is_breaching_soon(now: dt.datetime, hours: int = SOON_HOURS) -> Q:
    """The ticket's next running clock is due within ``hours`` business hours of its calendar
    (the row timer's measure): some running clock is due in that window and none is overdue
    already (those are in «breached»). Over a night or a weekend the window reaches the next
    working morning, so a ticket due at 10:00 on Monday is «soon» on Friday evening."""
    window = Q()
    for calendar_id, limit in soon_limits(now, hours).items():
        on_calendar = (
            Q(calendar__isnull=True) if calendar_id is None else Q(calendar_id=calendar_id)
        )
        window |= on_calendar & Q(due_at__lte=limit)
    due_soon = _clocks_of_row().filter(sla_queries.running(), due_at__gt=now).filter(window)
    overdue = _clocks_of_row().filter(sla_queries.running(), due_at__lte=now)
    return Q(Exists(due_soon)) & ~Q(Exists(overdue))


def with_sla(qs: QuerySet[Ticket], now: dt.datetime) -> QuerySet[Ticket]:
    """Annotate each ticket with its SLA summary, in the same SELECT:

    ``next_due_at``, ``next_metric``, ``next_calendar_id`` — the running clock due first;
    ``sla_status`` — breached / pending / met (sla.md: met when every metric is met; None
    when the ticket has no clocks); ``sla_paused`` — since when a clock is paused (waiting for
    the client), or None.

    Each is a scalar subquery with LIMIT 1, which PostgreSQL evaluates per row and only for
    the rows of the page (an EXISTS here may be planned as a hash of every clock in the
    table, built before the LIMIT applies: 250 ms on a million tickets).
    """
    running = _next_running()
    paused = _clocks_of_row().filter(stopped_at__isnull=True, paused_since__isnull=False)
    return qs.annotate(
        next_due_at=Subquery(running.values("due_at")[:1]),
        next_metric=Subquery(running.values("metric")[:1]),
        next_calendar_id=Subquery(running.values("calendar_id")[:1]),
        sla_status=worst_clock_status(now),
        sla_paused=Subquery(paused.values("paused_since")[:1]),
    )


def calendars_by_id() -> dict[int, WorkCalendar]:
    """Every work calendar (a handful of rows): one query, whatever the page shows."""
    return {c.pk: c for c in WorkCalendar.objects.all()}


def business_seconds_left(
    due_at: dt.datetime,
    calendar: WorkCalendar | None,
    now: dt.datetime,
) -> int:
    """Business seconds from ``now`` to ``due_at`` on ``calendar`` (calendar time when None);
    negative when overdue. For a running clock this equals ``clocks.remaining_seconds``: its due
    time is ``add(started, allowed + paused)``, so what is left is ``between(now, due)``."""
    engine = business_calendar(calendar) if calendar is not None else None
    if due_at >= now:
        return clocks.seconds_between(engine, now, due_at)
    return -clocks.seconds_between(engine, due_at, now)


def attach_time_left(tickets: Iterable[Ticket], now: dt.datetime) -> list[Ticket]:
    """Set ``sla_left_seconds`` on tickets annotated by `with_sla` (None without a running
    clock). Costs one query for the calendars, not one per row."""
    tickets = list(tickets)
    calendars = calendars_by_id() if any(t.next_due_at for t in tickets) else {}
    for ticket in tickets:
        ticket.sla_left_seconds = (
            business_seconds_left(ticket.next_due_at, calendars.get(ticket.next_calendar_id), now)
            if ticket.next_due_at
            else None
        )
    return tickets


# ---- the queue -----------------------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 18 else None


@dataclass(frozen=True)
class QueueFilters:
    """The queue's tab, filters, search and sort as they travel in the query string (so a view
    is bookmarkable). Unknown or malformed values are ignored rather than refused: a stale
    bookmark still opens the queue."""

    view: str = DEFAULT_VIEW
    type: str = ""
    client: int | None = None
    category: int | None = None
    assignee: str = ""  # a user id, or NO_ASSIGNEE
    status: str = ""
    channel: str = ""
    priority: str = ""
    tag: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> QueueFilters:
        def pick(name: str, allowed) -> str:
            value = params.get(name, "")
            return value if value in allowed else ""

        assignee = params.get("assignee", "")
        return cls(
            view=pick("view", VIEWS) or DEFAULT_VIEW,
            type=pick("type", TicketType.values),
            client=_int_or_none(params.get("client")),
            category=_int_or_none(params.get("category")),
            assignee=assignee if assignee == NO_ASSIGNEE or assignee.isdigit() else "",
            status=pick("status", TicketStatus.values),
            channel=pick("channel", Channel.values),
            priority=pick("priority", Priority.values),
            tag=" ".join(params.get("tag", "").split()).lower()[:50],
            q=params.get("q", "").strip()[:200],
            sort=pick("sort", SORTS) or DEFAULT_SORT,
        )

    def to_query(self) -> dict[str, str]:
        """The values that differ from the defaults, as the query string carries them (a
        saved view keeps these)."""
        query = {}
        for name in (
            "view",
            "type",
            "client",
            "category",
            "assignee",
            "status",
            "channel",
            "priority",
            "tag",
            "q",
            "sort",
        ):
            value = getattr(self, name)
            default = getattr(QueueFilters, name, "")
            if value not in (None, "") and value != default:
                query[name] = str(value)
        return query

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.type
            or self.client
            or self.category
            or self.assignee
            or self.status
            or self.channel
            or self.priority
            or self.tag
            or self.q
        )

    def condition(self, *, notes: bool = False) -> Q:
        """The filters and the search as one condition on Ticket (no tab); ``notes``: the
        search looks in internal notes too (for whoever may read them)."""
        return ticket_condition(
            type=self.type,
            client=self.client,
            category=self.category,
            assignee=self.assignee,
            channel=self.channel,
            priority=self.priority,
            tag=self.tag,
            q=self.q,
            notes=notes,
        )

    @property
    def keeps_to_open(self) -> bool:
        """The scope is the open tickets (no status filter, no search)."""
        return not self.status and not self.q

    def scope(self) -> Q:
        """Which statuses the tabs look at: the status filter if set; every status when
        searching; otherwise the open ones."""
        if self.status:
            return Q(status=self.status)
        if self.q:
            return Q()
        return Q(status__in=OPEN_STATUSES)


def tag_names() -> list[str]:
    """Every tag's name, for the queue's tag filter (one query)."""
    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:500])


def ticket_condition(
    *,
    type: str = "",
    status: str = "",
    open: bool | None = None,
    client: int | None = None,
    category: int | None = None,
    assignee: int | str | None = None,
    channel: str = "",
    priority: str = "",
    tag: str = "",
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    q: str = "",
    notes: bool = False,
) -> Q:
    """The filters and the search that the queue and the API share, as one condition on
    Ticket. ``assignee`` is a user id or NO_ASSIGNEE; ``open`` keeps to open (True) or to
    finished (False) tickets; the creation dates are the department's calendar days;
    ``notes``: the search looks in internal notes too."""
    condition = Q()
    if type:
        condition &= Q(type=type)
    if status:
        condition &= Q(status=status)
    if open is not None:
        condition &= Q(status__in=OPEN_STATUSES) if open else ~Q(status__in=OPEN_STATUSES)
    if client:
        condition &= Q(client_id=client)
    if category:
        condition &= Q(category_id=category)
    if assignee == NO_ASSIGNEE:
        condition &= Q(assignee__isnull=True)
    elif assignee:
        condition &= Q(assignee_id=int(assignee))
    if channel:
        condition &= Q(channel=channel)
    if priority:
        condition &= Q(priority=priority)
    if tag:
        condition &= Q(tags__name=tag)
    if created_from:
        condition &= Q(created_at__date__gte=created_from)
    if created_to:
        condition &= Q(created_at__date__lte=created_to)
    if q.strip():
        condition &= search_condition(q.strip(), notes=notes)
    return condition


def _case_variants(text: str) -> list[str]:
    """SQLite folds case only for ASCII, so a lowercase Cyrillic word would not find its
    capitalised spelling with ``icontains`` alone: there, try the usual spellings.
    PostgreSQL folds every alphabet."""
    if connection.vendor != "sqlite":
        return [text]
    return list(dict.fromkeys([text, text.lower(), text.upper(), text.capitalize()]))


def search_condition(text: str, *, notes: bool = False) -> Q:
    """``#123``: ticket 123 (an index lookup); ``123``: ticket 123 or a ticket whose text holds
    "123"; other text: tickets whose words match (the search index, ``notes`` with the
    internal notes)."""
    match = _NUMBER.match(text)
    if match and text.startswith("#"):
        return Q(pk=int(match.group(1)))
    matching = search_queries.object_ids(KIND, text, internal=notes)
    condition = Q(pk__in=matching) if matching is not None else Q(pk__in=[])
    if match:
        condition |= Q(pk=int(match.group(1)))
    return condition


def tab_condition(view: str, user: User, now: dt.datetime, *, open_only: bool = True) -> Q:
    """The tab as a condition on Ticket. ``open_only=False`` when the scope already keeps to
    open tickets (repeating the status test would make the planner's estimates far too low)."""
    is_open = Q(status__in=OPEN_STATUSES) if open_only else Q()
    if view == "mine":
        return Q(assignee_id=user.pk)
    if view == "unassigned":
        return Q(assignee__isnull=True)
    if view == "breached":
        return is_open & Q(has_breached_clock(now))
    if view == "soon":
        return is_open & is_breaching_soon(now)
    if view == "waiting":
        return Q(status=TicketStatus.WAITING_CLIENT)
    return Q()


def queue(user: User, filters: QueueFilters, now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """The tickets of one tab with their filters, SLA-annotated and sorted: ONE queryset that
    the page, its htmx fragment and the API slice."""
    now = now or timezone.now()
    sort = "due" if filters.view == "soon" else filters.sort
    qs = tickets_visible_to(user).filter(
        filters.scope(),
        filters.condition(notes=can_read_internal_notes(user)),
        tab_condition(filters.view, user, now, open_only=not filters.keeps_to_open),
    )
    return with_sla(qs, now).select_related("client", "category", "assignee").order_by(*SORTS[sort])


def queue_counts(user: User, filters: QueueFilters, now: dt.datetime | None = None) -> dict:
    """How many tickets each tab holds under the current filters, in one query."""
    now = now or timezone.now()
    qs = tickets_visible_to(user).filter(
        filters.scope(), filters.condition(notes=can_read_internal_notes(user))
    )
    counts = {}
    for view in VIEWS:
        condition = tab_condition(view, user, now, open_only=not filters.keeps_to_open)
        counts[view] = Count("pk", filter=condition) if condition else Count("pk")
    return qs.aggregate(**counts)


def open_tickets_on_policy(policy: SlaPolicy) -> QuerySet[Ticket]:
    """The open tickets that follow ``policy`` (those without a policy follow the default);
    sla recomputes their clocks when the policy changes (``sla.queries.open_tickets_on``)."""
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if policy.is_default:
        return tickets.filter(Q(policy=policy) | Q(policy__isnull=True))
    return tickets.filter(policy=policy)


def open_tickets_of_clients(client_ids: list[int] | None) -> QuerySet[Ticket]:
    """The open tickets of these clients (None: of every client); sla moves them to the
    policy their client now gets when an assignment rule changes
    (``sla.queries.open_tickets_of``)."""
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES, client__isnull=False)
    if client_ids is not None:
        tickets = tickets.filter(client_id__in=client_ids)
    return tickets.select_related("client").order_by("pk")


def support_staff() -> QuerySet[User]:
    """People tickets can be assigned to (actions refuse anyone else)."""
    return users_with_role(SUPPORT_STAFF)


def first_response_targets(policy: SlaPolicy) -> dict[str, tuple[int, bool]]:
    """``policy``'s first-response target per ticket type: (minutes, 24/7). The new-ticket
    form quotes them for the policy its client gets (`sla.queries.policy_for`)."""
    rows = SlaTarget.objects.filter(policy=policy, metric=Metric.FIRST_RESPONSE).select_related(
        "calendar"
    )
    return {row.ticket_type: (row.target_minutes, row.calendar.is_24x7) for row in rows}


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("name")


# ---- one ticket ----------------------------------------------------------------------------


@dataclass
class ClockView:
    """One SLA clock as the ticket page shows it."""

    clock: SlaClock
    status: str
    left_seconds: int | None  # business seconds left (negative = overdue); None once stopped
    is_paused: bool
    is_running: bool

    @property
    def due_unknown(self) -> bool:
        """No due time stored (`soprovod verify` reports it): shown as such, not judged."""
        return self.clock.due_at is None

    @property
    def metric_label(self) -> str:
        return self.clock.get_metric_display()


def clock_views(ticket: Ticket, now: dt.datetime) -> list[ClockView]:
    """The ticket's clocks with live status and time left (one query; calendars are cached)."""
    order = {"first_response": 0, "resolution": 1, "resolution_ceiling": 2}
    rows = sorted(
        SlaClock.objects.filter(ticket=ticket).select_related("calendar"),
        key=lambda c: order.get(c.metric, 9),
    )
    views = []
    for clock in rows:
        stopped = clock.stopped_at is not None
        views.append(
            ClockView(
                clock=clock,
                status=clocks.evaluate(clock, now),
                left_seconds=None
                if stopped or clock.due_at is None
                else clocks.remaining_seconds(clock, now),
                is_paused=not stopped and clock.paused_since is not None,
                is_running=not stopped and clock.paused_since is None,
            )
        )
    return views


@dataclass
class ClientContext:
    client: object
    open_count: int
    recent: list[Ticket]


def client_context(user: User, ticket: Ticket, now: dt.datetime | None = None) -> ClientContext:
    """The client panel of the ticket page: open tickets and the last five others, SLA-annotated
    in one query (no query per row)."""
    if ticket.client_id is None:
        return ClientContext(client=None, open_count=0, recent=[])
    now = now or timezone.now()
    of_client = tickets_visible_to(user).filter(client_id=ticket.client_id)
    recent = list(
        with_sla(of_client.exclude(pk=ticket.pk), now)
        .select_related("category")
        .order_by("-created_at", "-pk")[:5]
    )
    return ClientContext(
        client=ticket.client,
        open_count=of_client.filter(status__in=OPEN_STATUSES).count(),
        recent=recent,
    )


# ---- escalations: the inboxes -------------------------------------------------------------

ESCALATION_VIEWS = {
    "open": _("Open"),
    "resolved": _("Resolved"),
    "all": _("All"),
}


def escalation_inbox(user: User, view: str = "open", at: dt.datetime | None = None):
    """The escalations in ``user``'s inbox (the CEO's critical ones, the head's, a deputy's
    while standing in), oldest first: open ones by how long they have waited, resolved
    ones newest first. ``waited`` is the time to acknowledge, or the wait so far."""
    from_inbox = Escalation.objects.filter(inbox_condition(user, at))
    if view == "all" and can_read_escalations(user):
        from_inbox = Escalation.objects.all()
    if view == "resolved":
        qs = from_inbox.filter(status=Escalation.Status.RESOLVED).order_by("-resolved_at", "-pk")
    elif view == "all":
        qs = from_inbox.order_by("-created_at", "-pk")
    else:
        qs = from_inbox.exclude(status=Escalation.Status.RESOLVED).order_by("created_at", "pk")
    return qs.select_related("ticket", "client", "raised_by", "addressed_to", "acknowledged_by")


def escalation_inbox_count(user: User, at: dt.datetime | None = None) -> int:
    """Open escalations in the inbox: the figure beside the menu entry (asked only for a
    user who sees the inbox)."""
    return (
        Escalation.objects.filter(inbox_condition(user, at))
        .exclude(status=Escalation.Status.RESOLVED)
        .count()
    )


def escalation_waits(escalations: Iterable[Escalation], now: dt.datetime) -> None:
    """Set ``waited`` (a timedelta) on each: raised → acknowledged, or raised → now."""
    for escalation in escalations:
        end = escalation.acknowledged_at or now
        escalation.waited = max(end - escalation.created_at, dt.timedelta(0))


def client_replied_last(user: User) -> QuerySet[Ticket]:
    """The user's open tickets where the client answered a reply of the department: the latest
    public message (not an automatic one) is the client's and an earlier one is staff's. A new
    ticket nobody has answered yet is not here (it is in «Mine»). Oldest answer first."""
    public = TicketMessage.objects.filter(
        ticket=OuterRef("pk"), kind=TicketMessage.Kind.PUBLIC, is_automatic=False
    )
    last_public = public.order_by("-created_at", "-pk")
    return (
        tickets_visible_to(user)
        .filter(assignee=user, status__in=(TicketStatus.NEW, TicketStatus.OPEN))
        .annotate(
            last_from_staff=Subquery(last_public.values("from_staff")[:1]),
            replied_at=Subquery(last_public.values("created_at")[:1]),
        )
        .filter(Exists(public.filter(from_staff=True)), last_from_staff=False)
        .select_related("client")
        .order_by("replied_at", "pk")
    )


# ---- saved views -----------------------------------------------------------------------------


def saved_views_for(user: User) -> QuerySet[SavedView]:
    """The user's own views and those shared by colleagues, by name."""
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")


# ---- choosing a client for a new ticket -------------------------------------------------------

CLIENT_MATCHES = 10
CLIENT_QUERY_MIN = 2


def client_matches(user: User, text: str, *, limit: int = CLIENT_MATCHES):
    """Clients the user may file for whose name contains ``text`` or whose INN starts with it
    (two characters at least), not churned first, by name: the searchable client field of a
    new ticket (issue 16: typing beats a 400-item list)."""
    from soprovod.clients.models import ClientStatus
    from soprovod.clients.permissions import clients_visible_to

    text = " ".join(text.split())[:100]
    if len(text) < CLIENT_QUERY_MIN:
        return []
    condition = Q()
    for variant in _case_variants(text):
        condition |= Q(name__icontains=variant)
    if text.isdigit():
        condition |= Q(inn__startswith=text)
    churned_last = Case(When(status=ClientStatus.CHURNED, then=Value(1)), default=Value(0))
    return list(
        clients_visible_to(user)
        .filter(condition)
        .annotate(churned_last=churned_last)
        .order_by("churned_last", "name", "pk")
        .only("pk", "name", "inn", "status")[:limit]
    )
