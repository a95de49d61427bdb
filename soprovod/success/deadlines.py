"""The claim response deadline and its notices, as plain date arithmetic.

By default a claim must be answered within 30 calendar days of its receipt (the pre-trial
period of ч. 5 ст. 4 АПК РФ); a contract may set another term. The deadline is the last
day to answer: a claim received on 15.12.2026 is due on 14.01.2027.
"""

from __future__ import annotations

import datetime as dt

WARN_7 = "warn_7"
WARN_2 = "warn_2"
MISSED = "missed"


def response_due(received_on: dt.date | None, days: int) -> dt.date | None:
    """The last day to answer a claim received on ``received_on``; None while unknown."""
    if received_on is None:
        return None
    return received_on + dt.timedelta(days=days)


def days_left(due_on: dt.date, today: dt.date) -> int:
    return (due_on - today).days


def notice_due(due_on: dt.date | None, today: dt.date) -> str | None:
    """Which notice is owed on ``today`` for an unanswered claim due on ``due_on``: the
    7-day warning from 7 days before, the 2-day warning from 2 days before, the missed
    deadline from the day after it; None before the first one. Only the latest applies,
    so a claim registered with 5 days left gets the 7-day warning, not two notices at once."""
    if due_on is None:
        return None
    left = days_left(due_on, today)
    if left < 0:
        return MISSED
    if left <= 2:
        return WARN_2
    if left <= 7:
        return WARN_7
    return None
