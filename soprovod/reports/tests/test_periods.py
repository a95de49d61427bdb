"""Periods as the CLI and the archive write them, and as people read them."""

import datetime as dt

import pytest
from django.utils import translation

from soprovod.lib.periods import (
    Period,
    PeriodError,
    parse_month,
    parse_quarter,
    parse_year,
    previous_month,
)
from soprovod.reports.kinds import parse_period, period_code, period_label


def test_month_quarter_year():
    assert parse_month("2026-02") == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert parse_month("2028-02").end == dt.date(2028, 2, 29)
    assert parse_quarter("2026-Q4") == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert parse_quarter("2026-q1") == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert parse_year("2026") == Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert parse_period("quarterly", "2026-Q2").start == dt.date(2026, 4, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "", "x"])
def test_bad_months(text):
    with pytest.raises(PeriodError, match="expected YYYY-MM"):
        parse_month(text)


@pytest.mark.parametrize("text", ["2026-Q0", "2026-Q5", "2026Q4", "2026-4", "Q4-2026"])
def test_bad_quarters(text):
    with pytest.raises(PeriodError, match="expected YYYY-Qn"):
        parse_quarter(text)


def test_codes_round_trip():
    for kind, text in (("monthly", "2026-10"), ("quarterly", "2026-Q4"), ("annual", "2026")):
        assert period_code(kind, parse_period(kind, text)) == text


def test_previous_month_over_the_new_year():
    assert previous_month(dt.date(2027, 1, 11)) == Period(
        dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    )


def test_labels_are_russian_by_default():
    with translation.override("ru"):
        assert period_label("monthly", parse_month("2026-10")) == "Октябрь 2026"
    with translation.override("en"):
        assert period_label("monthly", parse_month("2026-10")) == "October 2026"
        assert period_label("quarterly", parse_quarter("2026-Q4")) == "Q4 2026"
        assert period_label("annual", parse_year("2026")) == "2026"
