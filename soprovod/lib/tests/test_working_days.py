"""Working days on a business calendar: the plan arithmetic of implementation projects
(a stage lasts N working days on the department's calendar)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from soprovod.lib.businesstime import ALWAYS_ON, BusinessCalendar, CalendarSpec
from soprovod.lib.prodcalendar import ru_spec

RU = BusinessCalendar(ru_spec())


def test_a_span_starting_on_friday_skips_the_weekend():
    # Friday 2026-10-02 + 3 working days: Fri, Mon, Tue.
    assert RU.add_working_days(date(2026, 10, 2), 3) == date(2026, 10, 6)


def test_a_span_starting_on_a_saturday_begins_on_monday():
    assert RU.add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 5)


def test_new_year_holidays_are_skipped():
    # 31 December 2025 and 1–11 January 2026 are days off (the decree's transfer and the
    # New Year holidays): after Tuesday 30 December the next working day is 12 January.
    assert RU.next_working_day(date(2025, 12, 31)) == date(2026, 1, 12)
    assert RU.add_working_days(date(2025, 12, 30), 2) == date(2026, 1, 12)


def test_always_on_calendar_counts_every_day():
    cal = BusinessCalendar(ALWAYS_ON)
    assert cal.add_working_days(date(2026, 10, 3), 3) == date(2026, 10, 5)
    assert cal.working_days_between(date(2026, 10, 3), date(2026, 10, 9)) == 7


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 1)),
    days=st.integers(min_value=1, max_value=40),
)
def test_add_and_count_agree_with_a_day_by_day_walk(start, days):
    spec = CalendarSpec()  # Monday to Friday, no holidays: the reference is the weekday
    cal = BusinessCalendar(spec)
    end = cal.add_working_days(start, days)
    walked = [start + timedelta(n) for n in range((end - start).days + 1)]
    assert sum(day.weekday() < 5 for day in walked) == days
    assert end.weekday() < 5
    assert cal.working_days_between(start, end) == days
