"""Issue 16: «Отчёт за октябрь 2026», not «за Октябрь»; the notice that a report is being
made lives in the status card that polls, so it goes away when the files are ready (a flash
message stayed on screen after the status read «Готов»); the XLSX names its units in Russian."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from soprovod.kpi.tests.fixtures import NOW, OCTOBER
from soprovod.lib.periods import parse_month, parse_quarter, parse_year
from soprovod.reports import actions
from soprovod.reports.generator import build_report_data
from soprovod.reports.kinds import period_in_text, period_label
from soprovod.reports.models import Report, ReportStatus
from soprovod.reports.xlsx import render_xlsx

pytestmark = pytest.mark.django_db


def test_a_month_after_for_is_lower_case():
    assert period_label("monthly", parse_month("2026-11")) == "Ноябрь 2026"  # a title
    assert period_in_text("monthly", parse_month("2026-11")) == "ноябрь 2026"
    assert period_in_text("monthly", parse_month("2026-05")) == "май 2026"
    assert period_in_text("quarterly", parse_quarter("2026-Q4")) == period_label(
        "quarterly", parse_quarter("2026-Q4")
    )


@pytest.fixture
def pending(department, staff):
    return Report.objects.create(
        kind="monthly", period_start=OCTOBER.start, period_end=OCTOBER.end, created_by=staff.head
    )


def test_the_busy_page_says_it_in_the_card_that_polls(client, staff, pending):
    client.force_login(staff.head)
    page = client.get(reverse("reports:detail", args=[pending.pk])).content.decode()
    card = page[page.index('id="report-status"') :]
    card = card[: card.index("</div>")]
    assert "Отчёт за октябрь 2026 формируется" in card
    assert 'hx-trigger="load delay:2s"' in card
    assert reverse("reports:status", args=[pending.pk]) in card
    assert "за Октябрь" not in page


def test_when_ready_the_fragment_stops_polling_and_drops_the_notice(client, staff, pending):
    client.force_login(staff.head)
    busy = client.get(reverse("reports:status", args=[pending.pk]), HTTP_HX_REQUEST="true")
    assert "формируется" in busy.text and "hx-trigger" in busy.text
    actions.do_generate_report(pending.pk, now=NOW)
    assert Report.objects.get(pk=pending.pk).status == ReportStatus.READY
    done = client.get(reverse("reports:status", args=[pending.pk]), HTTP_HX_REQUEST="true")
    assert "формируется" not in done.text
    assert "hx-trigger" not in done.text
    assert "Готов" in done.text


def test_requesting_a_report_leaves_no_message_behind(client, staff, department):
    client.force_login(staff.head)
    response = client.post(reverse("reports:archive"), {"period": "monthly:2026-10"}, follow=True)
    report = Report.objects.get()
    page = response.content.decode()
    messages = page[page.index("<main") : page.index('id="report-status"')]
    assert "формируется" not in messages
    if report.status == ReportStatus.READY:  # generated at once (eager tasks)
        assert "формируется" not in page


def test_the_xlsx_names_its_units_in_russian(department):
    data = build_report_data("monthly", OCTOBER, now=NOW)
    kpis = load_workbook(io.BytesIO(render_xlsx(data))).worksheets[0]
    header = [cell.value for cell in kpis[1]]
    column = header.index("Единица измерения") + 1 if "Единица измерения" in header else 11
    units = {kpis.cell(row=r, column=column).value for r in range(2, kpis.max_row + 1)}
    units.discard(None)
    english = {"share", "minutes", "hours", "score", "per_month", "count", "number"}
    assert not units & english, units
    assert "доля, %" in units


@pytest.mark.parametrize(
    "kind, period",
    [("monthly", OCTOBER), ("quarterly", parse_quarter("2026-Q4")), ("annual", parse_year("2026"))],
)
def test_no_english_word_in_any_cell_of_the_xlsx(department, kind, period):
    """Every cell of every sheet, not only the units column: the one column of codes
    (``sla.standard``, ``first_response.standard.median``: the KPI keys of kpi.md, for
    formulas) may hold Latin words; anywhere else a lower-case Latin word (``share``,
    ``minutes``, ``per_month``) is an untranslated unit or label."""
    data = build_report_data(kind, period, now=NOW)
    book = load_workbook(io.BytesIO(render_xlsx(data)))
    english = []
    for sheet in book.worksheets:
        codes = {cell.column for cell in sheet[1] if cell.value == "Код"}
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.column in codes:
                    continue
                if words := re.findall(r"\b[a-z_]{3,}\b", cell.value):
                    english.append((sheet.title, cell.coordinate, words))
    assert english == []
