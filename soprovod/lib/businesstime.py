"""Business-time arithmetic over a working calendar (sla.md, "Business time").

A calendar is weekly working hours in one time zone plus per-date overrides (the Russian
production calendar, or the head's own edits). `BusinessCalendar` turns it into a table of
working intervals as UTC epoch seconds, with the working seconds accumulated before each
interval, and answers every question by binary search over that table, never by walking
days:

- ``add(start, minutes)``: the earliest instant at which ``minutes`` business minutes have
  elapsed since ``start``;
- ``between(a, b)``: the business minutes in ``[a, b)``.

Conventions:

- Datetimes must be timezone-aware; a naive one raises ValueError. Results are aware
  datetimes in UTC, the zone instants are stored in (sla.md, "Clocks"); convert them for
  display.
- Working intervals are half-open ``[opening, closing)``: 18:00 is not working time, but a due
  time reached exactly at 18:00 is 18:00.
- Interval boundaries are wall times in the calendar's zone, resolved with zoneinfo. A wall
  time that does not exist (the spring-forward gap) moves forward to the first instant after
  the gap; an ambiguous one (the fall-back hour) means its first occurrence (``fold=0``).
- An interval ending at ``time(0)`` or ``time.max`` ends at midnight at the end of its day.
- Override kinds: ``holiday`` and ``day_off`` are days without work; ``working_day`` makes a
  day that would be off a working day, with ``saturday_hours`` or else Friday's hours;
  ``short_day`` is a working day whose last hour is cut (the working day before a public
  holiday, Labour Code art. 95). A ``short_day`` on a day that would be off is a shortened
  working day: the production calendar's working Saturday before a holiday.
- Tables are built per calendar year when a query first needs that year, and grow as later
  queries need; a table snapshot is immutable, so concurrent readers are safe.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import numpy as np

HOLIDAY = "holiday"
DAY_OFF = "day_off"
WORKING_DAY = "working_day"
SHORT_DAY = "short_day"
OVERRIDE_KINDS = frozenset({HOLIDAY, DAY_OFF, WORKING_DAY, SHORT_DAY})

DayHours = tuple[tuple[time, time], ...]
"""Working intervals of one day, as local ``(opening, closing)`` wall times."""

NINE_TO_SIX: DayHours = ((time(9), time(18)),)
DEFAULT_WEEKLY: Mapping[int, DayHours] = MappingProxyType({day: NINE_TO_SIX for day in range(5)})
"""The default department week (sla.md): Monday to Friday 09:00-18:00, no lunch break."""

SHORT_DAY_CUT_SECONDS = 3600
"""How much a ``short_day`` loses from the end of the day (Labour Code art. 95: one hour)."""

MAX_HORIZON_YEARS = 100
"""How far past a query the tables may grow looking for working time before giving up."""

_DAY_SECONDS = 86400
_NAIVE_MESSAGE = "business time needs timezone-aware datetimes; got a naive datetime"


def _seconds_of_day(value: time, *, closing: bool) -> int:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise ValueError(f"working hours are naive local times, not {value!r}")
    if closing and value in (time(0), time.max):
        return _DAY_SECONDS
    if value.microsecond:
        raise ValueError(f"working hours are whole seconds, not {value}")
    return value.hour * 3600 + value.minute * 60 + value.second


def _time_of_day(seconds: int) -> time:
    seconds %= _DAY_SECONDS
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _day_seconds(hours: DayHours, weekday: int) -> tuple[tuple[int, int], ...]:
    """Validate one day's intervals and return them as sorted ``(open, close)`` seconds."""
    result = []
    for interval in hours:
        opening, closing = interval
        start = _seconds_of_day(opening, closing=False)
        end = _seconds_of_day(closing, closing=True)
        if end <= start:
            raise ValueError(f"day {weekday}: interval {opening}-{closing} does not go forward")
        result.append((start, end))
    result.sort()
    for (_, previous_end), (start, _) in zip(result, result[1:], strict=False):
        if start < previous_end:
            raise ValueError(f"day {weekday}: working intervals overlap")
    return tuple(result)


def _shorten(intervals: tuple[tuple[int, int], ...], cut: int) -> tuple[tuple[int, int], ...]:
    """Remove ``cut`` seconds of working time from the end of the day."""
    kept = list(intervals)
    while cut > 0 and kept:
        start, end = kept[-1]
        if end - start > cut:
            kept[-1] = (start, end - cut)
            break
        cut -= end - start
        kept.pop()
    return tuple(kept)


@dataclass(frozen=True)
class CalendarSpec:
    """What a working calendar is: weekly hours, a time zone and per-date overrides.

    sla.md, "Business time": weekly intervals per weekday (0 = Monday), then the production
    calendar on top. ``overrides`` maps dates to one of `OVERRIDE_KINDS`. When ``data_years``
    is ``(first, last)``, the overrides are authoritative for those years only; for any other
    year the calendar asks ``fallback(year)`` for that year's overrides (Russian calendars use
    `soprovod.lib.prodcalendar.art112_overrides`), and explicit overrides in that year win
    over the fallback's. When ``data_years`` is None, the overrides are all there is.
    """

    tz: str = "Europe/Moscow"
    weekly: Mapping[int, DayHours] = field(default_factory=lambda: DEFAULT_WEEKLY)
    overrides: Mapping[date, str] = field(default_factory=dict)
    saturday_hours: DayHours | None = None
    data_years: tuple[int, int] | None = None
    fallback: Callable[[int], Mapping[date, str]] | None = None
    _weekly_seconds: tuple[tuple[tuple[int, int], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    _extra_seconds: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ZoneInfo(self.tz)  # an unknown zone fails here, not at the first query
        for weekday in self.weekly:
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")
        weekly_seconds = tuple(_day_seconds(self.weekly.get(day, ()), day) for day in range(7))
        for day, kind in self.overrides.items():
            _check_override(day, kind)
        if self.data_years is not None and self.data_years[0] > self.data_years[1]:
            raise ValueError(f"data_years {self.data_years} is not a (first, last) pair")
        if self.saturday_hours is not None:
            extra = _day_seconds(self.saturday_hours, 5)
        else:
            # A working Saturday gets Friday's hours (sla.md); a week without Friday hours
            # uses the nearest earlier weekday that has some.
            extra = next((hours for hours in weekly_seconds[4::-1] if hours), ())
        # Own copies, so a caller's later edits cannot change a built calendar; plain dicts
        # keep the spec picklable.
        object.__setattr__(self, "overrides", dict(self.overrides))
        object.__setattr__(self, "weekly", dict(self.weekly))
        object.__setattr__(self, "_weekly_seconds", weekly_seconds)
        object.__setattr__(self, "_extra_seconds", extra)

    @classmethod
    def always_on(cls, tz: str = "UTC") -> CalendarSpec:
        """A 24/7 calendar: every instant is working time (emergency first response, sla.md)."""
        return cls(tz=tz, weekly={day: ((time(0), time(0)),) for day in range(7)})

    @property
    def is_always_on(self) -> bool:
        """True when every instant is working time, so business time is elapsed time."""
        whole_day = ((0, _DAY_SECONDS),)
        return all(hours == whole_day for hours in self._weekly_seconds) and not (
            self.overrides or (self.data_years is not None and self.fallback is not None)
        )

    def overrides_for_year(self, year: int) -> dict[date, str]:
        """The overrides in force in ``year``: the data, or the fallback outside data_years."""
        explicit = {day: kind for day, kind in self.overrides.items() if day.year == year}
        if self.data_years is None or self.fallback is None:
            return explicit
        first, last = self.data_years
        if first <= year <= last:
            return explicit
        merged = {}
        for day, kind in self.fallback(year).items():
            _check_override(day, kind)
            merged[day] = kind
        merged.update(explicit)
        return merged

    def _seconds_on(self, day: date, kind: str | None) -> tuple[tuple[int, int], ...]:
        if kind in (HOLIDAY, DAY_OFF):
            return ()
        hours = self._weekly_seconds[day.weekday()]
        if kind is None:
            return hours
        if not hours:
            hours = self._extra_seconds
        if kind == SHORT_DAY:
            hours = _shorten(hours, SHORT_DAY_CUT_SECONDS)
        return hours

    def hours_on(self, day: date) -> DayHours:
        """The local working intervals of ``day`` after overrides (sla.md, "Business time").

        A closing time at midnight at the end of the day is returned as ``time(0)``.
        """
        kind = self.overrides_for_year(day.year).get(day)
        return tuple(
            (_time_of_day(start), _time_of_day(end)) for start, end in self._seconds_on(day, kind)
        )


def _check_override(day: object, kind: object) -> None:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValueError(f"override keys are dates, not {day!r}")
    if kind not in OVERRIDE_KINDS:
        raise ValueError(f"{day}: override kind must be one of {sorted(OVERRIDE_KINDS)}")


ALWAYS_ON = CalendarSpec.always_on()
"""The 24/7 calendar; `BusinessCalendar` answers it without tables."""


def _resolve(zone: ZoneInfo, day: date, seconds: int) -> int:
    """Epoch second of the wall time ``seconds`` after local midnight of ``day``.

    A wall time in a spring-forward gap moves forward to the end of the gap (the transition
    instant); an ambiguous one takes its first occurrence (``fold=0``).
    """
    if seconds >= _DAY_SECONDS:
        day += timedelta(days=seconds // _DAY_SECONDS)
        seconds %= _DAY_SECONDS
    wall = datetime(  # noqa: DTZ001 - a wall time, made aware just below
        day.year, day.month, day.day, seconds // 3600, seconds // 60 % 60, seconds % 60
    )
    instant = int(wall.replace(tzinfo=zone).timestamp())
    if datetime.fromtimestamp(instant, zone).replace(tzinfo=None) == wall:
        return instant
    # In a gap, fold=0 reads the wall time with the offset from before the transition, which
    # lands after it: search back for the transition, the first instant of the new offset.
    offset = datetime.fromtimestamp(instant, zone).utcoffset()
    before, after = instant - _DAY_SECONDS, instant
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after


class _Table:
    """One immutable snapshot of working intervals for local years ``first..last``.

    ``starts``/``ends`` are the intervals as epoch seconds, ``cum[i]`` the working seconds
    before interval ``i`` and ``cum_end[i]`` those up to its end. The scalar path bisects the
    float lists (float-to-float comparisons are the fastest), the batch path searches the
    int64 arrays.
    """

    __slots__ = (
        "first",
        "last",
        "lo",
        "hi",
        "starts",
        "ends",
        "cum",
        "cum_end",
        "np_starts",
        "np_ends",
        "np_cum",
        "np_cum_end",
        "hot",
    )

    def __init__(
        self, first: int, last: int, lo: int, hi: int, intervals: list[tuple[int, int]]
    ) -> None:
        self.first, self.last, self.lo, self.hi = first, last, lo, hi
        cum, cum_end = [], []
        total = 0
        for start, end in intervals:
            cum.append(total)
            total += end - start
            cum_end.append(total)
        self.np_starts = np.array([start for start, _ in intervals], dtype=np.int64)
        self.np_ends = np.array([end for _, end in intervals], dtype=np.int64)
        self.np_cum = np.array(cum, dtype=np.int64)
        self.np_cum_end = np.array(cum_end, dtype=np.int64)
        self.starts = [float(start) for start, _ in intervals]
        self.ends = [float(end) for _, end in intervals]
        self.cum = [float(value) for value in cum]
        self.cum_end = [float(value) for value in cum_end]
        # Everything the scalar hot path needs, unpacked in one step. add() may answer from
        # the table while start < last_end and the target is <= total; between() while both
        # ends are in [lo, hi).
        last_end = self.ends[-1] if intervals else float(lo)
        self.hot = (
            float(lo),
            float(hi),
            last_end,
            float(total),
            self.starts,
            self.ends,
            self.cum,
            self.cum_end,
        )

    def elapsed(self, instant: float) -> float:
        """Working seconds from ``lo`` to ``instant`` (``lo <= instant <= hi``)."""
        i = bisect_right(self.ends, instant)
        if i == len(self.ends):
            return self.cum_end[-1] if self.ends else 0.0
        return self.cum[i] + max(0.0, instant - self.starts[i])


_EMPTY_TABLE = _Table(0, -1, 0, 0, [])


def _to_seconds(minutes: float) -> int:
    seconds = minutes * 60 if isinstance(minutes, int) else round(minutes * 60)
    if seconds < 0:
        raise ValueError(f"business time to add must not be negative, got {minutes} minutes")
    return seconds


def _epoch(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError(_NAIVE_MESSAGE)
    return value.timestamp()


class BusinessCalendar:
    """Answers business-time questions for one `CalendarSpec` (sla.md, "Business time").

    Build one per calendar version and keep it (see `get_calendar`): its tables grow lazily
    and every later call reuses them. A 24/7 spec gets a table-free subclass.
    """

    def __new__(cls, spec: CalendarSpec) -> BusinessCalendar:
        if cls is BusinessCalendar and spec.is_always_on:
            cls = _AlwaysOnCalendar
        return super().__new__(cls)

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self._zone = ZoneInfo(spec.tz)
        self._years: dict[int, list[tuple[int, int]]] = {}
        self._lock = threading.Lock()
        self._table = _EMPTY_TABLE
        self._hot = _EMPTY_TABLE.hot
        self._working_days: dict[int, frozenset[date]] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec!r}>"

    # -- tables ---------------------------------------------------------------------------

    def _year_intervals(self, year: int) -> list[tuple[int, int]]:
        intervals = self._years.get(year)
        if intervals is None:
            spec, zone = self.spec, self._zone
            overrides = spec.overrides_for_year(year)
            intervals = []
            day = date(year, 1, 1)
            one_day = timedelta(days=1)
            while day.year == year:
                for start, end in spec._seconds_on(day, overrides.get(day)):
                    opening, closing = _resolve(zone, day, start), _resolve(zone, day, end)
                    if opening < closing:
                        intervals.append((opening, closing))
                day += one_day
            self._years[year] = intervals
        return intervals

    def _grow(self, instant: float, *, forward: bool = False) -> _Table:
        """Cover the local year of ``instant`` (and two more years past the end if forward)."""
        with self._lock:
            table = self._table
            year = datetime.fromtimestamp(instant, self._zone).year
            if table is _EMPTY_TABLE:
                first, last = year - 1, year + 1
            else:
                first, last = min(table.first, year - 1), max(table.last, year + 1)
                if forward and (first, last) == (table.first, table.last):
                    last += 2
            if last > year + MAX_HORIZON_YEARS:
                raise ValueError(
                    f"the calendar has no working time within {MAX_HORIZON_YEARS} years"
                )
            if (first, last) != (table.first, table.last):
                intervals: list[tuple[int, int]] = []
                for each in range(first, last + 1):
                    intervals.extend(self._year_intervals(each))
                lo = _resolve(self._zone, date(first, 1, 1), 0)
                hi = _resolve(self._zone, date(last + 1, 1, 1), 0)
                table = _Table(first, last, lo, hi, intervals)
                self._table = table
                self._hot = table.hot
            return table

    def _cover(self, low: float, high: float) -> _Table:
        """A table snapshot covering ``[low, high]``."""
        table = self._table
        while not (table.lo <= low and high < table.hi):
            below = low < table.lo or table is _EMPTY_TABLE
            table = self._grow(low if below else high)
        return table

    # -- epoch-second core ----------------------------------------------------------------

    def add_epoch(self, start: float, seconds: int) -> float:
        """`add_seconds` on epoch seconds: the epoch second the due time falls on."""
        if seconds < 0:
            raise ValueError(f"business time to add must not be negative, got {seconds} s")
        t = start
        table = self._cover(t, t)
        while True:
            starts, ends, cum, cum_end = table.starts, table.ends, table.cum, table.cum_end
            i = bisect_right(ends, t)
            if i < len(ends):
                opening = starts[i]
                if t < opening:
                    t = opening
                if not seconds:
                    return t
                target = cum[i] + (t - opening) + seconds
                j = bisect_left(cum_end, target, i)
                if j < len(cum_end):
                    return starts[j] + (target - cum[j])
            # The due time lies past the table: grow it forward. The same start keeps the
            # same index, since growing forward only appends.
            table = self._grow(t, forward=True)

    def between_epoch(self, a: float, b: float) -> float:
        """`between_seconds` on epoch seconds (fractions of a second kept)."""
        if b <= a:
            return 0.0
        table = self._cover(a, b)
        return table.elapsed(b) - table.elapsed(a)

    def is_working_epoch(self, instant: float) -> bool:
        """`is_working` on an epoch second."""
        table = self._cover(instant, instant)
        i = bisect_right(table.ends, instant)
        return i < len(table.ends) and table.starts[i] <= instant

    # -- datetimes ------------------------------------------------------------------------

    def add(self, start: datetime, minutes: float) -> datetime:
        """The earliest instant at which ``minutes`` business minutes have elapsed since start.

        sla.md, "Business time": a start outside working hours counts from the next working
        instant; ``add(start, 0)`` is start moved to the next working instant (start itself
        inside working time); a due time landing exactly on closing time is that closing time,
        not the next opening. Exact to the second; fractional minutes are rounded to the
        second. Returns an aware datetime in UTC; a naive start raises ValueError.
        """
        if start.tzinfo is None:
            raise ValueError(_NAIVE_MESSAGE)
        seconds = minutes * 60 if type(minutes) is int else _to_seconds(minutes)
        t = start.timestamp()
        # The common case inline: one snapshot, two bisects, no datetime arithmetic.
        lo, _, last_end, total, starts, ends, cum, cum_end = self._hot
        if lo <= t < last_end and seconds > 0:
            i = bisect_right(ends, t)
            opening = starts[i]
            if t < opening:
                t = opening
            target = cum[i] + (t - opening) + seconds
            if target <= total:
                j = bisect_left(cum_end, target, i)
                return datetime.fromtimestamp(starts[j] + (target - cum[j]), UTC)
        return datetime.fromtimestamp(self.add_epoch(t, seconds), UTC)

    def add_seconds(self, start: datetime, seconds: int) -> datetime:
        """`add` with the business time in whole seconds (sla.md, "Business time")."""
        if start.tzinfo is None:
            raise ValueError(_NAIVE_MESSAGE)
        return datetime.fromtimestamp(self.add_epoch(start.timestamp(), seconds), UTC)

    def between(self, a: datetime, b: datetime) -> float:
        """Business minutes in ``[a, b)``; zero when ``b <= a`` (sla.md, "Business time").

        Exact to the second (a whole number of seconds divided by 60 for whole-second inputs).
        Naive datetimes raise ValueError.
        """
        if a.tzinfo is None or b.tzinfo is None:
            raise ValueError(_NAIVE_MESSAGE)
        ta = a.timestamp()
        tb = b.timestamp()
        if tb <= ta:
            return 0.0
        lo, hi, last_end, total, starts, ends, cum, _ = self._hot
        if lo <= ta and tb < hi:
            # elapsed(x) = working seconds from lo to x, inline for both ends.
            if tb >= last_end:
                elapsed_b = total
                i = len(ends)
            else:
                i = bisect_right(ends, tb)
                opening = starts[i]
                elapsed_b = cum[i] + (tb - opening if tb > opening else 0.0)
            if ta >= last_end:
                return (elapsed_b - total) / 60
            j = bisect_right(ends, ta, 0, i)
            opening = starts[j]
            return (elapsed_b - cum[j] - (ta - opening if ta > opening else 0.0)) / 60
        return self.between_epoch(ta, tb) / 60

    def between_seconds(self, a: datetime, b: datetime) -> int:
        """Business seconds in ``[a, b)``, fractions of a second dropped; zero when b <= a."""
        return int(self.between_epoch(_epoch(a), _epoch(b)))

    def is_working(self, instant: datetime) -> bool:
        """Whether ``instant`` is working time (intervals are ``[opening, closing)``)."""
        return self.is_working_epoch(_epoch(instant))

    def next_working_instant(self, instant: datetime) -> datetime:
        """``instant`` itself inside working time, else the next opening (= ``add(t, 0)``)."""
        return datetime.fromtimestamp(self.add_epoch(_epoch(instant), 0), UTC)

    # -- working days -----------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` has any working time after overrides (a holiday has none)."""
        days = self._working_days.get(day.year)
        if days is None:
            overrides = self.spec.overrides_for_year(day.year)
            days = frozenset(
                each
                for each in (date(day.year, 1, 1) + timedelta(n) for n in range(366))
                if each.year == day.year and self.spec._seconds_on(each, overrides.get(each))
            )
            self._working_days[day.year] = days
        return day in days

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        for offset in range(366 * MAX_HORIZON_YEARS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"the calendar has no working day within {MAX_HORIZON_YEARS} years")

    def add_working_days(self, start: date, days: int) -> date:
        """The last day of a span of ``days`` working days (at least one) that begins on the
        first working day on or after ``start``: a plan's end date for a stage that lasts
        ``days`` working days on this calendar (holidays and days off are skipped)."""
        if days < 1:
            raise ValueError(f"a span lasts at least one working day, not {days}")
        day = self.next_working_day(start)
        for _ in range(days - 1):
            day = self.next_working_day(day + timedelta(days=1))
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days lie in ``[first, last]`` (0 when ``last < first``)."""
        count = 0
        day = first
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    # -- batches --------------------------------------------------------------------------

    def add_many(self, starts_epoch: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """`add_epoch` over arrays: due epoch seconds for many starts at once.

        For recomputing open tickets' due times after a calendar edit (sla.md,
        "Recalculation"). ``starts_epoch`` and ``seconds`` broadcast against each other;
        integer inputs give an int64 result.
        """
        t, s = np.broadcast_arrays(np.asarray(starts_epoch), np.asarray(seconds))
        if t.size == 0:
            return t + s
        if (s < 0).any():
            raise ValueError("business time to add must not be negative")
        low, high = float(t.min()), float(t.max())
        table = self._cover(low, high)
        while True:
            n = len(table.ends)
            i = np.searchsorted(table.np_ends, t, side="right")
            if n and i.max() < n:
                opening = table.np_starts[i]
                moved = np.maximum(t, opening)
                target = table.np_cum[i] + (moved - opening) + s
                j = np.searchsorted(table.np_cum_end, target, side="left")
                if j.max() < n:
                    due = table.np_starts[j] + (target - table.np_cum[j])
                    return np.where(s == 0, moved, due)
            table = self._grow(high, forward=True)

    def between_many(self, a_epoch: np.ndarray, b_epoch: np.ndarray) -> np.ndarray:
        """`between_epoch` over arrays: business seconds in each ``[a, b)``, 0 when b <= a."""
        a, b = np.broadcast_arrays(np.asarray(a_epoch), np.asarray(b_epoch))
        if a.size == 0:
            return b - a
        table = self._cover(float(min(a.min(), b.min())), float(max(a.max(), b.max())))
        elapsed = self._elapsed_many
        return np.where(b > a, elapsed(table, b) - elapsed(table, a), 0)

    @staticmethod
    def _elapsed_many(table: _Table, x: np.ndarray) -> np.ndarray:
        n = len(table.ends)
        if not n:
            return np.zeros_like(x)
        i = np.searchsorted(table.np_ends, x, side="right")
        k = np.minimum(i, n - 1)
        inside = table.np_cum[k] + np.maximum(x - table.np_starts[k], 0)
        return np.where(i == n, table.np_cum_end[-1], inside)


class _AlwaysOnCalendar(BusinessCalendar):
    """The 24/7 calendar: business time is elapsed time, no tables needed."""

    def add_epoch(self, start: float, seconds: int) -> float:
        if seconds < 0:
            raise ValueError(f"business time to add must not be negative, got {seconds} s")
        return start + seconds

    def between_epoch(self, a: float, b: float) -> float:
        return b - a if b > a else 0.0

    def is_working_epoch(self, instant: float) -> bool:
        return True

    def add(self, start: datetime, minutes: float) -> datetime:
        if start.tzinfo is None:
            raise ValueError(_NAIVE_MESSAGE)
        return datetime.fromtimestamp(start.timestamp() + _to_seconds(minutes), UTC)

    def between(self, a: datetime, b: datetime) -> float:
        return self.between_epoch(_epoch(a), _epoch(b)) / 60

    def add_many(self, starts_epoch: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        t, s = np.broadcast_arrays(np.asarray(starts_epoch), np.asarray(seconds))
        if (s < 0).any():
            raise ValueError("business time to add must not be negative")
        return t + s

    def between_many(self, a_epoch: np.ndarray, b_epoch: np.ndarray) -> np.ndarray:
        a, b = np.broadcast_arrays(np.asarray(a_epoch), np.asarray(b_epoch))
        return np.where(b > a, b - a, 0)


_CACHE: dict[Hashable, tuple[Hashable, BusinessCalendar]] = {}


def get_calendar(
    calendar_id: Hashable, version: Hashable, spec_factory: Callable[[], CalendarSpec]
) -> BusinessCalendar:
    """The cached `BusinessCalendar` for ``calendar_id`` at ``version``.

    A calendar edit bumps its version (architecture: "a calendar edit bumps the version and
    recomputes open clocks"); a call with a new version builds the calendar again from
    ``spec_factory()`` and replaces the old one. One entry per calendar id, per process.
    """
    entry = _CACHE.get(calendar_id)
    if entry is not None and entry[0] == version:
        return entry[1]
    calendar = BusinessCalendar(spec_factory())
    _CACHE[calendar_id] = (version, calendar)
    return calendar


def clear_calendar_cache() -> None:
    """Forget every cached calendar (tests, or after restoring a backup)."""
    _CACHE.clear()
