"""Reads of the budget: the plan in force, a version's grid, facts, execution and variance.

kpi.md «budget.execution»: fact ÷ plan of the department budget in the period. The plan is
the approved version of each year (the one in force); both sums run over the calendar
months that lie wholly inside the period, so a month, a quarter and a year read exactly,
and a range shorter than a month has no budget figure (null, «no data»).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.budget.models import (
    OPEN_STATUSES,
    BudgetCategory,
    BudgetFact,
    BudgetPlanLine,
    BudgetVersion,
    VersionStatus,
)
from soprovod.lib.periods import Period, add_months, last_day

ZERO = Decimal("0.00")
CATEGORIES = tuple(BudgetCategory.values)
MONTH_NUMBERS = tuple(range(1, 13))


def whole_months(period: Period) -> list[tuple[int, int]]:
    """``(year, month)`` of every calendar month lying wholly inside ``period``."""
    first = period.start if period.start.day == 1 else add_months(period.start.replace(day=1), 1)
    months = []
    while last_day(first.year, first.month) <= period.end:
        months.append((first.year, first.month))
        first = add_months(first, 1)
    return months


def _months_q(months: list[tuple[int, int]], year_field: str) -> Q | None:
    by_year: dict[int, list[int]] = {}
    for year, month in months:
        by_year.setdefault(year, []).append(month)
    condition = None
    for year, numbers in by_year.items():
        part = Q(**{year_field: year, "month__in": numbers})
        condition = part if condition is None else condition | part
    return condition


def plan_in_force() -> QuerySet[BudgetPlanLine]:
    """The lines of each year's approved version."""
    return BudgetPlanLine.objects.filter(budget_version__status=VersionStatus.APPROVED)


def execution_totals(period: Period) -> dict:
    """kpi.md «budget.execution» for ``period``: ``{"fact", "plan"}`` in roubles (two
    queries; none when no whole month lies inside the period)."""
    months = whole_months(period)
    condition = _months_q(months, "budget_version__year")
    if condition is None:
        return {"fact": ZERO, "plan": ZERO}
    plan = plan_in_force().filter(condition).aggregate(total=Sum("amount"))["total"]
    fact = BudgetFact.objects.filter(_months_q(months, "year")).aggregate(total=Sum("amount"))[
        "total"
    ]
    return {"fact": fact or ZERO, "plan": plan or ZERO}


def execution(period: Period) -> dict:
    """The KPI engine's entry for «budget.execution»: value, numerator (fact), denominator
    (plan); value null without a plan in the period."""
    totals = execution_totals(period)
    plan, fact = totals["plan"], totals["fact"]
    return {
        "value": float(fact / plan) if plan else None,
        "numerator": float(fact),
        "denominator": float(plan),
    }


# ---- versions ----------------------------------------------------------------------------


def versions_of(year: int) -> QuerySet[BudgetVersion]:
    return BudgetVersion.objects.filter(year=year).select_related("created_by", "decided_by")


def approved_version(year: int) -> BudgetVersion | None:
    return BudgetVersion.objects.filter(year=year, status=VersionStatus.APPROVED).first()


def open_version(year: int) -> BudgetVersion | None:
    return BudgetVersion.objects.filter(year=year, status__in=OPEN_STATUSES).first()


def years_with_budget() -> list[int]:
    years = set(BudgetVersion.objects.values_list("year", flat=True).distinct())
    years |= set(BudgetFact.objects.values_list("year", flat=True).distinct())
    return sorted(years)


Grid = dict[tuple[int, str], Decimal]


def plan_grid(version: BudgetVersion | None) -> Grid:
    """``{(month, category): amount}`` of a version (one query)."""
    if version is None:
        return {}
    return {
        (month, category): amount
        for month, category, amount in version.lines.values_list("month", "category", "amount")
    }


def fact_grid(year: int) -> Grid:
    return {
        (month, category): amount
        for month, category, amount in BudgetFact.objects.filter(year=year).values_list(
            "month", "category", "amount"
        )
    }


@dataclass
class Change:
    month: int
    category: str
    before: Decimal | None
    after: Decimal | None

    @property
    def category_label(self) -> str:
        return BudgetCategory(self.category).label

    @property
    def delta(self) -> Decimal:
        return (self.after or ZERO) - (self.before or ZERO)


def version_diff(before: Grid, after: Grid) -> list[Change]:
    """The cells that differ between two versions' grids, by month then category."""
    cells = sorted(set(before) | set(after), key=lambda c: (c[0], CATEGORIES.index(c[1])))
    return [
        Change(month, category, before.get((month, category)), after.get((month, category)))
        for month, category in cells
        if (before.get((month, category)) or ZERO) != (after.get((month, category)) or ZERO)
    ]


# ---- variance ----------------------------------------------------------------------------


@dataclass
class VarianceRow:
    category: str
    label: str
    plan: Decimal
    fact: Decimal

    @property
    def variance(self) -> Decimal:
        """Over the plan when positive (spent more), under it when negative."""
        return self.fact - self.plan

    @property
    def execution(self) -> float | None:
        return float(self.fact / self.plan) if self.plan else None


@dataclass
class Variance:
    year: int
    months: list[int]
    rows: list[VarianceRow] = field(default_factory=list)

    @property
    def total(self) -> VarianceRow:
        return VarianceRow(
            "total",
            str(_("Total")),
            sum((r.plan for r in self.rows), ZERO),
            sum((r.fact for r in self.rows), ZERO),
        )


def variance(year: int, months: list[int] | None = None) -> Variance:
    """Plan in force and fact per category over ``months`` of ``year`` (all by default),
    two grouped queries."""
    months = list(months or MONTH_NUMBERS)
    plan = dict(
        plan_in_force()
        .filter(budget_version__year=year, month__in=months)
        .values("category")
        .annotate(total=Sum("amount"))
        .values_list("category", "total")
        .order_by()
    )
    fact = dict(
        BudgetFact.objects.filter(year=year, month__in=months)
        .values("category")
        .annotate(total=Sum("amount"))
        .values_list("category", "total")
        .order_by()
    )
    return Variance(
        year,
        months,
        [
            VarianceRow(c, str(BudgetCategory(c).label), plan.get(c) or ZERO, fact.get(c) or ZERO)
            for c in CATEGORIES
        ],
    )


def variance_for(period: Period) -> list[Variance]:
    """`variance` of each year the period's whole months fall in."""
    by_year: dict[int, list[int]] = {}
    for year, month in whole_months(period):
        by_year.setdefault(year, []).append(month)
    return [variance(year, months) for year, months in by_year.items()]


def month_totals(year: int) -> list[tuple[int, Decimal, Decimal]]:
    """``(month, plan in force, fact)`` for the 12 months of ``year``."""
    plan = dict(
        plan_in_force()
        .filter(budget_version__year=year)
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
        .order_by()
    )
    fact = dict(
        BudgetFact.objects.filter(year=year)
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
        .order_by()
    )
    return [(m, plan.get(m) or ZERO, fact.get(m) or ZERO) for m in MONTH_NUMBERS]


def today_year() -> int:
    return timezone.localdate().year
