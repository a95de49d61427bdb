"""Reads of requests to development that the pages, the API, the export and the KPIs share.

Impact is computed from the data, never typed in (issue 10): per request, in the database,
with one subquery per figure so a list of any length is one query.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from soprovod.clients.models import Client
from soprovod.devrequests.models import (
    OPEN_STATUSES,
    AgreementRound,
    DevRequest,
    RequestStatus,
    RoundOutcome,
)
from soprovod.lib.periods import Period
from soprovod.sla.models import TicketType
from soprovod.tickets.models import Ticket

# Tickets this recent count towards a request's impact.
RECENT_DAYS = 90
# Impact points (the inbox's order): an emergency ticket linked weighs most, then each
# client concerned, each ticket of the last 90 days with the same category or linked, each
# vote, and the clients' MRR per 10,000 ₽.
POINTS_EMERGENCY = 20
POINTS_CLIENT = 5
POINTS_RECENT_TICKET = 1
POINTS_VOTE = 1
MRR_PER_POINT = Decimal(10000)


def _total(queryset, field: str):
    summed = (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(
        Subquery(summed[:1], output_field=DecimalField(max_digits=14, decimal_places=2)),
        Value(Decimal(0)),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _one_row_count(queryset) -> Subquery:
    counted = (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


def recent_by_category(since: dt.datetime) -> dict[int, int]:
    """Tickets created since ``since``, per category (one query)."""
    rows = (
        Ticket.objects.filter(created_at__gte=since, category__isnull=False)
        .values("category_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["category_id"]: row["n"] for row in rows}


def impact_annotations(now: dt.datetime | None = None) -> dict:
    """Per request: linked tickets, emergency tickets among them, clients concerned, those
    clients' total MRR, tickets created in the last 90 days with the request's category or
    linked to it, and the impact points that order the inbox."""
    now = now or timezone.now()
    linked = Ticket.objects.filter(dev_requests=OuterRef("pk"))
    clients = Client.objects.filter(dev_requests=OuterRef("pk"))
    since = now - dt.timedelta(days=RECENT_DAYS)
    # Recent tickets of the request's category (one grouped query first: a category's count
    # is the same for every request of it), plus its recent linked tickets of another or no
    # category: together, the distinct union.
    linked_recent = linked.filter(created_at__gte=since)
    same_category = Case(
        *(When(category_id=pk, then=Value(n)) for pk, n in recent_by_category(since).items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    annotations = {
        "ticket_count": _one_row_count(linked),
        "emergency_count": _one_row_count(linked.filter(type=TicketType.EMERGENCY)),
        "client_count": _one_row_count(clients),
        "mrr_total": _total(clients, "mrr_rub"),
        "recent_ticket_count": same_category
        + _one_row_count(linked_recent)
        - _one_row_count(linked_recent.filter(category_id=OuterRef("category_id"))),
    }
    annotations["impact"] = ExpressionWrapper(
        F("emergency_count") * POINTS_EMERGENCY
        + F("client_count") * POINTS_CLIENT
        + F("recent_ticket_count") * POINTS_RECENT_TICKET
        + F("votes") * POINTS_VOTE
        + F("mrr_total") / MRR_PER_POINT,
        output_field=FloatField(),
    )
    return annotations


def clock_annotations() -> dict:
    """The running round's due time (null when no clock runs)."""
    running = AgreementRound.objects.filter(request=OuterRef("pk"), ended_at__isnull=True)
    return {"due_at": Subquery(running.values("due_at")[:1])}


def with_impact(requests: QuerySet[DevRequest], now: dt.datetime | None = None) -> QuerySet:
    return requests.annotate(**impact_annotations(now), **clock_annotations())


def inbox(requests: QuerySet[DevRequest], now: dt.datetime | None = None) -> QuerySet:
    """Development's inbox: requests awaiting a decision or being done, the most impact
    first; equal impact, the least time left first (no clock running: last)."""
    awaiting = Case(
        When(status=RequestStatus.SUBMITTED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        with_impact(requests.filter(status__in=OPEN_STATUSES), now)
        .select_related("category")
        .annotate(awaiting=awaiting)
        .order_by("awaiting", F("impact").desc(), F("due_at").asc(nulls_last=True), "pk")
    )


def listing(requests: QuerySet[DevRequest], *, status: str = "", kind: str = "", now=None):
    """Every request (filtered by status and kind), newest first, with its impact."""
    if status:
        requests = requests.filter(status=status)
    if kind:
        requests = requests.filter(kind=kind)
    return with_impact(requests, now).select_related("category").order_by("-created_at", "-pk")


def for_ticket(ticket: Ticket) -> QuerySet[DevRequest]:
    return DevRequest.objects.filter(tickets=ticket).order_by("-created_at", "-pk")


def for_client(client: Client) -> QuerySet[DevRequest]:
    return DevRequest.objects.filter(clients=client).order_by("-created_at", "-pk")


# ---- the agreement KPIs (kpi.md «dev_request.on_time», «dev_request.hours.median») ----------

DECIDED = (RoundOutcome.ACCEPTED, RoundOutcome.DECLINED)


def submitted_in(period: Period) -> Q:
    return Q(submitted_at__gte=period.start_at, submitted_at__lt=period.end_at)


def on_time() -> Q:
    """Agreed (accepted or declined) by the due time."""
    return Q(outcome__in=DECIDED, ended_at__lte=F("due_at"))


def late(now: dt.datetime) -> Q:
    """Overdue: decided after the due time, still undecided past it at ``now``, or withdrawn
    (merged) after it — a merge does not hide a missed deadline."""
    return Q(due_at__lt=Coalesce(F("ended_at"), Value(now, output_field=DateTimeField())))


def hours() -> ExpressionWrapper:
    """Clock hours from submission to decision (null while undecided or withdrawn)."""
    return ExpressionWrapper(
        Case(When(outcome__in=DECIDED, then=F("elapsed_seconds")), default=None) / Value(3600.0),
        output_field=FloatField(),
    )


def counted(now: dt.datetime) -> Q:
    """The KPI's denominator: rounds agreed on time or overdue."""
    return on_time() | late(now)


def rounds_submitted_in(period: Period) -> QuerySet[AgreementRound]:
    return AgreementRound.objects.filter(submitted_in(period))
