"""CSV downloads of list pages (interfaces.md «CSV files»): UTF-8 with a BOM, so Excel opens
it as UTF-8, and commas. Rows are streamed as the queryset is read, so a long list never sits
in memory as one string."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_value(value) -> str:
    """A cell as the import files write it: ISO dates, datetimes in the department's zone,
    ``true``/``false``, plain decimals, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def csv_response(
    filename: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A download of ``rows`` under the header ``columns``."""
    writer = csv.writer(_Echo())

    def lines():
        yield BOM + writer.writerow(columns)
        for row in rows:
            yield writer.writerow([csv_value(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
