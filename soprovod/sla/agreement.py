"""Agreement clocks between departments (kpi.md «handoff.on_time», «dev_request.on_time»): a
fixed number of hours from a submission, in calendar time or on an SLA work calendar, with a
warning at a share of the time — one rule for hand-offs and requests to development."""

from __future__ import annotations

import datetime as dt

from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import WorkCalendar


def work_calendar(name: str, *, default_word: str) -> WorkCalendar | None:
    """The calendar a setting names: None when it is empty (calendar time), the department's
    default for ``default_word``, else the calendar of that name. Raises LookupError when no
    such calendar exists (the caller words the message after its own setting)."""
    name = name.strip()
    if not name:
        return None
    calendars = WorkCalendar.objects.all()
    found = (
        calendars.filter(is_default=True).first()
        if name == default_word
        else calendars.filter(name=name).first()
    )
    if found is None:
        raise LookupError(name)
    return found


def add(calendar: WorkCalendar | None, start: dt.datetime, seconds: int) -> dt.datetime:
    """``start`` plus ``seconds`` of the clock's time."""
    if calendar is None:
        return start + dt.timedelta(seconds=seconds)
    return business_calendar(calendar).add_seconds(start, seconds)


def between(calendar: WorkCalendar | None, start: dt.datetime, end: dt.datetime) -> int:
    """Seconds of the clock's time from ``start`` to ``end`` (never negative)."""
    if calendar is None:
        return max(0, int((end - start).total_seconds()))
    return max(0, int(business_calendar(calendar).between_seconds(start, end)))


def deadlines(
    calendar: WorkCalendar | None, start: dt.datetime, seconds: int, warning_percent: int
) -> tuple[dt.datetime, dt.datetime]:
    """(warning instant, due time) of a clock of ``seconds`` started at ``start``; the warning
    comes after ``warning_percent`` % of the time, rounded up to the second (as ticket SLA
    warnings, sla.md «Warnings and escalations»)."""
    warning = -(-seconds * warning_percent // 100)
    return add(calendar, start, warning), add(calendar, start, seconds)
