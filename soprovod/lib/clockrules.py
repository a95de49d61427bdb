"""The SLA clock rule of sla.md, on plain arrays: due times, pauses and outcomes of many
clocks at once, from when they started, their allowances, their pauses and when they stopped.

This is the one implementation of the rule. The live workflow (`sla.clocks`, one ticket at a
time), the import and demo replay, the recalculation after a calendar edit, the data
migration and `soprovod verify` (a million tickets at a time) all call `settle`, so following
a ticket live and recomputing it from its history give the same figures (sla.md «Pauses and
due times»).

The rules, for one ticket's resolution clock and its ceiling (sla.md «Target and ceiling»,
«Pauses and due times»):

- the due time is the instant at which ``target + extension`` business seconds have run,
  counting only the time the clock ran: ``add(started, target + extension + paused)``;
- a pause (waiting for the client, or the time between a resolution and a reopening) moves
  the due time only when it starts on or before the due time as it then stands; a pause
  that starts later neither moves it nor turns the clock back to pending — its time is kept
  apart (``late``) so that the time the clock ran still excludes it;
- the ceiling counts calendar time from creation and pauses as the resolution clock does
  (by the same rule, against its own due time); it is never earlier than the target due
  time ``add(started, target + paused)``, so when the business-hours target reaches past the
  calendar days the ceiling is the target itself;
- an extension never takes the due time past the ceiling;
- a clock is met when it stopped on or before its due time, breached when it stopped after
  it, or is paused after it, or still runs past it at ``now``; otherwise pending.

A first-response clock is the same computation with no pauses, no extension and no ceiling.

Instants are epoch seconds (float64); comparisons are made on whole microseconds, the
precision of the database, so the outcome agrees with comparing the stored datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

PENDING, MET, BREACHED = 0, 1, 2
STATUS_NAMES = ("pending", "met", "breached")


class Calendar(Protocol):
    def add_many(self, starts_epoch: np.ndarray, seconds: np.ndarray) -> np.ndarray: ...

    def between_many(self, a_epoch: np.ndarray, b_epoch: np.ndarray) -> np.ndarray: ...


@dataclass
class Settled:
    """Each clock's figures; ``ceiling_*`` are NaN / 0 for clocks without a ceiling."""

    due: np.ndarray  # epoch seconds
    paused: np.ndarray  # int64 business seconds of pauses that moved the due time
    late: np.ndarray  # int64 business seconds of pauses that began after it
    paused_since: np.ndarray  # epoch seconds of the pause going on, NaN if none
    elapsed: np.ndarray  # int64 business seconds run by the stop, -1 while running
    status: np.ndarray  # int8: PENDING, MET, BREACHED
    ceiling_due: np.ndarray
    ceiling_paused: np.ndarray  # int64 calendar seconds
    ceiling_late: np.ndarray
    ceiling_elapsed: np.ndarray
    ceiling_status: np.ndarray


def microseconds(epoch: np.ndarray) -> np.ndarray:
    """Epoch seconds → whole microseconds (int64), as the database stores instants."""
    return np.round(np.asarray(epoch, dtype=np.float64) * 1e6).astype(np.int64)


def _whole_seconds(seconds: np.ndarray) -> np.ndarray:
    """Seconds → whole seconds, fractions dropped (as ``int()`` of an exact value)."""
    return np.floor(np.round(seconds, 6)).astype(np.int64)


def _outcome(due, stopped, paused_since, now_us, has) -> np.ndarray:
    """sla.md «Clocks»: met, breached or pending (module doc)."""
    due_us = microseconds(np.where(has, due, 0.0))
    stopped_us = microseconds(np.nan_to_num(stopped))
    since_us = microseconds(np.nan_to_num(paused_since))
    is_stopped = ~np.isnan(stopped)
    is_paused = ~is_stopped & ~np.isnan(paused_since)
    late = np.where(
        is_stopped, stopped_us > due_us, np.where(is_paused, since_us > due_us, now_us > due_us)
    )
    status = np.where(is_stopped & ~late, MET, np.where(late, BREACHED, PENDING))
    return np.where(has, status, PENDING).astype(np.int8)


def settle(
    cal: Calendar,
    started: np.ndarray,
    target: np.ndarray,
    extension: np.ndarray,
    ceiling: np.ndarray,
    stopped: np.ndarray,
    pause_starts: np.ndarray,
    pause_ends: np.ndarray,
    now: float | np.ndarray,
) -> Settled:
    """The figures of ``n`` clocks on one business calendar ``cal`` (module doc).

    ``started``, ``stopped`` (NaN while running): epoch seconds; ``target``, ``extension``:
    business seconds; ``ceiling``: calendar seconds of the ceiling, 0 for none.
    ``pause_starts``/``pause_ends``: (n, k) epoch seconds in time order per clock, NaN-padded;
    a pause still going on has a NaN end. ``now``: epoch seconds at which running clocks are
    judged (one for all, or one per clock).
    """
    started = np.asarray(started, dtype=np.float64)
    n = len(started)
    target = np.asarray(target, dtype=np.int64)
    extension = np.asarray(extension, dtype=np.int64)
    ceiling = np.asarray(ceiling, dtype=np.int64)
    stopped = np.asarray(stopped, dtype=np.float64)
    pause_starts = np.asarray(pause_starts, dtype=np.float64).reshape(n, -1)
    pause_ends = np.asarray(pause_ends, dtype=np.float64).reshape(n, -1)
    has_ceiling = ceiling > 0
    extended = (extension > 0) & has_ceiling

    paused = np.zeros(n, dtype=np.int64)
    late = np.zeros(n, dtype=np.int64)
    cpaused = np.zeros(n, dtype=np.int64)
    clate = np.zeros(n, dtype=np.int64)
    paused_since = np.full(n, np.nan)
    due = np.zeros(n)
    ceiling_due = np.full(n, np.nan)

    def refresh(rows: np.ndarray) -> None:
        """The due time and the ceiling of ``rows`` from what their pauses added so far."""
        s = started[rows]
        target_due = cal.add_many(s, target[rows] + paused[rows]).astype(np.float64)
        with_extension = cal.add_many(s, target[rows] + extension[rows] + paused[rows]).astype(
            np.float64
        )
        calendar_limit = s + ceiling[rows] + cpaused[rows]
        limit = np.where(has_ceiling[rows], np.maximum(calendar_limit, target_due), np.nan)
        ceiling_due[rows] = limit
        due[rows] = np.where(extended[rows], np.minimum(with_extension, limit), with_extension)

    refresh(np.arange(n))
    for k in range(pause_starts.shape[1]):
        begin, end = pause_starts[:, k], pause_ends[:, k]
        present = ~np.isnan(begin)
        if not present.any():
            break
        # A pause does not outlast the stop (the workflow ends a pause when it stops).
        end = np.where(~np.isnan(stopped) & present, np.fmin(end, stopped), end)
        closed = present & ~np.isnan(end)
        going_on = present & np.isnan(end)
        paused_since = np.where(going_on, begin, paused_since)
        rows = np.flatnonzero(closed)
        if not len(rows):
            continue
        a, b = begin[rows], end[rows]
        a_us = microseconds(a)
        business = _whole_seconds(cal.between_many(a, b))
        calendar = _whole_seconds(np.maximum(b - a, 0.0))
        moves = a_us <= microseconds(due[rows])
        paused[rows] += np.where(moves, business, 0)
        late[rows] += np.where(moves, 0, business)
        cmoves = has_ceiling[rows] & (a_us <= microseconds(np.nan_to_num(ceiling_due[rows])))
        cpaused[rows] += np.where(cmoves, calendar, 0)
        clate[rows] += np.where(has_ceiling[rows] & ~cmoves, calendar, 0)
        refresh(rows)

    now_us = microseconds(np.broadcast_to(np.asarray(now, dtype=np.float64), (n,)))
    is_stopped = ~np.isnan(stopped)
    stop = np.where(is_stopped, np.maximum(np.nan_to_num(stopped), started), np.nan)
    ran = _whole_seconds(cal.between_many(started, np.where(is_stopped, stop, started)))
    elapsed = np.where(is_stopped, np.maximum(ran - paused - late, 0), -1)
    cran = _whole_seconds(np.where(is_stopped, stop - started, 0.0))
    celapsed = np.where(is_stopped & has_ceiling, np.maximum(cran - cpaused - clate, 0), -1)
    everywhere = np.ones(n, dtype=bool)
    return Settled(
        due=due,
        paused=paused,
        late=late,
        paused_since=paused_since,
        elapsed=elapsed.astype(np.int64),
        status=_outcome(due, stop, paused_since, now_us, everywhere),
        ceiling_due=ceiling_due,
        ceiling_paused=np.where(has_ceiling, cpaused, 0),
        ceiling_late=np.where(has_ceiling, clate, 0),
        ceiling_elapsed=celapsed.astype(np.int64),
        ceiling_status=_outcome(ceiling_due, stop, paused_since, now_us, has_ceiling),
    )
