"""``soprovod verify`` check ``kpi-months``: every stored month of ticket facts against a
live recomputation from the tickets (`soprovod.kpi.months`)."""

from __future__ import annotations

import math

from soprovod.core.verify import Difference, Report, Tally
from soprovod.kpi import actions, months
from soprovod.kpi.models import MonthBuild


def _same(stored, recomputed) -> bool:
    if isinstance(stored, float) and isinstance(recomputed, float):
        return math.isclose(stored, recomputed, rel_tol=1e-9, abs_tol=1e-9)
    return stored == recomputed


def differences(month) -> list[tuple[str, object, str, object, object]]:
    """``(dimension, key, field, stored, recomputed)`` for each stored figure of ``month``
    that disagrees with `months.month_facts`; a group present on one side only differs in
    every field."""
    stored = months.stored_facts(month)
    live = months.month_facts([month])[month]
    found = []
    for dimension in months.DIMENSIONS:
        mine, theirs = stored.get(dimension, {}), live.get(dimension, {})
        for key in sorted(set(mine) | set(theirs), key=lambda k: (k is None, str(k))):
            a, b = mine.get(key, months.Slice()), theirs.get(key, months.Slice())
            for name in months.SLICE_FIELDS:
                if not _same(getattr(a, name), getattr(b, name)):
                    found.append((dimension, key, name, getattr(a, name), getattr(b, name)))
    return found


def check_month_facts(report: Report, *, fix: bool = False, actor=None) -> Tally:
    """Report each stored figure of a current month (built, no change since) that differs
    from a recomputation; with ``fix``, store that month again (audited) and count it fixed
    when it then agrees, and store the closed months whose facts are missing or stale (those
    are never read while stale, so they are not differences)."""
    tally = Tally()
    built = MonthBuild.objects.order_by("month").values_list("month", flat=True)
    for month in sorted(months.stored_months(built)):
        tally.checked += 1
        found = differences(month)
        for dimension, key, name, stored, recomputed in found:
            subject = f"KPI month {month:%Y-%m} {dimension}={'—' if key is None else key}"
            report(Difference(subject, name, stored, recomputed))
        if found and fix:
            actions.do_store_month(month, actor=actor)
            if not differences(month):
                tally.fixed += len(found)
    if fix:
        actions.do_store_months(actor=actor)
    return tally
