"""``soprovod kpi --from D --to D [--json]``: the KPIs of a period (interfaces.md).

The figures are `soprovod.kpi.engine`'s KPI document, the very one the API and the dashboard
serve: ``--json`` prints it as it is; without it, a table of title, value, target and
whether the target is met (✓, ✗, or — when there is no data or no target), values and
targets written as the dashboard writes them (`kpi.charts`). Titles are in the department's
language (``LANGUAGE_CODE``), whatever the terminal's locale.

Bad dates are a user error (status 1, one line); missing options are bad usage (status 2).
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from soprovod.core.management import SoprovodCommand
from soprovod.kpi.charts import format_threshold, format_value
from soprovod.kpi.engine import kpi_document
from soprovod.lib.csvio import FieldError, parse_date

MET_MARKS = {True: "✓", False: "✗", None: "—"}


class Command(SoprovodCommand):
    requires_system_checks: list[str] = []
    help = "Show the KPIs of a period as a table, or as the JSON document of the API."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="date_from", required=True, metavar="DATE", help="first day, YYYY-MM-DD"
        )
        parser.add_argument(
            "--to", dest="date_to", required=True, metavar="DATE", help="last day, YYYY-MM-DD"
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the KPI JSON document"
        )

    def handle(self, *, date_from: str, date_to: str, as_json: bool, **options):
        start = _date("--from", date_from)
        end = _date("--to", date_to)
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}")
        with translation.override(settings.LANGUAGE_CODE):
            document = kpi_document(start, end)
            if as_json:
                self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            else:
                self.stdout.write(format_table(document))


def _date(option: str, value: str) -> dt.date:
    try:
        return parse_date(value)
    except FieldError as error:
        raise CommandError(f"{option} {value}: {error}") from None


def format_table(document: dict) -> str:
    """The document as aligned plain-text columns: title, value, target, met."""
    header = (_("KPI"), _("Value"), _("Target"), _("Met"))
    rows = [
        (
            kpi["title"],
            format_value(kpi["value"], kpi["unit"], signed=kpi["key"].endswith(".change")),
            format_threshold(kpi["target"], kpi["comparison"], kpi["unit"], kpi["key"]),
            MET_MARKS[kpi["met"]],
        )
        for kpi in document["kpis"]
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
    lines = [f"{document['from']} – {document['to']}", ""]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    return "\n".join(lines)
