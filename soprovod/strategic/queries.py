"""Reads of the strategic KPIs: a year's KPIs with each quarter's plan, fact and ratio."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from soprovod.strategic.models import StrategicKpi
from soprovod.strategic.source import QuarterFigure, figures


@dataclass
class KpiHistory:
    kpi: StrategicKpi
    quarters: list[QuarterFigure]


def year_history(year: int, *, now: dt.datetime | None = None) -> list[KpiHistory]:
    """Every strategic KPI of ``year`` with its four quarters (kpi.md «strategic.<key>»
    per quarter)."""
    now = now or timezone.now()
    kpis = list(StrategicKpi.objects.filter(year=year))
    by_kpi = figures(kpis, [(year, q) for q in range(1, 5)], now)
    return [KpiHistory(kpi, by_kpi[kpi.pk]) for kpi in kpis]


def quarter_rows(year: int, quarter: int, *, now: dt.datetime | None = None):
    """``(kpi, figure)`` of each strategic KPI of ``year`` for one quarter (the reports)."""
    return [(h.kpi, h.quarters[quarter - 1]) for h in year_history(year, now=now)]
