"""kpi.md «budget.execution»: fact ÷ plan (the approved version in force) over the whole
calendar months of the period, on hand-made numbers; and the KPI document carries it."""

import datetime as dt
from decimal import Decimal

import pytest

from soprovod.budget import actions, queries
from soprovod.budget.models import BudgetCategory
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period

OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
Q4 = Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def fact(staff, month, category, amount):
    actions.do_set_fact(
        staff.head, year=2026, month=month, category=category, amount=Decimal(amount)
    )


@pytest.fixture
def facts(staff, approved_2026):
    fact(staff, 10, BudgetCategory.STAFF, 99_000)
    fact(staff, 10, BudgetCategory.TOOLS, 12_000)
    fact(staff, 10, BudgetCategory.TRAVEL, 4_000)  # not planned at all
    fact(staff, 11, BudgetCategory.STAFF, 50_000)
    fact(staff, 9, BudgetCategory.STAFF, 1_000_000)  # outside the periods below


def test_month_quarter_and_year(facts):
    october = queries.execution(OCTOBER)
    assert (october["numerator"], october["denominator"]) == (115_000, 110_000)
    assert october["value"] == pytest.approx(115_000 / 110_000)
    quarter = queries.execution(Q4)
    assert (quarter["numerator"], quarter["denominator"]) == (165_000, 330_000)
    assert quarter["value"] == 0.5
    year = queries.execution(Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    assert (year["numerator"], year["denominator"]) == (1_165_000, 1_320_000)


def test_only_whole_months_count(facts):
    assert queries.whole_months(Period(dt.date(2026, 9, 15), dt.date(2026, 11, 30))) == [
        (2026, 10),
        (2026, 11),
    ]
    short = queries.execution(Period(dt.date(2026, 10, 5), dt.date(2026, 10, 20)))
    assert short == {"value": None, "numerator": 0.0, "denominator": 0.0}
    across = Period(dt.date(2025, 12, 1), dt.date(2026, 1, 31))
    assert queries.whole_months(across) == [(2025, 12), (2026, 1)]
    assert queries.execution(across)["denominator"] == 110_000  # 2025 has no plan


def test_only_the_approved_version_is_the_plan(staff, facts, approved_2026):
    draft = actions.do_start_version(staff.head, 2026)
    actions.do_set_plan(staff.head, draft, {(10, BudgetCategory.STAFF): Decimal(500_000)})
    assert queries.execution(OCTOBER)["denominator"] == 110_000
    actions.do_submit_version(staff.head, draft)
    actions.do_approve_version(staff.ceo, draft)
    assert queries.execution(OCTOBER)["denominator"] == 510_000


def test_without_a_plan_execution_is_null(staff):
    fact(staff, 10, BudgetCategory.STAFF, 10)
    assert queries.execution(OCTOBER)["value"] is None


def test_kpi_document_reports_budget_execution(facts):
    kpi = compute(Q4).get("budget.execution")
    assert (kpi.value, kpi.numerator, kpi.denominator) == (0.5, 165_000.0, 330_000.0)
    assert (kpi.target, kpi.comparison, kpi.met) == (1.0, "<=", True)
    october = compute(OCTOBER).get("budget.execution")
    assert october.met is False  # 104.5 %: over the plan


def test_variance_by_category(facts):
    variance = queries.variance(2026, [10])
    rows = {row.category: row for row in variance.rows}
    assert (rows["staff"].plan, rows["staff"].fact, rows["staff"].variance) == (
        100_000,
        99_000,
        -1_000,
    )
    assert rows["travel"].execution is None and rows["travel"].variance == 4_000
    assert (variance.total.plan, variance.total.fact) == (110_000, 115_000)
