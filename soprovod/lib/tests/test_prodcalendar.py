"""The shipped Russian production calendar and the Labour Code fallback (sla.md, "Business time")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from soprovod.lib.businesstime import BusinessCalendar
from soprovod.lib.prodcalendar import (
    RU_DATA_DIR,
    art112_overrides,
    available_ru_years,
    data_end,
    load_ru_overrides,
    ru_spec,
)

MSK = ZoneInfo("Europe/Moscow")

# Working days and hours (40-hour week) of the Ministry of Labour's calendars.
NORMS = {2024: (248, 1979), 2025: (247, 1972), 2026: (247, 1972), 2027: (247, 1972)}


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar(ru_spec())


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def test_shipped_years_and_data_end():
    assert available_ru_years() == [2024, 2025, 2026, 2027]
    assert data_end() == date(2027, 12, 31)


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_files_are_plain_date_kind_csv_for_the_import_command(year):
    lines = (RU_DATA_DIR / f"{year}.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,kind"
    for line in lines[1:]:
        day, kind = line.split(",")
        assert date.fromisoformat(day).year == year
        assert kind in {"holiday", "day_off", "working_day", "short_day"}
    assert lines[1:] == sorted(lines[1:])


def working_days(calendar: BusinessCalendar, year: int) -> list[date]:
    return [
        day
        for day in days_of(year)
        if calendar.between(
            datetime(day.year, day.month, day.day, tzinfo=MSK),
            datetime(day.year, day.month, day.day, tzinfo=MSK) + timedelta(days=1),
        )
    ]


@pytest.mark.parametrize("year", sorted(NORMS))
def test_working_days_and_hours_match_the_norm(year):
    days, hours = NORMS[year]
    # The norm is for a 40-hour week: 8 working hours a day (here with a lunch hour).
    forty_hours = BusinessCalendar(ru_spec(hours=((time(9), time(13)), (time(14), time(18)))))
    start, end = datetime(year, 1, 1, tzinfo=MSK), datetime(year + 1, 1, 1, tzinfo=MSK)
    assert forty_hours.between(start, end) == hours * 60
    assert len(working_days(forty_hours, year)) == days


@pytest.mark.parametrize("year", sorted(NORMS))
def test_default_calendar_has_the_norm_days_of_nine_hours(calendar, year):
    days, hours = NORMS[year]
    short_days = days * 8 - hours
    start, end = datetime(year, 1, 1, tzinfo=MSK), datetime(year + 1, 1, 1, tzinfo=MSK)
    assert calendar.between(start, end) == (days * 9 - short_days) * 60
    assert len(working_days(calendar, year)) == days


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_days_off_and_working_saturdays_agree_with_the_holidays_package(year):
    spec = ru_spec()
    known = holidays.country_holidays("RU", years=year)
    expected_off = {
        day
        for day in days_of(year)
        if (day.weekday() >= 5 or day in known) and day not in known.weekend_workdays
    }
    assert {day for day in days_of(year) if not spec.hours_on(day)} == expected_off


def test_short_days_end_an_hour_early():
    spec = ru_spec()
    short = {
        date(2024, 2, 22),
        date(2024, 3, 7),
        date(2024, 5, 8),
        date(2024, 6, 11),
        date(2024, 11, 2),
        date(2025, 3, 7),
        date(2025, 4, 30),
        date(2025, 6, 11),
        date(2025, 11, 1),
        date(2026, 4, 30),
        date(2026, 5, 8),
        date(2026, 6, 11),
        date(2026, 11, 3),
    }
    for day in short:
        assert spec.hours_on(day) == ((time(9), time(17)),), day
    assert spec.hours_on(date(2024, 4, 27)) == ((time(9), time(18)),)  # working Saturday


def test_2025_decree_moved_february_and_march_days_off_to_may_and_june():
    overrides = load_ru_overrides(2025)
    assert overrides[date(2025, 5, 8)] == "day_off"
    assert overrides[date(2025, 6, 13)] == "day_off"
    assert date(2025, 2, 24) not in overrides
    assert date(2025, 3, 10) not in overrides


@pytest.mark.parametrize(
    ("year", "decree_changes"),
    [
        (2026, {date(2026, 1, 9): "day_off", date(2026, 12, 31): "day_off"}),
        (
            2027,
            {
                date(2027, 2, 20): "short_day",
                date(2027, 2, 22): "day_off",
                date(2027, 11, 5): "day_off",
                date(2027, 12, 31): "day_off",
            },
        ),
    ],
)
def test_shipped_year_is_the_labour_code_plus_the_decree(year, decree_changes):
    assert load_ru_overrides(year) == {**art112_overrides(year), **decree_changes}


def test_art112_fallback_for_a_far_year():
    overrides = art112_overrides(2031)
    holidays_2031 = [date(2031, 1, day) for day in range(1, 9)] + [
        date(2031, 2, 23),
        date(2031, 3, 8),
        date(2031, 5, 1),
        date(2031, 5, 9),
        date(2031, 6, 12),
        date(2031, 11, 4),
    ]
    assert overrides == {
        **dict.fromkeys(holidays_2031, "holiday"),
        # Sunday 23 Feb and Saturday 8 Mar move to the next working day; 4-5 Jan do not.
        date(2031, 2, 24): "day_off",
        date(2031, 3, 10): "day_off",
        # The working day right before a holiday is short; 22 Feb is a Saturday.
        date(2031, 3, 7): "short_day",
        date(2031, 4, 30): "short_day",
        date(2031, 5, 8): "short_day",
        date(2031, 6, 11): "short_day",
        date(2031, 11, 3): "short_day",
        date(2031, 12, 31): "short_day",
    }


def test_calendar_falls_back_to_the_labour_code_after_the_data(calendar):
    spec = calendar.spec
    assert spec.hours_on(date(2031, 2, 24)) == ()
    assert spec.hours_on(date(2031, 3, 7)) == ((time(9), time(17)),)
    start = datetime(2031, 3, 7, 16, 0, tzinfo=MSK)
    assert calendar.add(start, 120) == datetime(2031, 3, 11, 10, 0, tzinfo=MSK)


def test_unknown_year_and_gaps_are_refused():
    with pytest.raises(LookupError):
        load_ru_overrides(1999)
    with pytest.raises(ValueError, match="consecutive"):
        ru_spec(years=[2024, 2026])


def test_ru_spec_with_no_data_years_is_labour_code_only():
    spec = ru_spec(years=[])
    assert spec.overrides_for_year(2025) == art112_overrides(2025)
