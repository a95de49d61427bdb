"""A client's dated MRR history read the way the KPI engine reads it (kpi.md «revenue.grr»):
the MRR on a date is the value of the last change effective on or before it. Pure functions
over ``(effective_on, mrr_rub)`` pairs, used by the client actions and the MRR import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from soprovod.clients.models import MrrReason

Change = tuple[dt.date, Decimal]


def mrr_on(changes: Iterable[Change], day: dt.date) -> Decimal | None:
    """The MRR on ``day``; None before the history begins."""
    found = None
    for effective_on, mrr in sorted(changes, key=lambda change: change[0]):
        if effective_on > day:
            break
        found = mrr
    return found


def inferred_reason(previous: Decimal | None, mrr: Decimal) -> str:
    """The reason of a change when nobody said it: the first value is a new contract, zero
    is churn, more is an upsell, less a downsell; the same value again is a price change
    (a new price list that left this client's sum as it was)."""
    if previous is None:
        return MrrReason.NEW
    if mrr == 0 and previous > 0:
        return MrrReason.CHURN
    if mrr > previous:
        return MrrReason.UPSELL
    if mrr < previous:
        return MrrReason.DOWNSELL
    return MrrReason.PRICE
