"""The desk's sections of the reports (issue 15): the month's mass incidents and quality
review scores in the monthly report, the improvement register in the quarterly one (what
the department changed and what it gained). Built
as `Table`s (passed in by the generator, as in `review`) so the PDF and the workbook lay
them out like every other table."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.incidents import queries as incident_queries
from soprovod.lib.periods import Period
from soprovod.problems import queries as problem_queries
from soprovod.quality import queries as quality_queries


def _moment(value) -> str | None:
    return None if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def incident_table(period: Period, *, table, column):
    columns = [
        column("title", _("Mass incident")),
        column("started", _("Began")),
        column("resolved", _("Resolved")),
        column("tickets", _("Tickets"), "count"),
        column("clients", _("Clients"), "count"),
    ]
    rows = [
        [i.title, _moment(i.started_at), _moment(i.resolved_at), i.children, i.clients]
        for i in incident_queries.in_period(period)
    ]
    return table(
        "incidents",
        _("Mass incidents"),
        columns,
        rows,
        note=_("No mass incidents in this period."),
    )


def quality_table(period: Period, *, table, column):
    """Per agent and for the team: reviews and score in the period, the previous period's
    score and the change (the trend)."""
    columns = [
        column("agent", _("Agent")),
        column("reviews", _("Reviews"), "count"),
        column("score", _("Quality score"), "share"),
        column("previous", _("Previous period"), "share"),
        column("change", _("Change"), "share"),
    ]
    previous = {s.agent_id: s.score for s in quality_queries.agent_scores(period.previous())}
    rows = []
    for score in quality_queries.agent_scores(period):
        before = previous.get(score.agent_id)
        change = None if score.score is None or before is None else score.score - before
        rows.append([score.name, score.reviews, score.score, before, change])
    team = quality_queries.team_score(period)
    team_before = quality_queries.team_score(period.previous())["score"]
    if rows:
        change = (
            None if team["score"] is None or team_before is None else team["score"] - team_before
        )
        rows.append([_("Team"), team["reviews"], team["score"], team_before, change])
    return table(
        "quality",
        _("Quality review"),
        columns,
        rows,
        note=_("No tickets were reviewed in this period."),
    )


def improvement_table(period: Period, *, table, column):
    """The improvement register: problems fixed in the period or still open at its end,
    each with its repeats before and after the fix (equal windows)."""
    columns = [
        column("problem", _("Problem")),
        column("fix", _("Fix")),
        column("fixed", _("Fixed")),
        column("before", _("Repeats before"), "count"),
        column("after", _("Repeats after"), "count"),
        column("days", _("Window, days"), "count"),
        column("change", _("Change"), "share"),
        column("status", _("Status")),
    ]
    rows = []
    for problem, effect in problem_queries.register(
        period.end_at, created_from=period.start_at, created_to=period.end_at
    ):
        rows.append(
            [
                problem.title,
                problem.get_fix_kind_display() or None,
                _moment(problem.fixed_at),
                effect.before if effect else None,
                effect.after if effect else None,
                effect.days if effect else None,
                effect.change if effect else None,
                problem.get_status_display(),
            ]
        )
    return table(
        "improvements",
        _("Improvement register"),
        columns,
        rows,
        note=_("No problems were worked on in this period."),
    )


def monthly_tables(period: Period, *, table, column) -> list:
    return [
        incident_table(period, table=table, column=column),
        quality_table(period, table=table, column=column),
    ]


def quarterly_tables(period: Period, *, table, column) -> list:
    return [improvement_table(period, table=table, column=column)]
