"""Production calendar import from CSV (interfaces.md, «CSV files», calendar).

Columns ``date, kind`` and, optional, ``note``. ``kind`` is ``holiday``, ``day_off``,
``working_day`` or ``short_day`` (sla.md «Business time»); the Russian words people type
are accepted too. The file is the shape of the shipped ``soprovod/sla/data/ru/YYYY.csv``,
so next year's calendar is loaded the same way the product's own data is.

All or nothing: every row is checked first and every bad row is reported in one
CsvFileError, a date given twice included; only a clean file is written, in one
transaction, through `actions.do_apply_calendar_days` (one audit event per added or
changed date, one version bump, one recalculation of the open tickets). Dates are matched
by date: a new date is added, a known date with another kind is changed, an identical one
is left alone, so importing a file again changes nothing. Dates that are not in the file
are kept. Without a ``note`` column, the notes already on the calendar are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from soprovod.audit.models import AuditEvent
from soprovod.lib.csvio import (
    CsvFileError,
    CsvIssue,
    FieldError,
    ImportResult,
    RowErrors,
    parse_choice,
    parse_date,
    read_table,
)
from soprovod.sla import actions
from soprovod.sla.models import CalendarDay, WorkCalendar

REQUIRED_COLUMNS = ("date", "kind")
OPTIONAL_COLUMNS = ("note",)

Kind = CalendarDay.Kind
# Accepted spellings of the kind column: the codes, and the Russian words of the production
# calendar that people type in a spreadsheet (input data, not interface text).
KIND_SPELLINGS: dict[str, str] = {
    "holiday": Kind.HOLIDAY,
    "day_off": Kind.DAY_OFF,
    "working_day": Kind.WORKING_DAY,
    "short_day": Kind.SHORT_DAY,
    "праздник": Kind.HOLIDAY,
    "выходной": Kind.DAY_OFF,
    "рабочий": Kind.WORKING_DAY,
    "сокращённый": Kind.SHORT_DAY,
    "сокращенный": Kind.SHORT_DAY,
}

Progress = Callable[[int, int], None]


def import_calendar(
    data: bytes,
    *,
    actor=None,
    filename: str = "",
    dry_run: bool = False,
    calendar: WorkCalendar | str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then add or change its dates in ``calendar`` (a calendar,
    a calendar's name, or None for the default calendar) in one transaction.

    Raises CsvFileError listing every problem; nothing is written then. ``progress`` is
    called as ``progress(done, total)`` while the rows are checked and once when written.
    """
    target = _target_calendar(calendar, filename)
    table = read_table(
        data, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, filename=filename
    )
    has_notes = "note" in table.columns
    errors = RowErrors(filename=filename)
    days: dict[date, tuple[str, str | None]] = {}
    first_row_of: dict[date, int] = {}
    total = len(table.rows)
    if not total:
        errors.add(None, None, "the file has a header but no dates")
    for done, (number, row) in enumerate(table.rows, start=1):
        day = errors.parse(number, row, "date", _calendar_date)
        kind = errors.parse(number, row, "kind", parse_choice, KIND_SPELLINGS)
        note = errors.parse(number, row, "note", _note, optional=True) if has_notes else None
        if day is not None:
            if day in first_row_of:
                errors.add(
                    number, "date", f"{day.isoformat()} is already in row {first_row_of[day]}"
                )
            else:
                first_row_of[day] = number
                if kind is not None:
                    days[day] = (kind, (note or "") if has_notes else None)
        if progress:
            progress(done, total)
    errors.raise_if_any()

    if dry_run:
        existing = {
            row.date: row for row in CalendarDay.objects.filter(calendar=target, date__in=days)
        }
        created = sum(1 for day in days if day not in existing)
        updated = sum(
            1
            for day, (kind, note) in days.items()
            if day in existing
            and (existing[day].kind, existing[day].note)
            != (kind, existing[day].note if note is None else note)
        )
        return ImportResult(created, updated, total - created - updated, dry_run=True)

    applied = actions.do_apply_calendar_days(
        actor, target, days, action=AuditEvent.Action.IMPORTED, reason=filename
    )
    if progress:
        progress(total, total)
    return ImportResult(applied.created, applied.updated, applied.unchanged)


def _target_calendar(calendar: WorkCalendar | str | None, filename: str) -> WorkCalendar:
    """The calendar to import into; problems are reported like a file's, in one line."""
    if isinstance(calendar, WorkCalendar):
        found = calendar
    elif calendar:
        found = WorkCalendar.objects.filter(name=calendar).first()
        if found is None:
            raise CsvFileError([CsvIssue(None, None, f"no calendar named {calendar!r}")], filename)
    else:
        found = WorkCalendar.objects.filter(is_default=True).first()
        if found is None:
            raise CsvFileError([CsvIssue(None, None, "there is no default calendar")], filename)
    if found.is_24x7:
        raise CsvFileError(
            [CsvIssue(None, None, f"{found.name!r} runs round the clock: it has no holidays")],
            filename,
        )
    return found


def _calendar_date(value: str) -> date:
    day = parse_date(value)
    if not actions.FIRST_DATA_YEAR <= day.year <= actions.LAST_DATA_YEAR:
        raise FieldError(
            f"{day.isoformat()} is not between {actions.FIRST_DATA_YEAR} "
            f"and {actions.LAST_DATA_YEAR}"
        )
    return day


_NOTE_LENGTH = CalendarDay._meta.get_field("note").max_length


def _note(value: str) -> str:
    if len(value) > _NOTE_LENGTH:
        raise FieldError(f"at most {_NOTE_LENGTH} characters, got {len(value)}")
    return value
