"""Issue 12: the monthly report's escalations section — raised, acknowledged, resolved, the
median time to acknowledge, and each escalation with its decision — in the PDF and the
XLSX alike."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from soprovod.kpi.tests.fixtures import NOW, OCTOBER
from soprovod.reports.escalations import escalation_summary
from soprovod.reports.generator import build_report_data
from soprovod.reports.pdf import render_pdf
from soprovod.reports.tests.test_formats import pdf_text, squeeze
from soprovod.reports.xlsx import render_xlsx
from soprovod.tickets import actions

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def escalated(staff, companies):
    def raise_(at, level, reason, **kw):
        return actions.do_raise_escalation(staff.support, level=level, reason=reason, at=at, **kw)

    a = raise_(msk(2026, 10, 5, 10, 0), "head", "Клиент недоволен сроками", client=companies.a)
    actions.do_acknowledge_escalation(staff.head, a, at=msk(2026, 10, 5, 10, 30))
    actions.do_resolve_escalation(staff.head, a, "Выделили инженера", at=msk(2026, 10, 6, 9, 0))
    b = raise_(msk(2026, 10, 12, 10, 0), "head", "Разработка молчит")
    actions.do_acknowledge_escalation(staff.head, b, at=msk(2026, 10, 12, 11, 30))
    c = raise_(msk(2026, 10, 20, 10, 0), "ceo", "Авария у крупного клиента")
    # Raised in September, resolved in October: counted as resolved in the period.
    d = raise_(msk(2026, 9, 28, 10, 0), "head", "Сентябрьская")
    actions.do_resolve_escalation(staff.head, d, "Договорились", at=msk(2026, 10, 2, 10, 0))
    # November: not in October's report.
    raise_(msk(2026, 11, 2, 10, 0), "head", "Ноябрьская")
    return a, b, c, d


def test_summary_counts_and_median(escalated):
    summary = escalation_summary(OCTOBER)
    assert summary["total"]["raised"] == 3
    assert summary["total"]["acknowledged"] == 2
    assert summary["total"]["resolved"] == 1
    assert summary["total"]["resolved_in_period"] == 2
    assert summary["head"]["raised"] == 2 and summary["ceo"]["raised"] == 1
    # 30 and 90 minutes → median 60.
    assert summary["total"]["ack_median"] == pytest.approx(60.0)
    assert summary["ceo"]["ack_median"] is None


def test_monthly_pdf_and_xlsx_carry_the_section(escalated, department):
    data = build_report_data("monthly", OCTOBER, now=NOW)
    keys = [t.key for t in data.sections]
    assert keys[:2] == ["escalations", "escalation_outcomes"] and "knowledge" in keys
    outcomes = data.sections[1]
    assert len(outcomes.rows) == 4  # a, b, c raised in October; d resolved in it

    text = squeeze(pdf_text(render_pdf(data)))
    assert "Эскалации и их результаты" in text
    assert "Выделили инженера" in text and "Договорились" in text
    assert "Ноябрьская" not in text

    book = load_workbook(io.BytesIO(render_xlsx(data)))
    sheet = book["Эскалации и их результаты"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    decisions = {row[-1] for row in values}
    assert {"Выделили инженера", "Договорились", "—"} <= decisions
    summary = book["Эскалации"]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows[:2]] == [
        "Руководитель отдела сопровождения",
        "Генеральный директор",
    ]
    assert rows[-1][1:5] == (3, 2, 1, 2)  # the total, last
