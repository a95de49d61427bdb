"""The calendar data-coverage warning on every page of the support department.

sla.md: the product ships the production calendar for the years it knows and warns 90 days
before the data of a calendar in use runs out; past the end, due times follow the Labour
Code alone (art. 112), without the Government's transfers. Read lazily (the query runs
only when a page renders the banner) and in one query for all calendars.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.db.models import Max, Q
from django.utils import timezone

from soprovod.accounts.permissions import can_read_sla
from soprovod.sla.calendars import coverage_message, coverage_warning
from soprovod.sla.models import SlaTarget, WorkCalendar


@dataclass(frozen=True)
class CoverageWarning:
    calendar_id: int
    name: str
    level: str  # "soon" or "expired"
    message: str


def coverage_warnings(today: dt.date | None = None) -> list[CoverageWarning]:
    """Warnings for the calendars in use (the default one and those a policy counts on)
    that follow the Russian production calendar."""
    today = today or timezone.localdate()
    calendars = (
        WorkCalendar.objects.filter(russian_fallback=True, is_24x7=False)
        .filter(Q(is_default=True) | Q(pk__in=SlaTarget.objects.values("calendar")))
        .annotate(last_day=Max("days__date"))
        .values_list("pk", "name", "last_day")
    )
    warnings = []
    for pk, name, last_day in calendars:
        end = dt.date(last_day.year, 12, 31) if last_day else None
        level = coverage_warning(end, today)
        if level:
            warnings.append(CoverageWarning(pk, name, level, coverage_message(level, end)))
    return warnings


def sla_warnings(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not can_read_sla(user):
        return {}
    # A callable: the template calls it (once, via {% with %}) only when it shows the banner.
    return {"sla_coverage_warnings": cache(coverage_warnings)}
