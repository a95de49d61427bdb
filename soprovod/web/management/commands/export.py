"""``soprovod export tickets [--from D] [--to D] [-o FILE]``: CSV export (interfaces.md).

Each kind is an exporter listed in EXPORTERS, with the signature::

    def export_things(stream, *, date_from=None, date_to=None) -> int

writing CSV text to ``stream`` (opened with ``newline=""``) and returning the number of
rows. Without ``-o`` the file goes to standard output (as UTF-8, whatever the terminal's
encoding). A new kind is one more line here.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.module_loading import import_string

from soprovod.core.management import SoprovodCommand
from soprovod.lib.csvio import FieldError, parse_date

EXPORTERS: dict[str, str] = {
    "tickets": "soprovod.tickets.exports.export_tickets",
}


class Command(SoprovodCommand):
    requires_system_checks: list[str] = []
    help = (
        "Export to CSV (UTF-8 with BOM, commas). Tickets come with their SLA figures as the "
        "product computes them; --from and --to select by creation date."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(EXPORTERS), help="what to export")
        parser.add_argument(
            "--from", dest="date_from", metavar="DATE", help="first creation date, YYYY-MM-DD"
        )
        parser.add_argument(
            "--to", dest="date_to", metavar="DATE", help="last creation date, YYYY-MM-DD"
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")

    def handle(self, *, kind: str, date_from, date_to, output: str | None, **options):
        start = _date("--from", date_from)
        end = _date("--to", date_to)
        if start and end and end < start:
            raise CommandError(f"--to {end} is before --from {start}")
        exporter = import_string(EXPORTERS[kind])
        if output:
            try:
                with Path(output).open("w", encoding="utf-8", newline="") as stream:
                    count = exporter(stream, date_from=start, date_to=end)
            except OSError as error:
                raise CommandError(f"{output}: cannot write the file: {error.strerror}") from None
            self.stdout.write(f"{output}: {count} {kind}")
            return
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is not None:
            # The real standard output: UTF-8 bytes, whatever the locale says.
            self.stdout.flush()
            stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
            try:
                exporter(stream, date_from=start, date_to=end)
            finally:
                stream.flush()
                stream.detach()
        else:
            exporter(_Text(self.stdout), date_from=start, date_to=end)


def _date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except FieldError as error:
        raise CommandError(f"{option} {value}: {error}") from None


class _Text:
    """A command's output stream (tests give a StringIO) written as is, without added newlines."""

    def __init__(self, output) -> None:
        self.output = output

    def write(self, text: str) -> None:
        self.output.write(text, ending="")
