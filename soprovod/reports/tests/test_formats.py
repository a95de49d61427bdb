"""The report's PDF and XLSX carry the KPI engine's figures, in Russian, with the sections
the CEO reads: one `ReportData` rendered two ways (the department of kpi/tests/fixtures.py)."""

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from soprovod.kpi import breakdowns, charts
from soprovod.kpi.engine import compute
from soprovod.kpi.tests.fixtures import NOW, OCTOBER, add_more
from soprovod.lib.periods import parse_quarter
from soprovod.reports.generator import build_report_data
from soprovod.reports.pdf import render_html, render_pdf
from soprovod.reports.xlsx import render_xlsx

pytestmark = pytest.mark.django_db

COMMENTARY = "Сентябрьский инцидент со шлагбаумами разобран, SLA восстановлен."


@pytest.fixture
def report_data(department):
    return build_report_data("monthly", OCTOBER, commentary=COMMENTARY, now=NOW)


def pdf_text(pdf: bytes) -> str:
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF back (test dependency)")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeeze(text: str) -> str:
    """Text extraction breaks lines and may turn spaces into no-break ones: compare words."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def test_data_object_holds_the_engine_document(report_data):
    expected = compute(OCTOBER, now=NOW)
    assert [k.key for k in report_data.document.kpis] == [k.key for k in expected.kpis]
    for got, want in zip(report_data.document.kpis, expected.kpis, strict=True):
        assert (got.value, got.met, got.target) == (want.value, want.met, want.target)
    assert report_data.period_label == "Октябрь 2026"
    assert report_data.commentary == COMMENTARY


def test_data_object_sections_come_from_breakdowns_and_trends(report_data):
    by_type = next(t for t in report_data.breakdowns if t.key == "by_type")
    rows = breakdowns.breakdown(OCTOBER, "type", now=NOW)
    created = [c.key for c in by_type.columns].index("created")
    assert [row[created] for row in by_type.rows] == [row.created for row in rows]
    assert [t.key for t in report_data.breakdowns] == [
        "by_type",
        "by_assignee",
        "by_client",
        "by_category",
    ]
    assert report_data.trends.months[-1] == dt.date(2026, 10, 1)
    assert len(report_data.trends.months) == 12
    sla = next(line for line in report_data.trends.lines if line.key == "sla.all")
    assert sla.values[-1] == pytest.approx(report_data.kpi("sla.all").value)
    assert report_data.trends.charts  # the dashboard's SVG charts


def test_pdf_opens_and_has_the_figures_in_russian(report_data):
    pdf = render_pdf(report_data)
    assert pdf.startswith(b"%PDF-")
    text = squeeze(pdf_text(pdf))
    # Cyrillic from the catalogue, the data and the commentary.
    assert "Октябрь 2026" in text
    assert "ООО «Альфа»" in text
    assert squeeze(COMMENTARY) in text
    # The engine's figures, written the Russian way (decimal comma): SLA of all tickets
    # 3 of 4, retention 2 of 3, CSAT 4 (5, 4 and 3).
    assert report_data.kpi("sla.all").value == pytest.approx(0.75)
    assert "75,0 %" in text
    assert report_data.kpi("csat").value == pytest.approx(4.0)
    assert "4,0" in text
    with translation.override("ru"):
        retention = charts.format_value(report_data.kpi("retention").value, "share")
    assert retention.startswith("66,") and squeeze(retention) in text


def laid_out_text(document) -> str:
    """The text WeasyPrint placed on the pages (no PDF reader needed)."""
    words = []

    def walk(box):
        if getattr(box, "text", None):
            words.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return squeeze(" ".join(words))


def test_pdf_is_a4_with_the_figures_laid_out(report_data):
    from weasyprint import HTML

    html = render_html(report_data, for_print=True)
    document = HTML(string=html).render()
    first = document.pages[0]
    assert (round(first.width), round(first.height)) == (794, 1123)  # A4 portrait at 96 dpi
    wide = document.pages[-1]
    assert (round(wide.width), round(wide.height)) == (1123, 794)  # tables: landscape
    text = laid_out_text(document)
    assert "Октябрь 2026" in text and "АО «Бета»" in text and "75,0 %" in text
    assert squeeze(COMMENTARY) in text
    assert html.count('src="data:image/svg+xml;base64,') == len(report_data.trends.charts)


def test_xlsx_has_a_sheet_per_section_with_numbers(report_data):
    book = load_workbook(io.BytesIO(render_xlsx(report_data)))
    # KPIs, trends, four breakdowns, the monthly sections (two escalation sheets, incidents,
    # quality review, the knowledge base's deflections), commentary.
    assert len(book.sheetnames) == 12
    kpis = book.worksheets[0]
    assert kpis.freeze_panes == "A2"
    assert all(cell.font.bold for cell in kpis[1])
    key_col, value_col = 3, 4  # section, title, key, value, comparison, target, met, ...
    rows = {
        kpis.cell(row=r, column=key_col).value: kpis.cell(row=r, column=value_col)
        for r in range(2, kpis.max_row + 1)
        if kpis.cell(row=r, column=key_col).value
    }
    expected = compute(OCTOBER, now=NOW)
    for kpi in expected.kpis:
        cell = rows[kpi.key]
        if kpi.value is None:
            assert cell.value is None
        else:
            assert isinstance(cell.value, (int, float))
            assert cell.value == pytest.approx(kpi.value)
    assert rows["sla.standard"].number_format == "0.0%"
    assert kpis.column_dimensions["B"].width > 20

    by_client = book.worksheets[4]
    rows = breakdowns.breakdown(OCTOBER, "client", now=NOW)
    assert [(r[0].value, r[1].value) for r in by_client.iter_rows(min_row=2)] == [
        (row.label, row.created) for row in rows
    ]  # АО «Бета» 3, ООО «Альфа» 2
    assert by_client["E2"].number_format == "0.0%"  # SLA compliance
    commentary = book.worksheets[-1]
    assert commentary["A2"].value == COMMENTARY


def test_xlsx_trends_sheet_has_a_row_per_month(report_data):
    book = load_workbook(io.BytesIO(render_xlsx(report_data)))
    trends = book.worksheets[1]
    assert [trends.cell(row=r, column=1).value for r in (2, 13)] == ["2025-11", "2026-10"]
    header = [cell.value for cell in trends[1]]
    column = header.index(report_data.kpi("sla.all").title) + 1
    cell = trends.cell(row=13, column=column)
    assert cell.value == pytest.approx(report_data.kpi("sla.all").value)
    assert cell.number_format == "0.0%"


def test_text_that_looks_like_a_formula_stays_text(department):
    data = build_report_data("monthly", OCTOBER, commentary='=HYPERLINK("http://x")', now=NOW)
    book = load_workbook(io.BytesIO(render_xlsx(data)))
    cell = book.worksheets[-1]["A2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")'


def test_quarterly_report_covers_the_quarter(department):
    data = build_report_data("quarterly", parse_quarter("2026-Q4"), now=NOW)
    assert data.period_label == "4-й квартал 2026" or data.period_label.endswith("2026")
    assert data.document.period.start == dt.date(2026, 10, 1)
    assert data.trends.months[-1] == dt.date(2026, 12, 1)


def test_report_data_costs_the_same_queries_whatever_the_data(
    department, staff, companies, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        build_report_data("monthly", OCTOBER, now=NOW)
    add_more(staff, companies, count=12)
    with django_assert_num_queries(len(small)):
        build_report_data("monthly", OCTOBER, now=NOW)
