"""Work calendars from the database to the business-time engine, cached per version."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.lib import prodcalendar
from soprovod.lib.businesstime import BusinessCalendar, CalendarSpec, get_calendar
from soprovod.sla.models import CalendarDay, WorkCalendar

# sla.md: the product warns this many days before its calendar data runs out.
DATA_WARNING_DAYS = 90


def parse_hours(raw: list) -> tuple[tuple[dt.time, dt.time], ...]:
    """``[["09:00", "18:00"], ...]`` → time pairs; ``24:00`` (or ``00:00`` as an end) closes
    the day at midnight."""
    pairs = []
    for start, end in raw:
        pairs.append((_parse_time(start), _parse_time(end)))
    return tuple(pairs)


# A wall-clock time of working hours: HH:MM, and 24:00 for the end of the day.
HHMM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00")


def day_minutes(value: str) -> int:
    """``HH:MM`` → minutes since midnight; ``24:00`` (the end of the day) is 1440."""
    hours, minutes = value.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _parse_time(value: str) -> dt.time:
    minutes = day_minutes(value)
    return dt.time(0) if minutes == 24 * 60 else dt.time(minutes // 60, minutes % 60)


def spec_for(calendar: WorkCalendar) -> CalendarSpec:
    """The engine's description of ``calendar``, with its dated overrides."""
    overrides = (
        {}
        if calendar.is_24x7
        else dict(CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind"))
    )
    return spec_from(calendar, overrides)


def spec_from(calendar, overrides: dict[dt.date, str]) -> CalendarSpec:
    """`spec_for` from a calendar row and its overrides already read: any object with the
    fields of `WorkCalendar` will do (a data migration passes its historical model's row)."""
    if calendar.is_24x7:
        return CalendarSpec.always_on(calendar.timezone)
    weekly = {int(day): parse_hours(hours) for day, hours in (calendar.weekly_hours or {}).items()}
    years = sorted({day.year for day in overrides})
    fallback = None
    data_years = None
    if calendar.russian_fallback:
        fallback = prodcalendar.art112_overrides
        data_years = (years[0], years[-1]) if years else (0, 0)
    return CalendarSpec(
        tz=calendar.timezone,
        weekly=weekly,
        overrides=overrides,
        saturday_hours=parse_hours(calendar.working_day_hours)
        if calendar.working_day_hours
        else None,
        data_years=data_years,
        fallback=fallback,
    )


def business_calendar(calendar: WorkCalendar) -> BusinessCalendar:
    """The cached engine for ``calendar``; an edit bumps ``version`` and rebuilds it."""
    return get_calendar(
        ("work-calendar", calendar.pk), calendar.version, partial(spec_for, calendar)
    )


def data_end(calendar: WorkCalendar) -> dt.date | None:
    """The last day of the last year for which the calendar has dated data."""
    if calendar.is_24x7 or not calendar.russian_fallback:
        return None
    last = (
        CalendarDay.objects.filter(calendar=calendar)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    return dt.date(last.year, 12, 31) if last else None


def data_warning(calendar: WorkCalendar, today: dt.date | None = None) -> str | None:
    """ "soon" within 90 days of the end of the calendar's data, "expired" past it, else None."""
    return coverage_warning(data_end(calendar), today or timezone.localdate())


def coverage_warning(end: dt.date | None, today: dt.date) -> str | None:
    """`data_warning` for a data end already known (lists and the banner read it
    for every calendar in one query): "soon" within DATA_WARNING_DAYS of the end, "expired"
    past it."""
    if end is None:
        return None
    if today > end:
        return "expired"
    if (end - today).days <= DATA_WARNING_DAYS:
        return "soon"
    return None


def coverage_message(warning: str | None, end: dt.date | None) -> str:
    """The data-coverage warning (sla.md: the product ships the calendar for every year it
    knows, and warns before it runs out)."""
    if warning is None or end is None:
        return ""
    if warning == "soon":
        return _("Calendar data ends on %(end)s — load next year's calendar.") % {
            "end": end.strftime("%d.%m.%Y")
        }
    return _(
        "Calendar data ended on %(end)s. Labour Code art. 112 rules are used: transfers by "
        "decree are missing — load the production calendar for %(year)s."
    ) % {"end": end.strftime("%d.%m.%Y"), "year": end.year + 1}


def bump_version(calendar: WorkCalendar) -> None:
    """Mark the calendar changed: caches rebuild and open clocks are recomputed."""
    from django.db.models import F

    WorkCalendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1)
    calendar.refresh_from_db(fields=["version"])
