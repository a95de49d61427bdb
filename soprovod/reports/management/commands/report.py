"""``soprovod report monthly|quarterly|annual``: a report for the CEO as a PDF or XLSX file
(interfaces.md «Command line»).

    soprovod report monthly --month 2026-10 --format pdf -o october.pdf
    soprovod report quarterly --quarter 2026-Q4 --format xlsx -o q4.xlsx
    soprovod report annual --year 2026 -o 2026.pdf

The figures are the KPI engine's, as of now; the head's commentary is taken from the report
archive when the period has a report there. Nothing is written to the archive. Exit status 1
with a one-line message for a period that cannot be read or a file that cannot be written;
2 for bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import CommandError

from soprovod.core.management import SoprovodCommand
from soprovod.lib.periods import PeriodError
from soprovod.reports.generator import build_report_data
from soprovod.reports.kinds import parse_period, period_code
from soprovod.reports.models import Report, ReportKind
from soprovod.reports.pdf import render_pdf
from soprovod.reports.xlsx import render_xlsx

# kind → (option, metavar, example)
PERIOD_OPTIONS = {
    ReportKind.MONTHLY: ("--month", "YYYY-MM", "2026-10"),
    ReportKind.QUARTERLY: ("--quarter", "YYYY-Qn", "2026-Q4"),
    ReportKind.ANNUAL: ("--year", "YYYY", "2026"),
}
FORMATS = ("pdf", "xlsx")


class Command(SoprovodCommand):
    help = "Make a monthly, quarterly or annual report for the CEO as a PDF or XLSX file."

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(
            dest="kind", required=True, metavar="{monthly,quarterly,annual}"
        )
        for kind, (option, metavar, example) in PERIOD_OPTIONS.items():
            sub = kinds.add_parser(
                kind.value,
                help=f"the {kind.value} report",
                called_from_command_line=getattr(parser, "called_from_command_line", None),
            )
            sub.add_argument(
                option,
                dest="period",
                required=True,
                metavar=metavar,
                help=f"the period, e.g. {example}",
            )
            sub.add_argument(
                "--format",
                choices=FORMATS,
                help="pdf or xlsx (default: from the -o file's extension, else pdf)",
            )
            sub.add_argument(
                "-o",
                "--output",
                metavar="FILE",
                help="where to write it; - for standard output "
                "(default: soprovod-report-<period>.<format> here)",
            )

    def handle(self, *, kind: str, period: str, format: str | None, output: str | None, **options):
        try:
            report_period = parse_period(kind, period)
        except PeriodError as error:
            raise CommandError(str(error)) from None
        fmt = format or _format_from(output) or "pdf"
        path = Path(output or f"soprovod-report-{period_code(kind, report_period).lower()}.{fmt}")
        # Say what is wrong with the file before the work, not after.
        if output != "-" and not path.parent.is_dir():
            raise CommandError(f"{path}: no such directory")
        if output != "-" and path.is_dir():
            raise CommandError(f"{path}: is a directory")
        stored = Report.objects.filter(
            kind=kind, period_start=report_period.start, period_end=report_period.end
        ).first()
        data = build_report_data(
            kind, report_period, commentary=stored.commentary if stored else ""
        )
        content = render_pdf(data) if fmt == "pdf" else render_xlsx(data)
        if output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
            return
        try:
            path.write_bytes(content)
        except FileNotFoundError:
            raise CommandError(f"{path}: no such directory") from None
        except IsADirectoryError:
            raise CommandError(f"{path}: is a directory") from None
        except OSError as error:
            raise CommandError(f"{path}: cannot write the file: {error.strerror}") from None
        self.stdout.write(f"{path}: {data.title}, {data.period_label} ({len(content):,} bytes)")


def _format_from(output: str | None) -> str | None:
    if not output or output == "-":
        return None
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None
