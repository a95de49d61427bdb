"""When a contact may be sent the relationship survey (NPS) — pure, no Django.

The rule (issue 11, «NPS campaigns»): the regular cadence asks each contact every six
months; whatever asks (the cadence, or a campaign the head starts by hand), nobody is asked
again within 90 days of the last survey sent to them. A contact never asked is first asked
once its company has been a client for 90 days (a relationship needs time to form).
"""

from __future__ import annotations

import datetime as dt

from soprovod.lib.periods import add_months, last_day

EVERY_MONTHS = 6
MIN_GAP_DAYS = 90
FIRST_AFTER_DAYS = 90


def may_survey(last_sent: dt.date | None, today: dt.date) -> bool:
    """At least ``MIN_GAP_DAYS`` since the last survey sent to this person (any kind of
    campaign)."""
    return last_sent is None or (today - last_sent).days >= MIN_GAP_DAYS


def next_due(last_sent: dt.date | None, client_since: dt.date) -> dt.date:
    """The day the cadence next asks: six months after the last survey, or
    ``FIRST_AFTER_DAYS`` after the contract start for someone never asked."""
    if last_sent is None:
        return client_since + dt.timedelta(days=FIRST_AFTER_DAYS)
    return months_after(last_sent, EVERY_MONTHS)


def is_due(last_sent: dt.date | None, client_since: dt.date, today: dt.date) -> bool:
    """The cadence asks today: the next survey is due and the 90-day gap is kept."""
    return today >= next_due(last_sent, client_since) and may_survey(last_sent, today)


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` months later (the month's last day if shorter)."""
    first = add_months(day, months)
    return first.replace(day=min(day.day, last_day(first.year, first.month).day))
