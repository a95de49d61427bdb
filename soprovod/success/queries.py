"""Reads of customer success, for the pages, the API, the exports and the apps above
(health counts `open_claims`). Aggregated in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q, QuerySet, Sum

from soprovod.success.models import (
    CallNote,
    ChurnCase,
    ChurnOutcome,
    Claim,
    ClaimDirection,
    ClientProfile,
)

PAGE_SIZE = 50

# Register filters: ``state``.
OPEN, OVERDUE, DUE_SOON, CLOSED, ALL = "open", "overdue", "due_soon", "closed", "all"
STATES = (OPEN, DUE_SOON, OVERDUE, CLOSED, ALL)


def open_claims(clients: Iterable | None = None) -> QuerySet[Claim]:
    """Claims without an outcome yet (either direction), optionally of ``clients`` (client
    objects, ids or a queryset). The measure «open claims» of the health score."""
    claims = Claim.objects.filter(outcome="")
    if clients is not None:
        claims = claims.filter(client__in=clients)
    return claims


def open_claim_counts(clients: Iterable | None = None) -> dict[int, int]:
    """{client id: open claims}, one grouped query; clients without any are absent."""
    rows = open_claims(clients).values("client_id").annotate(n=Count("pk")).order_by()
    return {row["client_id"]: row["n"] for row in rows}


def overdue_condition(today: dt.date) -> Q:
    """An unanswered claim from a client, past its deadline."""
    return Q(
        direction=ClaimDirection.FROM_CLIENT,
        outcome="",
        replied_on__isnull=True,
        response_due_on__lt=today,
    )


def register(
    claims: QuerySet[Claim],
    *,
    today: dt.date,
    state: str = OPEN,
    direction: str = "",
    owner_id: int | None = None,
    search: str = "",
) -> QuerySet[Claim]:
    """The register page's rows: open claims by deadline (the nearest first), or the
    filtered list."""
    if state == OPEN:
        claims = claims.filter(outcome="")
    elif state == DUE_SOON:
        claims = claims.filter(
            direction=ClaimDirection.FROM_CLIENT,
            outcome="",
            replied_on__isnull=True,
            response_due_on__gte=today,
            response_due_on__lte=today + dt.timedelta(days=7),
        )
    elif state == OVERDUE:
        claims = claims.filter(overdue_condition(today))
    elif state == CLOSED:
        claims = claims.exclude(outcome="")
    if direction:
        claims = claims.filter(direction=direction)
    if owner_id:
        claims = claims.filter(owner_id=owner_id)
    if search:
        claims = claims.filter(
            Q(number__icontains=search)
            | Q(client__name__icontains=search)
            | Q(counterparty_inn__startswith=search)
            | Q(contract__icontains=search)
        )
    return claims.select_related("client", "owner").order_by(
        F("response_due_on").asc(nulls_last=True), "-created_at", "-pk"
    )


def register_totals(claims: QuerySet[Claim], today: dt.date) -> dict:
    """The counts and sums above the register, one query."""
    open_q = Q(outcome="")
    return claims.aggregate(
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=overdue_condition(today)),
        principal=Sum("principal_rub", filter=open_q),
        penalty=Sum("penalty_rub", filter=open_q),
    )


def for_client(client) -> QuerySet[Claim]:
    return Claim.objects.filter(client=client).select_related("owner").order_by("-created_at")


# ---- churn cases ---------------------------------------------------------------------------


def churn_cases(cases: QuerySet[ChurnCase], *, state: str = OPEN, reason_id=None):
    """The churn-case list: open cases oldest first (they have waited longest), or closed
    ones by outcome date; with their save-plan progress."""
    if state == OPEN:
        cases = cases.filter(outcome="").order_by("opened_at", "pk")
    elif state in ChurnOutcome.values:
        cases = cases.filter(outcome=state).order_by("-outcome_on", "-pk")
    else:
        cases = cases.order_by("-opened_at", "-pk")
    if reason_id:
        cases = cases.filter(reason_id=reason_id)
    return cases.select_related("client", "owner", "reason").annotate(
        task_count=Count("tasks"),
        tasks_done=Count("tasks", filter=Q(tasks__done_at__isnull=False)),
    )


def churn_totals(cases: QuerySet[ChurnCase], since: dt.date) -> dict:
    """Open cases and the outcomes since ``since``, one query."""
    return cases.aggregate(
        open=Count("pk", filter=Q(outcome="")),
        saved=Count("pk", filter=Q(outcome=ChurnOutcome.SAVED, outcome_on__gte=since)),
        downgraded=Count("pk", filter=Q(outcome=ChurnOutcome.DOWNGRADED, outcome_on__gte=since)),
        lost=Count("pk", filter=Q(outcome=ChurnOutcome.LOST, outcome_on__gte=since)),
    )


def open_case_of(client) -> ChurnCase | None:
    return ChurnCase.objects.filter(client=client, outcome="").first()


def key_account_ids(clients=None) -> set[int]:
    """The ids of key accounts (of ``clients``, when given)."""
    profiles = ClientProfile.objects.filter(key_account=True)
    if clients is not None:
        profiles = profiles.filter(client__in=clients)
    return set(profiles.values_list("client_id", flat=True))


def notes_of(client) -> QuerySet[CallNote]:
    return (
        CallNote.objects.filter(client=client)
        .select_related("created_by")
        .prefetch_related("staff", "contacts", "next_steps__owner")
        .order_by("-held_on", "-pk")
    )
