"""Business-time arithmetic (sla.md, "Business time").

Property tests compare `BusinessCalendar` with `Reference`, a slow model that walks time
minute by minute and asks of every instant whether it is working; hand-written cases pin the
rules and the Russian calendar's transfers and short days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from soprovod.lib import businesstime
from soprovod.lib.businesstime import (
    ALWAYS_ON,
    BusinessCalendar,
    CalendarSpec,
    get_calendar,
)
from soprovod.lib.prodcalendar import ru_spec

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.fixture(scope="module")
def ru() -> BusinessCalendar:
    return BusinessCalendar(ru_spec())


# -- the slow reference -------------------------------------------------------------------


def _toy_fallback(year: int) -> dict[date, str]:
    """A fallback with every kind, for calendars whose data stops at a year end."""
    return {
        date(year, 1, 1): "holiday",
        date(year, 1, 2): "short_day",
        date(year, 1, 3): "working_day",
        date(year, 12, 31): "day_off",
    }


class Reference:
    """Obviously correct, slow business time.

    It works in wall-clock minutes of each local day, resolves each working interval's ends
    to instants one candidate at a time, and then walks time minute by minute. Every interval
    boundary of the generated calendars falls on a whole minute, so whether an instant is
    working is constant within each minute.
    """

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.tz)
        self.instants_memo: dict[date, list[tuple[int, int]]] = {}

    def kind(self, day: date) -> str | None:
        spec = self.spec
        explicit = {d: k for d, k in spec.overrides.items() if d.year == day.year}
        if spec.data_years is not None and spec.fallback is not None:
            first, last = spec.data_years
            if not first <= day.year <= last:
                explicit = {**spec.fallback(day.year), **explicit}
        return explicit.get(day)

    @staticmethod
    def minutes(hours) -> list[int]:
        result = []
        for opening, closing in hours:
            start = opening.hour * 60 + opening.minute
            end = 1440 if closing == time(0) else closing.hour * 60 + closing.minute
            result.extend(range(start, end))
        return sorted(result)

    def wall_minutes(self, day: date) -> list[int]:
        """The working minutes of the day's wall clock, after the override of the day."""
        kind = self.kind(day)
        if kind in ("holiday", "day_off"):
            return []
        minutes = self.minutes(self.spec.weekly.get(day.weekday(), ()))
        if kind in ("working_day", "short_day") and not minutes:
            if self.spec.saturday_hours is not None:
                minutes = self.minutes(self.spec.saturday_hours)
            else:
                # Friday's hours, or the nearest earlier weekday that has hours.
                for weekday in (4, 3, 2, 1, 0):
                    minutes = self.minutes(self.spec.weekly.get(weekday, ()))
                    if minutes:
                        break
        if kind == "short_day":
            minutes = minutes[:-60]
        return minutes

    def resolve(self, wall: datetime) -> int:
        """The first instant showing ``wall`` on the clock, or the first one after a gap."""
        candidates = {int(wall.replace(tzinfo=self.zone, fold=fold).timestamp()) for fold in (0, 1)}
        shown = [
            c
            for c in candidates
            if datetime.fromtimestamp(c, self.zone).replace(tzinfo=None) == wall
        ]
        if shown:
            return min(shown)
        instant = min(candidates)
        while datetime.fromtimestamp(instant, self.zone).replace(tzinfo=None) < wall:
            instant += 1
        return instant

    def instants(self, day: date) -> list[tuple[int, int]]:
        if day not in self.instants_memo:
            runs: list[list[int]] = []
            for minute in self.wall_minutes(day):
                if runs and runs[-1][1] == minute:
                    runs[-1][1] = minute + 1
                else:
                    runs.append([minute, minute + 1])
            midnight = datetime(day.year, day.month, day.day)
            resolved = []
            for start, end in runs:
                opening = self.resolve(midnight + timedelta(minutes=start))
                closing = self.resolve(midnight + timedelta(minutes=end))
                assert opening % 60 == 0 and closing % 60 == 0
                resolved.append((opening, closing))
            self.instants_memo[day] = resolved
        return self.instants_memo[day]

    def is_working(self, instant: int) -> bool:
        day = datetime.fromtimestamp(instant, self.zone).date()
        for near in (day - timedelta(days=1), day, day + timedelta(days=1)):
            for opening, closing in self.instants(near):
                if opening <= instant < closing:
                    return True
        return False

    def add(self, start: int, seconds: int, limit_days: int = 60) -> int:
        instant, remaining = start, seconds
        while True:
            assert instant - start < limit_days * 86400, "reference walked too far"
            minute_end = instant - instant % 60 + 60
            if self.is_working(instant):
                if remaining == 0:
                    return instant
                if minute_end - instant >= remaining:
                    return instant + remaining
                remaining -= minute_end - instant
            instant = minute_end

    def between(self, a: int, b: int) -> int:
        total, instant = 0, a
        while instant < b:
            minute_end = min(instant - instant % 60 + 60, b)
            if self.is_working(instant):
                total += minute_end - instant
            instant = minute_end
        return total


# -- random calendars ---------------------------------------------------------------------

ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York"]
# Around DST changes (Berlin, New York), year ends and a leap day.
ANCHORS = [
    date(2025, 3, 30),
    date(2025, 10, 26),
    date(2025, 3, 9),
    date(2025, 11, 2),
    date(2024, 12, 31),
    date(2025, 12, 31),
    date(2024, 2, 29),
    date(2026, 3, 29),
]
GRID = list(range(0, 1441, 30))  # half-hour wall-clock points; 1440 = end of day
# Wall times that DST skips or repeats in Berlin and New York, drawn more often.
DST_POINTS = [60, 90, 120, 150, 180]
# The strategies are built once, not at every draw: a strategy is validated when first drawn
# from, and re-building them made validation a quarter of these tests' time. Same draws.
_POINT = st.sampled_from(GRID) | st.sampled_from(DST_POINTS)
_POINTS = {count: st.sets(_POINT, min_size=2 * count, max_size=2 * count) for count in range(4)}
_COUNTS = {low: st.integers(low, 3) for low in range(2)}
_KINDS = st.sampled_from(sorted(businesstime.OVERRIDE_KINDS))
_OVERRIDES = st.dictionaries(st.integers(-10, 10), _KINDS, max_size=8)


@st.composite
def day_hours(draw, min_intervals: int = 0):
    count = draw(_COUNTS[min_intervals])
    points = sorted(draw(_POINTS[count]))

    def as_time(minute: int) -> time:
        return time(0) if minute == 1440 else time(minute // 60, minute % 60)

    return tuple((as_time(points[k]), as_time(points[k + 1])) for k in range(0, len(points), 2))


_ANY_DAY = day_hours()
_WORKING_DAY = day_hours(min_intervals=1)
_SATURDAY = st.none() | _WORKING_DAY
_ANCHOR = st.sampled_from(ANCHORS)
_WEEKDAY = st.integers(0, 6)
_ZONE = st.sampled_from(ZONES)
_SHIFT = st.integers(-4 * 86400, 4 * 86400)


@st.composite
def calendars(draw):
    anchor = draw(_ANCHOR)
    weekly = {weekday: draw(_ANY_DAY) for weekday in range(7)}
    weekly[draw(_WEEKDAY)] = draw(_WORKING_DAY)
    # Enough working time that the reference's walks stay short.
    assume(sum(len(Reference.minutes(hours)) for hours in weekly.values()) >= 10 * 60)
    overrides = {anchor + timedelta(days=offset): kind for offset, kind in draw(_OVERRIDES).items()}
    with_fallback = draw(st.booleans())
    spec = CalendarSpec(
        tz=draw(_ZONE),
        weekly=weekly,
        overrides=overrides,
        saturday_hours=draw(_SATURDAY),
        data_years=(anchor.year, anchor.year) if with_fallback else None,
        fallback=_toy_fallback if with_fallback else None,
    )
    return spec, anchor


_CALENDARS = calendars()


@st.composite
def cases(draw):
    spec, anchor = draw(_CALENDARS)
    midnight = datetime(anchor.year, anchor.month, anchor.day, tzinfo=ZoneInfo(spec.tz))
    start = int(midnight.timestamp()) + draw(_SHIFT)
    return spec, start


PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@PROPERTY_SETTINGS
@given(case=cases(), minutes=st.integers(0, 600), extra_seconds=st.integers(0, 59))
def test_add_matches_the_reference(case, minutes, extra_seconds):
    spec, start = case
    calendar, reference = BusinessCalendar(spec), Reference(spec)
    seconds = minutes * 60 + extra_seconds
    expected = reference.add(start, seconds)
    assert calendar.add_seconds(utc(start), seconds) == utc(expected)
    if not extra_seconds:
        assert calendar.add(utc(start), minutes) == utc(expected)


@PROPERTY_SETTINGS
@given(case=cases(), length=st.integers(-3600, 3 * 86400))
def test_between_matches_the_reference(case, length):
    spec, start = case
    calendar, reference = BusinessCalendar(spec), Reference(spec)
    expected = reference.between(start, start + length)
    assert calendar.between_seconds(utc(start), utc(start + length)) == expected
    assert calendar.between(utc(start), utc(start + length)) == expected / 60


@PROPERTY_SETTINGS
@given(case=cases(), minutes=st.integers(0, 3000))
def test_between_undoes_add(case, minutes):
    spec, start = case
    calendar = BusinessCalendar(spec)
    assert calendar.between(utc(start), calendar.add(utc(start), minutes)) == minutes


@PROPERTY_SETTINGS
@given(
    case=cases(),
    later_by=st.integers(0, 3 * 86400),
    minutes=st.integers(0, 2000),
    more=st.integers(0, 2000),
)
def test_add_is_monotonic_in_start_and_minutes(case, later_by, minutes, more):
    spec, start = case
    calendar = BusinessCalendar(spec)
    due = calendar.add(utc(start), minutes)
    assert due <= calendar.add(utc(start + later_by), minutes)
    assert due <= calendar.add(utc(start), minutes + more)


@PROPERTY_SETTINGS
@given(case=cases(), minutes=st.integers(1, 2000))
def test_add_zero_moves_to_next_working_instant_and_due_may_be_closing_time(case, minutes):
    spec, start = case
    calendar = BusinessCalendar(spec)
    moved = calendar.add(utc(start), 0)
    assert calendar.next_working_instant(utc(start)) == moved
    assert calendar.is_working(moved)
    if calendar.is_working(utc(start)):
        assert moved == utc(start)
    else:
        assert calendar.between(utc(start), moved) == 0
    due = calendar.add(utc(start), minutes)
    if not calendar.is_working(due):
        # Only a closing time: the second before it is working.
        assert calendar.is_working(due - timedelta(seconds=1))


@settings(max_examples=50, deadline=None)
@given(case=cases(), data=st.data())
def test_batch_matches_scalar(case, data):
    spec, start = case
    calendar = BusinessCalendar(spec)
    offsets = data.draw(st.lists(st.integers(0, 5 * 86400), min_size=1, max_size=20))
    seconds = data.draw(
        st.lists(st.integers(0, 40 * 3600), min_size=len(offsets), max_size=len(offsets))
    )
    starts = np.array([start + offset for offset in offsets], dtype=np.int64)
    durations = np.array(seconds, dtype=np.int64)
    due = calendar.add_many(starts, durations)
    assert due.dtype == np.int64
    assert [int(x) for x in due] == [
        int(calendar.add_seconds(utc(int(s)), int(d)).timestamp())
        for s, d in zip(starts, durations, strict=True)
    ]
    ends = starts + durations
    assert list(calendar.between_many(starts, ends)) == [
        calendar.between_seconds(utc(int(a)), utc(int(b)))
        for a, b in zip(starts, ends, strict=True)
    ]


# -- the rules, by hand -------------------------------------------------------------------


def test_due_time_landing_on_closing_time_is_closing_time(ru):
    assert ru.add(msk(2025, 5, 5, 17, 0), 60) == msk(2025, 5, 5, 18, 0)
    assert ru.add(msk(2025, 5, 5, 9, 0), 9 * 60) == msk(2025, 5, 5, 18, 0)


def test_closing_time_itself_is_not_working_time(ru):
    assert ru.is_working(msk(2025, 5, 5, 17, 59, 59))
    assert not ru.is_working(msk(2025, 5, 5, 18, 0))
    assert ru.add(msk(2025, 5, 5, 18, 0), 0) == msk(2025, 5, 6, 9, 0)
    assert ru.add(msk(2025, 5, 5, 18, 0), 1) == msk(2025, 5, 6, 9, 1)


def test_add_zero_inside_working_time_is_the_start_itself(ru):
    assert ru.add(msk(2025, 5, 5, 10, 17, 42), 0) == msk(2025, 5, 5, 10, 17, 42)


def test_start_before_opening_counts_from_opening(ru):
    assert ru.add(msk(2025, 5, 5, 3, 0), 15) == msk(2025, 5, 5, 9, 15)


def test_results_are_utc_and_naive_input_is_refused(ru):
    due = ru.add(msk(2025, 5, 5, 10, 0), 60)
    assert due.tzinfo is UTC
    assert due == datetime(2025, 5, 5, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        ru.add(datetime(2025, 5, 5, 10, 0), 60)
    with pytest.raises(ValueError, match="timezone-aware"):
        ru.between(datetime(2025, 5, 5, 10, 0), msk(2025, 5, 6))


def test_negative_business_time_is_refused(ru):
    with pytest.raises(ValueError, match="negative"):
        ru.add(msk(2025, 5, 5, 10, 0), -1)


def test_between_is_zero_when_the_end_is_not_after_the_start(ru):
    assert ru.between(msk(2025, 5, 5, 12, 0), msk(2025, 5, 5, 12, 0)) == 0
    assert ru.between(msk(2025, 5, 5, 12, 0), msk(2025, 5, 5, 11, 0)) == 0


def test_input_time_zone_does_not_matter(ru):
    start = msk(2025, 5, 5, 16, 0)
    assert ru.add(start.astimezone(NEW_YORK), 240) == ru.add(start, 240)


def test_sub_second_start_keeps_its_fraction(ru):
    start = msk(2025, 5, 5, 10, 0, 0).replace(microsecond=250000)
    assert ru.add(start, 60) == msk(2025, 5, 5, 11, 0).replace(microsecond=250000)


def test_fractional_minutes_round_to_the_second(ru):
    assert ru.add(msk(2025, 5, 5, 10, 0), 1.5) == msk(2025, 5, 5, 10, 1, 30)
    assert ru.between(msk(2025, 5, 5, 10, 0), msk(2025, 5, 5, 10, 1, 30)) == 1.5


def test_lunch_break_is_skipped():
    lunch = ((time(9), time(13)), (time(14), time(18)))
    calendar = BusinessCalendar(ru_spec(hours=lunch))
    assert calendar.add(msk(2025, 5, 5, 12, 30), 60) == msk(2025, 5, 5, 14, 30)
    assert calendar.add(msk(2025, 5, 5, 12, 0), 60) == msk(2025, 5, 5, 13, 0)
    assert calendar.between(msk(2025, 5, 5), msk(2025, 5, 6)) == 8 * 60
    # A short day loses its last hour, after lunch.
    assert calendar.spec.hours_on(date(2025, 4, 30)) == (
        (time(9), time(13)),
        (time(14), time(17)),
    )


# -- the Russian calendar ------------------------------------------------------------------


def test_standard_resolution_from_a_transferred_day_off_2025(ru):
    # Friday 2 May 2025 is a day off (from 4 January): the 24 business hours start on Monday.
    assert ru.add(msk(2025, 5, 2, 10, 0), 24 * 60) == msk(2025, 5, 7, 15, 0)


def test_short_day_before_may_holidays_2025(ru):
    # 30 April 2025 ends at 17:00; 1-4 May off; 5 and 6 May full days.
    assert ru.add(msk(2025, 4, 30, 10, 0), 24 * 60) == msk(2025, 5, 6, 17, 0)
    assert ru.add(msk(2025, 4, 30, 16, 0), 60) == msk(2025, 4, 30, 17, 0)
    assert ru.add(msk(2025, 4, 30, 16, 0), 61) == msk(2025, 5, 5, 9, 1)


def test_february_and_march_holidays_were_moved_to_may_and_june_2025(ru):
    # Decree 1335: Sunday 23 Feb -> Thursday 8 May, Saturday 8 Mar -> Friday 13 June.
    assert ru.is_working(msk(2025, 2, 24, 10, 0))
    assert ru.is_working(msk(2025, 3, 10, 10, 0))
    assert not ru.is_working(msk(2025, 5, 8, 10, 0))
    assert not ru.is_working(msk(2025, 6, 13, 10, 0))
    assert ru.add(msk(2025, 5, 7, 17, 0), 4 * 60) == msk(2025, 5, 12, 12, 0)


def test_working_saturday_before_unity_day_is_short_2025(ru):
    # Saturday 1 Nov 2025 works 09:00-17:00; 2-4 Nov off.
    assert ru.add(msk(2025, 10, 31, 17, 0), 4 * 60) == msk(2025, 11, 1, 12, 0)
    assert ru.between(msk(2025, 11, 1), msk(2025, 11, 5)) == 8 * 60
    assert ru.add(msk(2025, 11, 1, 16, 30), 60) == msk(2025, 11, 5, 9, 30)


def test_new_year_holidays_across_the_year_end_2025_2026(ru):
    # 31 Dec 2025 is a day off (from 5 Jan); 1-11 Jan 2026 off (9 Jan from 3 Jan).
    assert ru.add(msk(2025, 12, 30, 17, 0), 4 * 60) == msk(2026, 1, 12, 12, 0)
    assert ru.between(msk(2025, 12, 29), msk(2026, 1, 13)) == 2 * 9 * 60 + 9 * 60


def test_ticket_created_on_a_holiday(ru):
    assert ru.add(msk(2026, 1, 7, 12, 0), 15) == msk(2026, 1, 12, 9, 15)
    assert ru.between(msk(2026, 1, 7, 12, 0), msk(2026, 1, 12, 9, 15)) == 15


def test_march_and_may_transfers_and_short_days_2026(ru):
    # Sunday 8 Mar 2026 -> Monday 9 Mar off; Friday 6 Mar is not short (7 Mar is no holiday).
    assert ru.add(msk(2026, 3, 6, 16, 0), 4 * 60) == msk(2026, 3, 10, 11, 0)
    # Friday 8 May 2026 is short (9 May is Saturday); Monday 11 May off.
    assert ru.add(msk(2026, 5, 8, 15, 0), 4 * 60) == msk(2026, 5, 12, 11, 0)
    # 3 Nov 2026 is short, 4 Nov a holiday.
    assert ru.add(msk(2026, 11, 3, 16, 0), 2 * 60) == msk(2026, 11, 5, 10, 0)


def test_standard_ceiling_against_business_target_2026(ru):
    created = msk(2026, 4, 29, 12, 0)
    target = ru.add(created, 24 * 60)
    # 29 Apr 6 h, 30 Apr short 8 h, 1-3 May off, 4 May 9 h -> 1 h left on 5 May.
    assert target == msk(2026, 5, 5, 10, 0)
    assert target > created + timedelta(days=5)  # the 5-calendar-day ceiling comes first


# -- time zones with DST -------------------------------------------------------------------


def test_intervals_follow_the_wall_clock_across_dst():
    spec = CalendarSpec(tz="Europe/Berlin", weekly={d: ((time(9), time(17)),) for d in range(7)})
    calendar = BusinessCalendar(spec)
    day = datetime(2025, 3, 30, tzinfo=BERLIN)
    assert calendar.add(day.replace(hour=9), 8 * 60) == day.replace(hour=17)
    assert calendar.between(day, day + timedelta(days=1)) == 8 * 60


def test_nonexistent_opening_moves_forward_and_ambiguous_takes_first_occurrence():
    spec = CalendarSpec(
        tz="Europe/Berlin",
        weekly={d: ((time(2, 30), time(5)), (time(22), time(0))) for d in range(7)},
    )
    calendar = BusinessCalendar(spec)
    gap_day = datetime(2025, 3, 30, tzinfo=BERLIN)
    # 02:30 does not exist on 30 March: work starts at 03:00 CEST.
    assert calendar.add(gap_day, 0) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert calendar.between(gap_day, gap_day.replace(hour=12)) == 120
    fall_day = datetime(2025, 10, 26, tzinfo=BERLIN)
    # 02:30 happens twice on 26 October: work starts at the first, 02:30 CEST (00:30 UTC),
    # so the morning lasts 3 h 30 min of real time.
    assert calendar.add(fall_day, 0) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert calendar.between(fall_day, fall_day.replace(hour=12)) == 210


def test_24_7_calendar_is_elapsed_time_even_across_dst():
    calendar = BusinessCalendar(ALWAYS_ON)
    start = datetime(2025, 3, 30, 1, 30, tzinfo=BERLIN)  # 30 min before the clocks jump
    assert calendar.add(start, 15) == datetime(2025, 3, 30, 0, 45, tzinfo=UTC)
    assert calendar.add(start, 60) == datetime(2025, 3, 30, 3, 30, tzinfo=BERLIN)
    assert calendar.between(start, datetime(2025, 3, 30, 6, 30, tzinfo=BERLIN)) == 4 * 60
    assert calendar.is_working(start)
    berlin_24_7 = BusinessCalendar(CalendarSpec.always_on("Europe/Berlin"))
    assert berlin_24_7.between(start, datetime(2025, 3, 30, 6, 30, tzinfo=BERLIN)) == 4 * 60
    assert berlin_24_7.add(start, 0) == start
    many = berlin_24_7.add_many(np.array([0, 100]), np.array([60, 0]))
    assert list(many) == [60, 100]


def test_round_the_clock_calendar_with_a_holiday_uses_tables():
    spec = CalendarSpec(
        tz="Europe/Moscow",
        weekly={d: ((time(0), time(0)),) for d in range(7)},
        overrides={date(2026, 1, 1): "holiday"},
    )
    calendar = BusinessCalendar(spec)
    assert calendar.add(msk(2025, 12, 31, 23, 0), 120) == msk(2026, 1, 2, 1, 0)
    assert calendar.between(msk(2025, 12, 31), msk(2026, 1, 3)) == 2 * 24 * 60


# -- tables, batches, cache ----------------------------------------------------------------


def test_tables_grow_for_far_dates_and_long_horizons(ru):
    # Ten years of business hours from 2024 lands in the fallback years, still exact.
    start = msk(2024, 1, 9, 9, 0)
    due = ru.add(start, 10 * 1979 * 60)
    assert ru.between(start, due) == 10 * 1979 * 60
    assert ru.add(msk(1999, 6, 1, 10, 0), 60) == msk(1999, 6, 1, 11, 0)


def test_calendar_without_working_time_says_so():
    calendar = BusinessCalendar(CalendarSpec(weekly={}))
    assert calendar.between(msk(2025, 1, 1), msk(2026, 1, 1)) == 0
    with pytest.raises(ValueError, match="no working time"):
        calendar.add(msk(2025, 1, 1), 1)


def test_batch_recompute_matches_scalar_on_the_russian_calendar(ru):
    rng = np.random.default_rng(7)
    low = int(msk(2024, 1, 1).timestamp())
    high = int(msk(2027, 1, 1).timestamp())
    starts = rng.integers(low, high, 2000)
    seconds = rng.integers(0, 48 * 3600, 2000)
    due = ru.add_many(starts, seconds)
    for start, duration, expected in zip(starts[:300], seconds[:300], due[:300], strict=True):
        assert ru.add_seconds(utc(int(start)), int(duration)).timestamp() == expected
    assert (ru.between_many(starts, due) == seconds).all()
    assert list(ru.between_many(np.array([10, 5]), np.array([5, 5]))) == [0, 0]
    assert ru.add_many(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).size == 0


def test_cache_rebuilds_when_the_version_changes():
    businesstime.clear_calendar_cache()
    built = []

    def factory() -> CalendarSpec:
        built.append(1)
        return CalendarSpec()

    first = get_calendar("department", 1, factory)
    assert get_calendar("department", 1, factory) is first
    second = get_calendar("department", 2, factory)
    assert second is not first
    assert len(built) == 2
    businesstime.clear_calendar_cache()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weekly": {7: ((time(9), time(18)),)}},
        {"weekly": {0: ((time(18), time(9)),)}},
        {"weekly": {0: ((time(9), time(13)), (time(12), time(18)))}},
        {"overrides": {date(2025, 1, 1): "vacation"}},
        {"tz": "Mars/Olympus"},
        {"data_years": (2026, 2025)},
    ],
)
def test_bad_specs_are_refused(kwargs):
    with pytest.raises((ValueError, KeyError)):
        CalendarSpec(**kwargs)
