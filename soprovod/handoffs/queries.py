"""Reads of hand-offs that the pages, the API, the export, the KPI engine and the checker
share: each rule once.

kpi.md «handoff.on_time»: rounds submitted in the period agreed within their time ÷ rounds
submitted in the period that are agreed or overdue. «Agreed» is support's answer, accept or
return (kpi.md); a resubmission is a new round with its own clock, so each submission counts.
«handoff.hours.median»: median hours (on the round's clock) from submission to the answer.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from soprovod.handoffs.models import Handoff, HandoffRound, HandoffStatus
from soprovod.handoffs.permissions import handoffs_visible_to

PAGE_SIZE = 50

# ---- KPI pieces (kpi.md «handoff.*») -----------------------------------------------------


def submitted_in(start_at: dt.datetime, end_at: dt.datetime) -> Q:
    """Rounds submitted in ``[start_at, end_at)``."""
    return Q(submitted_at__gte=start_at, submitted_at__lt=end_at)


AGREED = Q(answered_at__isnull=False)
ON_TIME = AGREED & Q(answered_at__lte=F("due_at"))


def late(now: dt.datetime) -> Q:
    """Answered after the due time, or still unanswered past it at ``now``."""
    return Q(answered_at__gt=F("due_at")) | Q(answered_at__isnull=True, due_at__lt=now)


def counted(now: dt.datetime) -> Q:
    """The denominator of «handoff.on_time»: agreed, or overdue at ``now``."""
    return AGREED | late(now)


# Hours from submission to the answer, on the round's own clock.
AGREEMENT_HOURS = Cast(F("elapsed_seconds"), FloatField()) / Value(3600.0)


def kpi_rounds(start_at: dt.datetime, end_at: dt.datetime) -> QuerySet[HandoffRound]:
    return HandoffRound.objects.filter(submitted_in(start_at, end_at))


# ---- lists -------------------------------------------------------------------------------


def _current_round(field: str):
    return Subquery(
        HandoffRound.objects.filter(handoff=OuterRef("pk")).order_by("-number").values(field)[:1]
    )


def handoff_list(user, *, status: str = "", q: str = "") -> QuerySet[Handoff]:
    """The hand-offs the user may read, newest first, each with its current round's due
    time, answer time and number (one query for the page)."""
    handoffs = (
        handoffs_visible_to(user)
        .select_related("client", "sales", "project")
        .annotate(
            round_number=_current_round("number"),
            round_due_at=_current_round("due_at"),
            round_answered_at=_current_round("answered_at"),
            round_submitted_at=_current_round("submitted_at"),
        )
        .order_by("-created_at", "-pk")
    )
    if status:
        handoffs = handoffs.filter(status=status)
    if q:
        handoffs = handoffs.filter(
            Q(client_name__icontains=q)
            | Q(client__name__icontains=q)
            | Q(contract_number__icontains=q)
        )
    return handoffs


def inbox(user, now: dt.datetime | None = None) -> QuerySet[HandoffRound]:
    """Support's inbox: the rounds waiting for an answer, least time left first."""
    now = now or timezone.now()
    return (
        HandoffRound.objects.filter(answered_at__isnull=True, handoff__in=handoffs_visible_to(user))
        .select_related("handoff__client", "handoff__sales", "calendar")
        .annotate(
            time_left=ExpressionWrapper(F("due_at") - Value(now), output_field=DurationField()),
            is_overdue=Case(When(due_at__lt=now, then=True), default=False),
            is_warning=Case(When(warn_at__lte=now, then=True), default=False),
        )
        .order_by("due_at", "pk")
    )


def status_counts(user) -> dict[str, int]:
    rows = handoffs_visible_to(user).values("status").annotate(n=Count("pk")).order_by()
    counts = {status: 0 for status in HandoffStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def rounds_of(handoff: Handoff) -> QuerySet[HandoffRound]:
    return handoff.rounds.select_related("submitted_by", "answered_by", "calendar").order_by(
        "number"
    )


def overdue_seconds(agreement: HandoffRound, now: dt.datetime) -> float:
    return (now - agreement.due_at).total_seconds()
