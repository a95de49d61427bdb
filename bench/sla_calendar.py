"""Benchmark: business-time add/between against pandas and businesstimedelta.

    python bench/sla_calendar.py [--calls 100000] [--peer-sample 5000]

Random calls over 2024-2026 on the Russian calendar (Mon-Fri 09:00-18:00 Europe/Moscow):
`soprovod.lib.businesstime` against pandas ``CustomBusinessHour`` and ``businesstimedelta``,
datetimes in and datetimes out for every implementation, with the same inputs. Neither peer
can express short days or working Saturdays, so the comparison uses a calendar without them
(same hours, same days off) for everybody; ours is also timed on the full calendar.

pandas has no business-time difference, so it is compared on ``add`` only; pandas offsets
take whole business hours, so ``add`` durations are 1-48 hours for everybody. pandas moves a
due time that lands on closing time to the next opening; ours keeps the closing time (sla.md),
so a result of ours that is a closing time agrees with pandas when the next opening equals
pandas' answer. businesstimedelta walks day by day, so it is timed on a sample of the calls.

Prints calls per second per implementation, one ratio line per peer (our calls/s over the
peer's, over the operations the peer has) and the batch recompute rate. Exits non-zero when
any result disagrees with a peer.
"""

from __future__ import annotations

import argparse
import sys
import time as clock
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import businesstimedelta
import numpy as np
import pandas as pd
import pytz

from soprovod.lib.businesstime import BusinessCalendar, CalendarSpec
from soprovod.lib.prodcalendar import available_ru_years, load_ru_overrides, ru_spec

MSK = ZoneInfo("Europe/Moscow")
FIRST, LAST = 2024, 2026
GOALS = {"pandas": 30.0, "businesstimedelta": 150.0}
BATCH_SIZE = 1_000_000
BATCH_GOAL = 1_000_000


def timed(function: Callable[[], object]) -> float:
    started = clock.perf_counter()
    function()
    return clock.perf_counter() - started


def run_calls(call: Callable, first: list, second: list) -> tuple[float, list]:
    """Seconds taken by ``call(a, b)`` over the pairs, and the results."""
    results: list = []
    append = results.append
    started = clock.perf_counter()
    for a, b in zip(first, second, strict=True):
        append(call(a, b))
    return clock.perf_counter() - started, results


def best_of(repeats: int, call: Callable, first: list, second: list) -> tuple[float, list]:
    """The fastest of ``repeats`` runs (the machine is shared; noise only slows runs down)."""
    runs = [run_calls(call, first, second) for _ in range(repeats)]
    return min(seconds for seconds, _ in runs), runs[-1][1]


def rate(calls: int, seconds: float) -> float:
    return calls / seconds if seconds else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--peer-sample", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best counts")
    options = parser.parse_args()
    calls, sample = options.calls, min(options.peer_sample, options.calls)
    repeats = options.repeats
    rng = np.random.default_rng(options.seed)

    # -- calendars ------------------------------------------------------------------------
    full = BusinessCalendar(ru_spec(years=list(range(FIRST, LAST + 1))))
    days_off = sorted(
        day
        for year in available_ru_years()
        for day, kind in load_ru_overrides(year).items()
        if kind in ("holiday", "day_off") and day.weekday() < 5
    )
    comparable = BusinessCalendar(
        CalendarSpec(tz="Europe/Moscow", overrides=dict.fromkeys(days_off, "day_off"))
    )

    # -- inputs ---------------------------------------------------------------------------
    low = int(datetime(FIRST, 1, 1, tzinfo=MSK).timestamp())
    high = int(datetime(LAST + 1, 1, 1, tzinfo=MSK).timestamp())
    starts = [datetime.fromtimestamp(int(x), MSK) for x in rng.integers(low, high, calls)]
    hours = [int(x) for x in rng.integers(1, 49, calls)]
    minutes = [h * 60 for h in hours]
    ends = [
        a + timedelta(seconds=int(x))
        for a, x in zip(starts, rng.integers(0, 14 * 86400, calls), strict=True)
    ]

    # -- ours -----------------------------------------------------------------------------
    warm = min(calls, 2_000)
    for calendar in (full, comparable):  # build tables and warm up outside the timing
        run_calls(calendar.add, starts[:warm], minutes[:warm])
        run_calls(calendar.between, starts[:warm], ends[:warm])
    full_add, _ = best_of(repeats, full.add, starts, minutes)
    full_between, _ = best_of(repeats, full.between, starts, ends)
    our_add, our_due = best_of(repeats, comparable.add, starts, minutes)
    our_between, our_spans = best_of(repeats, comparable.between, starts, ends)
    print(f"calls: {calls} add + {calls} between, starts {FIRST}-{LAST}, Europe/Moscow datetimes")
    print(
        f"ours, Russian calendar (short days, working Saturdays): "
        f"add {rate(calls, full_add):,.0f}/s, between {rate(calls, full_between):,.0f}/s"
    )
    print(
        f"ours, comparison calendar: add {rate(calls, our_add):,.0f}/s, "
        f"between {rate(calls, our_between):,.0f}/s"
    )

    # -- pandas CustomBusinessHour ----------------------------------------------------------
    offsets = {
        n: pd.offsets.CustomBusinessHour(
            n=n, start="09:00", end="18:00", weekmask="Mon Tue Wed Thu Fri", holidays=days_off
        )
        for n in range(1, 49)
    }
    pandas_offsets = [offsets[h] for h in hours]
    run_calls(lambda start, offset: start + offset, starts[:warm], pandas_offsets[:warm])
    pandas_add, pandas_due = best_of(
        repeats, lambda start, offset: start + offset, starts, pandas_offsets
    )
    pandas_mismatches = 0
    for ours, theirs in zip(our_due, pandas_due, strict=True):
        if ours != theirs and not (
            not comparable.is_working(ours) and comparable.next_working_instant(ours) == theirs
        ):
            pandas_mismatches += 1
    print(
        f"pandas CustomBusinessHour: add {rate(calls, pandas_add):,.0f}/s on {calls} calls; no between in pandas"
    )

    # -- businesstimedelta ----------------------------------------------------------------
    msk_pytz = pytz.timezone("Europe/Moscow")
    rule = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=time(9), end_time=time(18), working_days=[0, 1, 2, 3, 4], tz=msk_pytz
            ),
            businesstimedelta.HolidayRule(set(days_off), tz=msk_pytz),
        ]
    )
    deltas = {n: businesstimedelta.BusinessTimeDelta(rule, hours=n) for n in range(1, 49)}
    btd_deltas = [deltas[h] for h in hours[:sample]]
    run_calls(lambda start, delta: start + delta, starts[:100], btd_deltas[:100])
    run_calls(rule.difference, starts[:100], ends[:100])
    btd_add, btd_due = best_of(
        repeats, lambda start, delta: start + delta, starts[:sample], btd_deltas
    )
    btd_between, btd_spans = best_of(repeats, rule.difference, starts[:sample], ends[:sample])
    btd_mismatches = sum(ours != theirs for ours, theirs in zip(our_due, btd_due, strict=False))
    btd_mismatches += sum(
        round(ours * 60) != theirs.timedelta.total_seconds()
        for ours, theirs in zip(our_spans, btd_spans, strict=False)
    )
    print(
        f"businesstimedelta: add {rate(sample, btd_add):,.0f}/s, "
        f"between {rate(sample, btd_between):,.0f}/s (timed on a sample of {sample} calls each)"
    )

    # -- ratios ---------------------------------------------------------------------------
    our_add_rate = rate(calls, our_add)
    our_mix_rate = rate(2 * calls, our_add + our_between)
    btd_mix_rate = rate(2 * sample, btd_add + btd_between)
    ratios = {
        "pandas": our_add_rate / rate(calls, pandas_add),
        "businesstimedelta": our_mix_rate / btd_mix_rate,
    }
    print(
        f"ratio per operation vs businesstimedelta: add {our_add_rate / rate(sample, btd_add):.1f}x, "
        f"between {rate(calls, our_between) / rate(sample, btd_between):.1f}x"
    )
    print(
        f"mismatches: pandas {pandas_mismatches} of {calls}, businesstimedelta {btd_mismatches} of {2 * sample}"
    )
    for peer, ratio in ratios.items():
        print(f"{peer}: {ratio:.1f}x")
    for peer, ratio in ratios.items():
        verdict = "met" if ratio >= GOALS[peer] else "MISSED"
        print(f"goal {peer} >= {GOALS[peer]:.0f}x: {verdict}")

    # -- batch recompute ------------------------------------------------------------------
    batch_starts = rng.integers(low, high, BATCH_SIZE)
    batch_seconds = rng.integers(0, 48 * 3600, BATCH_SIZE)
    full.add_many(batch_starts[:10], batch_seconds[:10])
    best = min(timed(lambda: full.add_many(batch_starts, batch_seconds)) for _ in range(3))
    batch_rate = BATCH_SIZE / best
    print(f"batch deadlines/s: {batch_rate:.0f}")
    print(f"goal batch >= {BATCH_GOAL:,}/s: {'met' if batch_rate >= BATCH_GOAL else 'MISSED'}")

    return 1 if pandas_mismatches or btd_mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
