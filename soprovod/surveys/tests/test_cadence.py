"""The NPS cadence: every six months per contact, never within 90 days of the last survey,
a new client's contacts first asked after 90 days."""

import datetime as dt

import pytest

from soprovod.surveys.cadence import is_due, may_survey, months_after, next_due

START = dt.date(2025, 1, 10)


@pytest.mark.parametrize(
    ("last", "today", "allowed"),
    [
        (None, dt.date(2026, 1, 1), True),
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31), False),  # 89 days
        (dt.date(2026, 1, 1), dt.date(2026, 4, 1), True),  # 90 days
        (dt.date(2025, 12, 31), dt.date(2026, 3, 31), True),  # 90 days over a year end
    ],
)
def test_at_least_90_days_between_surveys(last, today, allowed):
    assert may_survey(last, today) is allowed


def test_every_six_months_after_the_last_survey():
    assert next_due(dt.date(2026, 1, 15), START) == dt.date(2026, 7, 15)
    assert is_due(dt.date(2026, 1, 15), START, dt.date(2026, 7, 14)) is False
    assert is_due(dt.date(2026, 1, 15), START, dt.date(2026, 7, 15)) is True


def test_six_months_after_a_long_month_end_is_the_shorter_months_last_day():
    assert months_after(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert next_due(dt.date(2025, 8, 31), START) == dt.date(2026, 2, 28)


def test_a_contact_never_asked_is_first_asked_90_days_into_the_contract():
    assert next_due(None, START) == dt.date(2025, 4, 10)
    assert is_due(None, START, dt.date(2025, 4, 9)) is False
    assert is_due(None, START, dt.date(2025, 4, 10)) is True
