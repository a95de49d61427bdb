"""Periods of calendar dates and the month arithmetic the KPIs, reports and demo share.

A ``Period`` is a closed range of dates ``[start, end]`` in the department's time zone. The
zone comes from ``department_zone()``: Europe/Moscow until the project registers its
configured zone with ``use_zone`` (the core app does, from ``settings.TIME_ZONE``), so this
module stays pure Python.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Moscow"

_zone_provider: Callable[[], dt.tzinfo] = lambda: ZoneInfo(DEFAULT_ZONE)  # noqa: E731


def use_zone(provider: Callable[[], dt.tzinfo]) -> None:
    """Register where the department's time zone comes from (called once at start-up)."""
    global _zone_provider
    _zone_provider = provider


def department_zone() -> dt.tzinfo:
    return _zone_provider()


@dataclass(frozen=True)
class Period:
    """A closed range of calendar dates ``[start, end]`` in the department's time zone."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def zone(self) -> dt.tzinfo:
        return department_zone()

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), self.zone)

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(0), self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == last_day(self.start.year, self.start.month)

    def is_quarter(self) -> bool:
        if self.start.day != 1 or self.start.month not in (1, 4, 7, 10):
            return False
        return self.end == last_day(self.start.year, self.start.month + 2)

    def is_year(self) -> bool:
        return self.start == dt.date(self.start.year, 1, 1) and self.end == dt.date(
            self.start.year, 12, 31
        )

    def previous(self) -> Period:
        """kpi.md «repeat_rate.change»: the previous calendar month, quarter or year when the
        period is exactly one; otherwise the same number of days just before the start."""
        if self.is_year():
            return Period(dt.date(self.start.year - 1, 1, 1), dt.date(self.start.year - 1, 12, 31))
        if self.is_quarter():
            end = self.start - dt.timedelta(days=1)
            return Period(dt.date(end.year, end.month - 2, 1), end)
        if self.is_month():
            end = self.start - dt.timedelta(days=1)
            return Period(end.replace(day=1), end)
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    @property
    def months(self) -> float:
        """Whole calendar months in the period, or its length in average months."""
        if self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1:
            return float(
                (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            )
        return self.days / (365.2425 / 12)


# ---- months ------------------------------------------------------------------------------


def last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, pycalendar.monthrange(year, month)[1])


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` months earlier (the month's last day if shorter)."""
    first = add_months(day, -months)
    return first.replace(day=min(day.day, last_day(first.year, first.month).day))


def calendar_month(start: dt.date) -> Period:
    """The calendar month that starts on ``start``."""
    return Period(start, last_day(start.year, start.month))


def month_starts(end_month: dt.date, months: int = 12) -> list[dt.date]:
    """The first days of the ``months`` months ending with ``end_month``'s month, oldest first."""
    if months < 1:
        raise ValueError("months must be at least 1")
    last = month_start(end_month)
    return [add_months(last, -offset) for offset in range(months - 1, -1, -1)]


def previous_month(today: dt.date) -> Period:
    """The calendar month before ``today``'s."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return Period(end.replace(day=1), end)


# ---- periods written as text (the CLI, the report pages) ---------------------------------


class PeriodError(ValueError):
    """A month, quarter or year that cannot be read; the message says what was expected."""


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_month(text: str) -> Period:
    """``2026-10`` → the calendar month."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise PeriodError(f"month {text!r}: expected YYYY-MM, e.g. 2026-10")
    return calendar_month(dt.date(int(match[1]), int(match[2]), 1))


def parse_quarter(text: str) -> Period:
    """``2026-Q4`` → October to December 2026."""
    match = _QUARTER.match(text.strip())
    if not match or int(match[1]) < 1900:
        raise PeriodError(f"quarter {text!r}: expected YYYY-Qn with n from 1 to 4, e.g. 2026-Q4")
    year, quarter = int(match[1]), int(match[2])
    return Period(dt.date(year, 3 * quarter - 2, 1), last_day(year, 3 * quarter))


def parse_year(text: str) -> Period:
    """``2026`` → the calendar year."""
    match = _YEAR.match(text.strip())
    if not match or int(match[1]) < 1900:
        raise PeriodError(f"year {text!r}: expected YYYY, e.g. 2026")
    year = int(match[1])
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
