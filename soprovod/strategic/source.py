"""kpi.md «strategic.<key>» in the KPI document: the engine's source named ``strategic``.

For a period made of whole calendar quarters (a quarter, a half, a year), each strategic
KPI reports Σ fact ÷ Σ plan over its quarters in the period that have both a plan and a
fact: the fact of a fed KPI is the engine's value of its product KPI for that quarter, the
fact of a hand-entered one is the head's figure. Other periods (a month, a range) have no
strategic figure (null). ``strategic.plan_execution`` is the share of the strategic KPIs
with data whose fact reached the plan (fact ÷ plan ≥ 1)."""

from __future__ import annotations

import contextvars
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from soprovod.kpi import engine
from soprovod.lib.periods import Period, last_day
from soprovod.strategic.models import FactSource, ManualFact, QuarterPlan, StrategicKpi

# Set while the engine computes a fed KPI's product figure for a quarter, so that inner
# document skips the strategic KPIs instead of recursing into them.
_feeding = contextvars.ContextVar("strategic_feeding", default=False)


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(dt.date(year, first, 1), last_day(year, first + 2))


def whole_quarters(period: Period) -> list[tuple[int, int]]:
    """``(year, quarter)`` of every calendar quarter lying wholly inside ``period``."""
    quarters = []
    for year in range(period.start.year, period.end.year + 1):
        for quarter in range(1, 5):
            span = quarter_period(year, quarter)
            if period.start <= span.start and span.end <= period.end:
                quarters.append((year, quarter))
    return quarters


def definitions() -> list[engine.KpiDef]:
    defs = [
        engine.KpiDef(
            "strategic.plan_execution",
            _("Strategic KPIs: plan execution"),
            1.0,
            ">=",
            "share",
            "strategic",
        )
    ]
    seen = set()
    for key, title in StrategicKpi.objects.order_by("key", "-year").values_list("key", "title"):
        if key not in seen:
            seen.add(key)
            defs.append(engine.KpiDef(f"strategic.{key}", title, 1.0, ">=", "share", "strategic"))
    return defs


@dataclass
class QuarterFigure:
    year: int
    quarter: int
    plan: float | None
    fact: float | None
    comment: str = ""

    @property
    def ratio(self) -> float | None:
        if self.plan in (None, 0) or self.fact is None:
            return None
        return self.fact / self.plan


def figures(
    kpis: list[StrategicKpi], quarters: list[tuple[int, int]], now: dt.datetime
) -> dict[int, list[QuarterFigure]]:
    """Per strategic KPI (by pk), its plan and fact for each of ``quarters`` of its year;
    the engine runs once per quarter that a fed KPI needs (and only for quarters over or
    under way by ``now``)."""
    ids = [k.pk for k in kpis]
    plans = {
        (kpi_id, quarter): plan
        for kpi_id, quarter, plan in QuarterPlan.objects.filter(kpi_id__in=ids).values_list(
            "kpi_id", "quarter", "plan"
        )
    }
    facts = {
        (kpi_id, quarter): (value, comment)
        for kpi_id, quarter, value, comment in ManualFact.objects.filter(
            kpi_id__in=ids
        ).values_list("kpi_id", "quarter", "value", "comment")
    }
    documents: dict[tuple[int, int], engine.KpiDocument] = {}
    today = now.date()
    result: dict[int, list[QuarterFigure]] = {}
    for kpi in kpis:
        rows = []
        for year, quarter in quarters:
            if year != kpi.year:
                continue
            plan = plans.get((kpi.pk, quarter))
            fact, comment = None, ""
            if kpi.source == FactSource.MANUAL:
                fact, comment = facts.get((kpi.pk, quarter), (None, ""))
            else:
                span = quarter_period(year, quarter)
                if span.start <= today:
                    if (year, quarter) not in documents:
                        token = _feeding.set(True)
                        try:
                            documents[(year, quarter)] = engine.compute(span, now=now)
                        finally:
                            _feeding.reset(token)
                    found = documents[(year, quarter)].get(kpi.kpi_key)
                    fact = None if found is None else found.value
            rows.append(QuarterFigure(year, quarter, plan, fact, comment))
        result[kpi.pk] = rows
    return result


def compute(period: Period, now: dt.datetime) -> dict[str, dict]:
    if _feeding.get():
        return {}
    quarters = whole_quarters(period)
    if not quarters:
        return {}
    years = {year for year, _quarter in quarters}
    kpis = list(StrategicKpi.objects.filter(year__in=years))
    values: dict[str, dict] = {}
    met = counted = 0
    by_kpi = figures(kpis, quarters, now)
    for kpi in kpis:
        rows = [r for r in by_kpi[kpi.pk] if r.ratio is not None]
        if not rows:
            continue
        fact = sum(r.fact for r in rows)
        plan = sum(r.plan for r in rows)
        value = fact / plan if plan else None
        key = kpi.document_key
        # Two years' KPIs of one key in one period add up.
        if key in values:
            fact += values[key]["numerator"]
            plan += values[key]["denominator"]
            value = fact / plan if plan else None
        values[key] = {"value": value, "numerator": fact, "denominator": plan}
    for data in values.values():
        if data["value"] is not None:
            counted += 1
            met += data["value"] >= 1.0
    if counted:
        values["strategic.plan_execution"] = {
            "value": met / counted,
            "numerator": met,
            "denominator": counted,
        }
    return values


SOURCE = engine.KpiSource("strategic", definitions, compute)
