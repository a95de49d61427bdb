"""The report as an Excel workbook: one sheet per section, the same `ReportData` as the PDF.

Numbers stay numbers (shares as fractions with a percent format, minutes and scores as
plain numbers), so the CEO can sort, sum and chart them; every sheet has a bold, frozen
header row and set column widths.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from soprovod.reports.generator import Column, ReportData, Table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {
    "share": "0.0%",
    "minutes": "0",
    "hours": "0.0",
    "score": "0.00",
    "per_month": "0.0",
    "count": "#,##0",
    "number": "0.00",
}
# The «Unit» column in words (the engine's unit codes are for programs, not for the CEO).
UNIT_WORDS = {
    "share": gettext_lazy("share, %"),
    "minutes": gettext_lazy("minutes"),
    "hours": gettext_lazy("hours"),
    "score": gettext_lazy("points"),
    "per_month": gettext_lazy("per month"),
    "count": gettext_lazy("pieces"),
    "number": gettext_lazy("number"),
}


def unit_words(unit: str) -> str:
    return str(UNIT_WORDS.get(unit, unit))


# The traffic lights of `KpiRow.light`.
LIGHT_FILLS = {
    "met": PatternFill("solid", fgColor="DAFBE1"),
    "missed": PatternFill("solid", fgColor="FFE2E0"),
    "none": PatternFill("solid", fgColor="EEF1F5"),
    "info": PatternFill(fill_type=None),
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F5")
# Sheet names: at most 31 characters, none of []:*?/\ (Excel's rules).
_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def render_xlsx(data: ReportData) -> bytes:
    """The report as XLSX bytes."""
    with translation.override(data.language):
        book = Workbook()
        _summary_sheet(book.active, data)
        if data.trends is not None:
            _table_sheet(book.create_sheet(), _("Trends"), data.trends.as_table())
        for table in [*data.breakdowns, *data.sections]:
            _table_sheet(book.create_sheet(), table.title, table)
        for section in data.review_sections:
            _review_sheet(book.create_sheet(), section)
        _commentary_sheet(book.create_sheet(), data)
        book.properties.title = f"{data.title} · {data.period_label}"
        book.properties.creator = "Soprovod"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _sheet_title(text: str) -> str:
    return text.translate(_FORBIDDEN).strip()[:31]


def _header(sheet: Worksheet, titles: list[str], widths: list[float]) -> None:
    for index, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = _put(sheet, 1, index, title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _put(sheet: Worksheet, row: int, column: int, value: Any, unit: str = "text") -> Cell:
    """Write one cell: numbers with their unit's format; text always as text (a client
    named «=HYPERLINK(...)» stays a name, never a formula)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif unit in NUMBER_FORMATS and isinstance(value, (int, float)):
        cell.number_format = NUMBER_FORMATS[unit]
    return cell


def _summary_sheet(sheet: Worksheet, data: ReportData) -> None:
    """Every KPI of the document: value, target and whether it was met, with its basis."""
    sheet.title = _sheet_title(_("KPIs"))
    _header(
        sheet,
        [
            _("Section"),
            _("KPI"),
            _("Key"),
            _("Value"),
            _("Comparison"),
            _("Target"),
            _("Met"),
            _("Numerator"),
            _("Denominator"),
            _("Count"),
            _("Unit"),
        ],
        [24, 52, 30, 12, 12, 12, 12, 12, 12, 10, 12],
    )
    row = 2
    for section in data.kpi_sections:
        for kpi_row in section.kpis:
            kpi = kpi_row.kpi
            _put(sheet, row, 1, section.title)
            _put(sheet, row, 2, kpi.title)
            _put(sheet, row, 3, kpi.key)
            _put(sheet, row, 4, kpi.value, kpi.unit)
            _put(sheet, row, 5, kpi.comparison)
            _put(sheet, row, 6, kpi.target, kpi.unit)
            _put(sheet, row, 7, kpi_row.light_words).fill = LIGHT_FILLS[kpi_row.light]
            numerator_unit = "share" if kpi.key == "repeat_rate.change" else "number"
            _put(sheet, row, 8, kpi.numerator, numerator_unit)
            _put(sheet, row, 9, kpi.denominator, "number")
            _put(sheet, row, 10, kpi.count, "count")
            _put(sheet, row, 11, unit_words(kpi.unit))
            row += 1
    # The period and when the figures were taken, below the table.
    row += 1
    _put(sheet, row, 1, _("Report")).font = HEADER_FONT
    _put(sheet, row, 2, f"{data.title} · {data.period_label}")
    _put(sheet, row + 1, 1, _("Period")).font = HEADER_FONT
    _put(sheet, row + 1, 2, data.period.start).number_format = "yyyy-mm-dd"
    _put(sheet, row + 1, 3, data.period.end).number_format = "yyyy-mm-dd"
    _put(sheet, row + 2, 1, _("Generated")).font = HEADER_FONT
    _put(sheet, row + 2, 2, data.generated_at_display)


def _width(column: Column) -> float:
    return 40 if column.unit == "text" else max(12, min(24, len(column.title) + 2))


def _table_sheet(sheet: Worksheet, title: str, table: Table) -> None:
    sheet.title = _sheet_title(title)
    _header(sheet, [c.title for c in table.columns], [_width(c) for c in table.columns])
    for row_index, values in enumerate(table.rows, start=2):
        for column_index, (value, column) in enumerate(
            zip(values, table.columns, strict=True), start=1
        ):
            _put(sheet, row_index, column_index, value, column.unit)
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions


def _commentary_sheet(sheet: Worksheet, data: ReportData) -> None:
    sheet.title = _sheet_title(_("Commentary"))
    _header(sheet, [_("Head's commentary")], [100])
    cell = _put(sheet, 2, 1, data.commentary or "")
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _review_sheet(sheet: Worksheet, section) -> None:
    """A review section (quarterly, annual): its tables one under another, each with a bold
    title and header row, then the head's commentary for the section."""
    sheet.title = _sheet_title(section.title)
    row = 1
    widths: dict[int, float] = {}
    for table in section.tables:
        _put(sheet, row, 1, table.title).font = HEADER_FONT
        row += 1
        for index, column in enumerate(table.columns, start=1):
            cell = _put(sheet, row, index, column.title)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            widths[index] = max(widths.get(index, 0), _width(column))
        row += 1
        for values in table.rows:
            for index, (value, column) in enumerate(zip(values, table.columns, strict=True), 1):
                _put(sheet, row, index, value, column.unit)
            row += 1
        if table.note:
            _put(sheet, row, 1, table.note)
            row += 1
        row += 1
    _put(sheet, row, 1, _("Head's commentary")).font = HEADER_FONT
    cell = _put(sheet, row + 1, 1, section.commentary or "")
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width
