"""The Russian production calendar (производственный календарь) as calendar overrides.

sla.md, "Business time": public holidays are days off, the Government's decrees move days
off, and the working day before a public holiday is one hour shorter. The product ships one
CSV per year in ``soprovod/sla/data/ru/YYYY.csv`` (``date,kind``, the same format the
``soprovod import calendar FILE`` command reads); ``SOURCES.md`` beside them names the decree
behind each year. For years without a file, `art112_overrides` derives what the Labour Code
alone fixes, without the decree's transfers.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from soprovod.lib.businesstime import (
    DAY_OFF,
    HOLIDAY,
    NINE_TO_SIX,
    OVERRIDE_KINDS,
    SHORT_DAY,
    CalendarSpec,
    DayHours,
)

RU_DATA_DIR = Path(__file__).resolve().parent.parent / "sla" / "data" / "ru"
"""Where the shipped yearly CSV files live."""

# Labour Code art. 112 part 1: the non-working public holidays, as (month, day).
ART112_HOLIDAYS = (
    *((1, day) for day in range(1, 9)),  # 1-6 and 8 January: New Year holidays; 7: Christmas
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)
# Art. 112 part 2 moves a weekend day that falls on a holiday to the next working day, except
# for the 1-8 January holidays, whose weekend days only the Government's decree transfers.
_NOT_AUTO_MOVED = frozenset((1, day) for day in range(1, 9))
_SATURDAY = 5


def _read_year(path: Path, year: int) -> dict[date, str]:
    overrides: dict[date, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != ["date", "kind"]:
            raise ValueError(f"{path.name}: header must be 'date,kind', not {header}")
        for row_number, row in enumerate(reader, start=2):
            if len(row) != 2:
                raise ValueError(f"{path.name}: row {row_number} must have 2 columns")
            day, kind = date.fromisoformat(row[0]), row[1]
            if day.year != year or kind not in OVERRIDE_KINDS or day in overrides:
                raise ValueError(f"{path.name}: row {row_number} is wrong: {row}")
            overrides[day] = kind
    return overrides


def available_ru_years() -> list[int]:
    """The years the product ships the production calendar for, ascending."""
    return sorted(int(path.stem) for path in RU_DATA_DIR.glob("*.csv") if path.stem.isdigit())


def load_ru_overrides(year: int) -> dict[date, str]:
    """The shipped production calendar of ``year`` as ``{date: kind}``.

    Raises LookupError for a year the product has no data for (see `available_ru_years`).
    """
    path = RU_DATA_DIR / f"{year}.csv"
    if not path.is_file():
        raise LookupError(f"no Russian production calendar data for {year}")
    return _read_year(path, year)


def data_end() -> date:
    """The last date the shipped data covers, so the product can warn before it runs out."""
    years = available_ru_years()
    if not years:
        raise LookupError("no Russian production calendar data is shipped")
    return date(years[-1], 12, 31)


def art112_overrides(year: int) -> dict[date, str]:
    """What the Labour Code alone fixes for ``year``: the fallback beyond the shipped data.

    - the art. 112 public holidays are ``holiday``;
    - a holiday on a Saturday or Sunday moves the day off to the next working day after it
      (art. 112 part 2), as ``day_off``, except the 1-8 January holidays, whose weekend days
      only the Government's yearly decree transfers (it is not guessed here);
    - the working day immediately before a holiday is a ``short_day`` (art. 95), including
      31 December before the next year's 1 January.

    The yearly decree usually also moves the two January weekend days elsewhere and may swap
    other days; load the real data (`load_ru_overrides`) as soon as it is published.
    """
    holidays = {date(year, month, day) for month, day in ART112_HOLIDAYS}
    overrides = dict.fromkeys(sorted(holidays), HOLIDAY)

    def is_working(day: date) -> bool:
        return day.weekday() < _SATURDAY and day not in overrides

    for holiday in sorted(holidays):
        if holiday.weekday() >= _SATURDAY and (holiday.month, holiday.day) not in _NOT_AUTO_MOVED:
            moved = holiday + timedelta(days=1)
            while not is_working(moved):
                moved += timedelta(days=1)
            if moved.year == year:
                overrides[moved] = DAY_OFF
    for holiday in sorted(holidays | {date(year + 1, 1, 1)}):
        eve = holiday - timedelta(days=1)
        if eve.year == year and is_working(eve):
            overrides[eve] = SHORT_DAY
    return dict(sorted(overrides.items()))


def ru_spec(
    hours: DayHours | Mapping[int, DayHours] = NINE_TO_SIX,
    years: list[int] | None = None,
    *,
    tz: str = "Europe/Moscow",
    saturday_hours: DayHours | None = None,
) -> CalendarSpec:
    """The default department calendar with the Russian production calendar on top.

    sla.md, "Business time": ``hours`` are the daily intervals applied Monday to Friday
    (default 09:00-18:00), or a whole week as ``{weekday: intervals}``. ``years`` selects
    which shipped years to use (default: all of them; they must be consecutive); outside
    them the calendar falls back to `art112_overrides`.
    """
    weekly = dict(hours) if isinstance(hours, Mapping) else {day: hours for day in range(5)}
    chosen = sorted(available_ru_years() if years is None else years)
    overrides: dict[date, str] = {}
    for year in chosen:
        overrides.update(load_ru_overrides(year))
    if chosen and chosen != list(range(chosen[0], chosen[-1] + 1)):
        raise ValueError(f"production calendar years must be consecutive, got {chosen}")
    return CalendarSpec(
        tz=tz,
        weekly=weekly,
        overrides=overrides,
        saturday_hours=saturday_hours,
        # With no shipped year chosen, (0, 0) covers no real year: everything falls back.
        data_years=(chosen[0], chosen[-1]) if chosen else (0, 0),
        fallback=art112_overrides,
    )
