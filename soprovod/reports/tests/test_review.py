"""The quarterly and annual reviews (issue 12), read back from the PDF and the workbook:
strategic KPIs, budget execution, team and escalations with the head's commentary per
section; the annual report adds each person's evaluation and next year's budget plan."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from soprovod.budget import actions as budget_actions
from soprovod.kpi.tests.fixtures import NOW
from soprovod.lib.periods import parse_quarter, parse_year
from soprovod.reports import actions
from soprovod.reports.generator import build_report_data
from soprovod.reports.models import Report, ReportKind
from soprovod.reports.pdf import render_pdf
from soprovod.reports.tests.test_formats import pdf_text, squeeze
from soprovod.reports.xlsx import render_xlsx
from soprovod.strategic import actions as strategic_actions
from soprovod.strategic.models import FactSource
from soprovod.tickets.models import Escalation

pytestmark = pytest.mark.django_db
Q3 = parse_quarter("2026-Q3")


@pytest.fixture
def review_data(staff, companies):
    version = budget_actions.do_start_version(staff.head, 2026)
    budget_actions.do_set_plan(
        staff.head, version, {(m, "staff"): Decimal(100_000) for m in range(1, 13)}
    )
    budget_actions.do_submit_version(staff.head, version)
    budget_actions.do_approve_version(staff.ceo, version)
    for month in (7, 8, 9):
        budget_actions.do_set_fact(
            staff.head, year=2026, month=month, category="staff", amount=Decimal(95_000)
        )
    budget_actions.do_set_fact(
        staff.head, year=2026, month=8, category="travel", amount=Decimal(12_345)
    )
    kpi = strategic_actions.do_define_kpi(
        staff.head,
        year=2026,
        key="kb_articles",
        title="Статьи базы знаний",
        source=FactSource.MANUAL,
        plans={3: 20},
    )
    strategic_actions.do_enter_fact(staff.head, kpi, quarter=3, value=25, comment="реестр")
    Escalation.objects.create(
        client=companies.a,
        level=Escalation.Level.CEO,
        reason="Отключение пропусков на объекте «Альфа»",
        created_at=dt.datetime(2026, 8, 10, 9, tzinfo=dt.UTC),
        outcome="Выделен инженер на объект",
    )
    nxt = budget_actions.do_start_version(staff.head, 2027)
    budget_actions.do_set_plan(staff.head, nxt, {(1, "tools"): Decimal(70_000)})
    return {"strategic": "Квартал прошёл ровно", "budget": "Командировки не планировали"}


def test_quarterly_report_sections_read_back(review_data, staff):
    data = build_report_data(ReportKind.QUARTERLY, Q3, section_commentary=review_data, now=NOW)
    assert [s.key for s in data.review_sections] == ["strategic", "budget", "team", "escalations"]
    text = squeeze(pdf_text(render_pdf(data)))
    assert "Стратегические KPI" in text and "strategic.kb_articles" in text
    assert "125,0 %" in text  # 25 ÷ 20
    assert "Исполнение бюджета" in text and "Командировки не планировали" in text
    assert "Квартал прошёл ровно" in text
    assert "Отключение пропусков на объекте «Альфа»" in text
    assert "Выделен инженер на объект" in text

    book = load_workbook(io.BytesIO(render_xlsx(data)))
    budget = book["Исполнение бюджета"]
    rows = [[c.value for c in row] for row in budget.iter_rows()]
    staff_row = next(r for r in rows if r[0] == "Персонал")
    assert staff_row[1:4] == [300_000, 285_000, -15_000]
    total = next(r for r in rows if r[0] == "Итого")
    assert total[2] == 285_000 + 12_345
    assert any(r[0] == "Командировки не планировали" for r in rows)
    strategic = [[c.value for c in row] for row in book["Стратегические KPI"].iter_rows()]
    kb = next(r for r in strategic if r[0] == "strategic.kb_articles")
    assert kb[2:6] == ["2026-Q3", 20, 25, 1.25]
    escalations = [[c.value for c in row] for row in book["Эскалации"].iter_rows()]
    assert any("Отключение пропусков" in str(r[4]) for r in escalations)
    assert "Команда" in book.sheetnames


def test_annual_report_evaluation_and_next_years_plan(review_data, staff):
    comments = {f"grade.{staff.support.pk}": "A", f"assessment.{staff.support.pk}": "Надёжен"}
    data = build_report_data(
        ReportKind.ANNUAL, parse_year("2026"), section_commentary=comments, now=NOW
    )
    keys = [s.key for s in data.review_sections]
    assert keys[-2:] == ["evaluation", "next_budget"]
    text = squeeze(pdf_text(render_pdf(data)))
    assert "Надёжен" in text and "План бюджета на 2027" in text
    book = load_workbook(io.BytesIO(render_xlsx(data)))
    evaluation = [[c.value for c in r] for r in book["Оценка за год по сотрудникам"].iter_rows()]
    support = next(r for r in evaluation if r and r[-1] == "Надёжен")
    assert support[-2] == "A"
    plan = [[c.value for c in r] for r in book["План бюджета на следующий год"].iter_rows()]
    tools = next(r for r in plan if r[0] == "Инструменты и лицензии")
    assert tools[1:] == [70_000, 0, 0, 0, 70_000]
    assert any("Версия 1" in str(r[0]) for r in plan)


def test_section_commentary_is_editable_until_the_report_is_sent(staff, client):
    report = Report.objects.create(
        kind=ReportKind.QUARTERLY, period_start=Q3.start, period_end=Q3.end
    )
    client.force_login(staff.head)
    url = reverse("reports:sections", args=[report.pk])
    assert client.post(url, {"strategic": "Хорошо", "nonsense": "x"}).status_code == 302
    report.refresh_from_db()
    assert report.section_commentary == {"strategic": "Хорошо"}
    client.force_login(staff.ceo)
    assert client.post(url, {"strategic": "Плохо"}).status_code == 403
    report.sent_at = NOW
    report.save()
    with pytest.raises(actions.ReportFinalError):
        actions.do_update_section_commentary(staff.head, report, {"strategic": "Другое"})


def test_quarterly_schedule_is_due_in_the_quarters_first_month(db):
    assert actions._due_period(ReportKind.QUARTERLY, dt.date(2026, 10, 2)) == Q3
    assert actions._due_period(ReportKind.QUARTERLY, dt.date(2026, 11, 2)) is None
    assert actions._due_period(ReportKind.ANNUAL, dt.date(2027, 1, 12)) == parse_year("2026")
    assert actions._due_period(ReportKind.ANNUAL, dt.date(2027, 2, 1)) is None


def test_demo_commentary_on_the_last_quarterly_report(staff, django_capture_on_commit_callbacks):
    from soprovod.core.demo import DemoContext
    from soprovod.reports.demo import COMMENTARY, create_review_commentary

    ctx = DemoContext(seed=1, client_count=0, months=12, today=dt.date(2026, 11, 25))
    ctx.users = {"head": staff.head}
    with django_capture_on_commit_callbacks():
        create_review_commentary(ctx)
    report = Report.objects.get(kind=ReportKind.QUARTERLY)
    assert (report.period_start, report.period_end) == (Q3.start, Q3.end)
    assert report.section_commentary == COMMENTARY
