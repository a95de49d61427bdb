import datetime as dt

from soprovod.success import deadlines


def test_thirty_calendar_days_over_a_year_end():
    assert deadlines.response_due(dt.date(2026, 12, 15), 30) == dt.date(2027, 1, 14)


def test_thirty_calendar_days_over_a_month_end():
    # January has 31 days and February 28: 31.01 + 30 = 02.03.
    assert deadlines.response_due(dt.date(2026, 1, 31), 30) == dt.date(2026, 3, 2)
    assert deadlines.response_due(dt.date(2028, 1, 31), 30) == dt.date(2028, 3, 1)  # leap year


def test_no_receipt_date_no_deadline():
    assert deadlines.response_due(None, 30) is None


def test_which_notice_is_due():
    due = dt.date(2027, 1, 14)
    assert deadlines.notice_due(due, dt.date(2027, 1, 6)) is None
    assert deadlines.notice_due(due, dt.date(2027, 1, 7)) == deadlines.WARN_7
    assert deadlines.notice_due(due, dt.date(2027, 1, 11)) == deadlines.WARN_7
    assert deadlines.notice_due(due, dt.date(2027, 1, 12)) == deadlines.WARN_2
    assert deadlines.notice_due(due, dt.date(2027, 1, 14)) == deadlines.WARN_2
    assert deadlines.notice_due(due, dt.date(2027, 1, 15)) == deadlines.MISSED
    assert deadlines.notice_due(None, dt.date(2027, 1, 15)) is None
