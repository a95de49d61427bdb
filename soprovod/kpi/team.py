"""kpi.md «team.tasks_on_time», from the action items of the head's meetings: the rule (due
in the period, on time, late, still to be decided) is `meetings.queries`; here it is
registered with the engine as a source (`KpiConfig`), with the records behind the figure."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from soprovod.kpi.engine import KpiSource
from soprovod.lib.periods import Period
from soprovod.meetings import queries as meeting_queries

TASKS_ON_TIME = "team.tasks_on_time"


def team_values(period: Period, now: dt.datetime) -> dict[str, dict]:
    """One aggregate query over the action items due in the period."""
    return {TASKS_ON_TIME: meeting_queries.tasks_on_time(period, now)}


def team_drilldown(period: Period, key: str, outcome: str, now: dt.datetime) -> QuerySet:
    return meeting_queries.kpi_items(period, outcome, now)


TEAM_SOURCE = KpiSource(
    "meetings",
    # The key is kpi.md's, declared by the engine itself.
    definitions=list,
    compute=team_values,
    outcomes={TASKS_ON_TIME: ("counted", "on_time", "late")},
    drilldown=team_drilldown,
    drilldown_template="meetings/_kpi_records.html",
)
