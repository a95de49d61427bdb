"""KPIs of the agreements with other departments (kpi.md «handoff.*», «dev_request.*»),
computed in the database from the hand-off rounds and the development requests' agreement
rounds, registered with the engine as sources (`KpiConfig`). The rules (which rounds count,
on time, late, hours) are each app's ``queries``; here each is aggregated in one query, and
the records behind each figure are listed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from soprovod.devrequests import queries as devrequest_queries
from soprovod.handoffs import queries as handoff_queries
from soprovod.handoffs.models import HandoffRound
from soprovod.kpi.aggregates import PercentileCont
from soprovod.kpi.engine import KpiSource
from soprovod.lib.periods import Period

HANDOFF_OUTCOMES = {
    "handoff.on_time": ("counted", "on_time", "late"),
    "handoff.hours.median": ("agreed",),
}


def handoff_values(period: Period, now: dt.datetime) -> dict[str, dict]:
    """One query: «handoff.on_time» (rounds submitted in the period answered by their due
    time ÷ those answered or overdue at ``now``) and «handoff.hours.median» (median hours
    of the answered ones, on each round's clock)."""
    stats = handoff_queries.kpi_rounds(period.start_at, period.end_at).aggregate(
        on_time=Count("pk", filter=handoff_queries.ON_TIME),
        counted=Count("pk", filter=handoff_queries.counted(now)),
        agreed=Count("pk", filter=handoff_queries.AGREED),
        median=PercentileCont(handoff_queries.AGREEMENT_HOURS, 0.5),
    )
    on_time, counted = stats["on_time"], stats["counted"]
    return {
        "handoff.on_time": {
            "value": on_time / counted if counted else None,
            "numerator": on_time,
            "denominator": counted,
        },
        "handoff.hours.median": {"value": stats["median"], "count": stats["agreed"]},
    }


def handoff_drilldown(period: Period, key: str, outcome: str, now: dt.datetime) -> QuerySet:
    """The rounds behind a hand-off figure: counted, on time or late (``handoff.on_time``),
    or the answered ones, longest first (``handoff.hours.median``)."""
    rounds = (
        HandoffRound.objects.filter(handoff_queries.submitted_in(period.start_at, period.end_at))
        .select_related("handoff__client", "handoff__sales", "answered_by")
        .annotate(hours=handoff_queries.AGREEMENT_HOURS)
    )
    if key == "handoff.hours.median":
        return rounds.filter(handoff_queries.AGREED).order_by("-elapsed_seconds", "-pk")
    condition = {
        "on_time": handoff_queries.ON_TIME,
        "late": handoff_queries.late(now),
    }.get(outcome, handoff_queries.counted(now))
    return rounds.filter(condition).order_by("-submitted_at", "-pk")


HANDOFF_SOURCE = KpiSource(
    "handoffs",
    # The keys are kpi.md's, declared by the engine itself.
    definitions=list,
    compute=handoff_values,
    outcomes=HANDOFF_OUTCOMES,
    drilldown=handoff_drilldown,
    drilldown_template="handoffs/_kpi_records.html",
)


# ---- requests to development ----------------------------------------------------------------

DEV_REQUEST_OUTCOMES = {
    "dev_request.on_time": ("counted", "on_time", "late"),
    "dev_request.hours.median": ("agreed",),
}
AGREED = Q(outcome__in=devrequest_queries.DECIDED)


def dev_request_values(period: Period, now: dt.datetime) -> dict[str, dict]:
    """One query: «dev_request.on_time» (rounds submitted in the period agreed — accepted
    or declined — by their due time ÷ those agreed or overdue at ``now``) and
    «dev_request.hours.median» (median clock hours from submission to agreement of the
    agreed ones)."""
    stats = devrequest_queries.rounds_submitted_in(period).aggregate(
        on_time=Count("pk", filter=devrequest_queries.on_time()),
        counted=Count("pk", filter=devrequest_queries.counted(now)),
        agreed=Count("pk", filter=AGREED),
        median=PercentileCont(devrequest_queries.hours(), 0.5),
    )
    on_time, counted = stats["on_time"], stats["counted"]
    return {
        "dev_request.on_time": {
            "value": on_time / counted if counted else None,
            "numerator": on_time,
            "denominator": counted,
        },
        "dev_request.hours.median": {"value": stats["median"], "count": stats["agreed"]},
    }


def dev_request_drilldown(period: Period, key: str, outcome: str, now: dt.datetime) -> QuerySet:
    """The rounds behind a figure: counted, on time or late (``dev_request.on_time``), or the
    agreed ones, longest first (``dev_request.hours.median``)."""
    rounds = (
        devrequest_queries.rounds_submitted_in(period)
        .select_related("request", "decided_by")
        .annotate(hours=devrequest_queries.hours())
    )
    if key == "dev_request.hours.median":
        return rounds.filter(AGREED).order_by("-elapsed_seconds", "-pk")
    condition = {
        "on_time": devrequest_queries.on_time(),
        "late": devrequest_queries.late(now),
    }.get(outcome, devrequest_queries.counted(now))
    return rounds.filter(condition).order_by("-submitted_at", "-pk")


DEV_REQUEST_SOURCE = KpiSource(
    "dev_requests",
    # The keys are kpi.md's, declared by the engine itself.
    definitions=list,
    compute=dev_request_values,
    outcomes=DEV_REQUEST_OUTCOMES,
    drilldown=dev_request_drilldown,
    drilldown_template="devrequests/_kpi_records.html",
)
