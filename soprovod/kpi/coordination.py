"""KPIs of the agreements with other departments (kpi.md «handoff.*»), computed in the
database from the hand-off rounds and registered with the engine as a source (`KpiConfig`).
The rules (which rounds count, on time, late, hours) are `soprovod.handoffs.queries`; here
they are aggregated in one query, and the records behind each figure are listed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

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
