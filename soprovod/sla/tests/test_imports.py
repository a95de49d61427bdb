"""Production calendar import from CSV (interfaces.md «CSV files», calendar): all or
nothing, every bad row reported, re-import is a no-op, the shipped files fit."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import trail_for
from soprovod.lib import prodcalendar
from soprovod.lib.csvio import CsvFileError
from soprovod.sla import clocks
from soprovod.sla.imports import import_calendar
from soprovod.sla.models import CalendarDay, Metric, SlaClock, WorkCalendar
from soprovod.tickets.tests.factories import TicketFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def issues_of(error: CsvFileError) -> list[tuple[int | None, str | None]]:
    return [(issue.row, issue.column) for issue in error.issues]


@pytest.fixture
def calendar(db) -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


def days_of(calendar) -> dict[dt.date, str]:
    return dict(CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind"))


def test_the_shipped_2026_calendar_is_already_in_the_default_calendar(staff, calendar):
    data = (prodcalendar.RU_DATA_DIR / "2026.csv").read_bytes()
    version = calendar.version

    result = import_calendar(data, actor=staff.head, filename="2026.csv")

    expected = len(prodcalendar.load_ru_overrides(2026))
    assert (result.created, result.updated, result.unchanged) == (0, 0, expected)
    calendar.refresh_from_db()
    assert calendar.version == version


def test_next_years_calendar_is_added_and_audited(staff):
    calendar = WorkCalendar.objects.create(name="Office", is_default=False)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 1, 1), kind="holiday")
    data = csv_bytes("date,kind,note", "2027-01-01,holiday,New Year", "2027-02-22,short_day,")

    result = import_calendar(data, actor=staff.head, filename="2027.csv", calendar=calendar)

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert days_of(calendar)[dt.date(2027, 2, 22)] == "short_day"
    assert CalendarDay.objects.get(calendar=calendar, date=dt.date(2027, 1, 1)).note == "New Year"
    events = list(trail_for(calendar))
    assert {event.action for event in events} == {AuditEvent.Action.IMPORTED}
    assert {event.reason for event in events} == {"2027.csv"}
    assert len(events) == 2


def test_reimporting_the_same_file_changes_nothing(staff, calendar):
    data = csv_bytes("date,kind", "2026-03-03,holiday", "2026-03-09,working_day")
    first = import_calendar(data, actor=staff.head, filename="mine.csv")
    assert (first.created, first.updated, first.unchanged) == (1, 1, 0)
    version = WorkCalendar.objects.get(pk=calendar.pk).version
    events = AuditEvent.objects.count()

    again = import_calendar(data, actor=staff.head, filename="mine.csv")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert WorkCalendar.objects.get(pk=calendar.pk).version == version
    assert AuditEvent.objects.count() == events


def test_windows_1251_file_with_semicolons_and_russian_kinds(staff, calendar):
    data = csv_bytes(
        "date;kind",
        "03.03.2026;праздник",
        "10.03.2026;Выходной",
        "14.03.2026;рабочий",
        "13.03.2026;сокращённый",
        "12.03.2026;сокращенный",
        encoding="cp1251",
    )

    result = import_calendar(data, actor=staff.head, filename="calendar.csv")

    assert result.created == 5
    days = days_of(calendar)
    assert days[dt.date(2026, 3, 3)] == "holiday"
    assert days[dt.date(2026, 3, 10)] == "day_off"
    assert days[dt.date(2026, 3, 14)] == "working_day"
    assert days[dt.date(2026, 3, 13)] == "short_day"
    assert days[dt.date(2026, 3, 12)] == "short_day"


def test_every_bad_row_is_reported_and_nothing_is_imported(staff, calendar):
    before = days_of(calendar)
    version = calendar.version
    data = csv_bytes(
        "date,kind",
        "2027-01-01,holiday",
        "2027-02-30,holiday",  # no such date
        "2027-03-08,vacation",  # unknown kind
        "not a date,day_off",
        "2027-01-01,day_off",  # the same date again
        "2206-01-01,holiday",  # a typo for 2026
        "2027-05-03,",
    )

    with pytest.raises(CsvFileError) as caught:
        import_calendar(data, actor=staff.head, filename="2027.csv")

    assert issues_of(caught.value) == [
        (3, "date"),
        (4, "kind"),
        (5, "date"),
        (6, "date"),
        (7, "date"),
        (8, "kind"),
    ]
    assert "already in row 2" in str(caught.value.issues[3])
    assert "expected one of: holiday, day_off" in str(caught.value.issues[1])
    assert days_of(calendar) == before
    assert WorkCalendar.objects.get(pk=calendar.pk).version == version


def test_unknown_columns_and_an_empty_file_are_refused(staff):
    with pytest.raises(CsvFileError, match="unknown columns: type"):
        import_calendar(csv_bytes("date,kind,type", "2027-01-01,holiday,x"), actor=staff.head)
    with pytest.raises(CsvFileError, match="no dates"):
        import_calendar(csv_bytes("date,kind"), actor=staff.head)


def test_dry_run_counts_and_writes_nothing(staff, calendar):
    before = days_of(calendar)
    data = csv_bytes("date,kind", "2026-03-03,holiday", "2026-03-09,working_day", "2026-03-09")
    with pytest.raises(CsvFileError):
        import_calendar(data, actor=staff.head, dry_run=True)
    data = csv_bytes(
        "date,kind", "2026-03-03,holiday", "2026-03-09,working_day", "2026-01-01,holiday"
    )

    result = import_calendar(data, actor=staff.head, dry_run=True)

    assert (result.created, result.updated, result.unchanged, result.dry_run) == (1, 1, 1, True)
    assert days_of(calendar) == before


def test_a_round_the_clock_calendar_or_an_unknown_name_is_refused(staff):
    with pytest.raises(CsvFileError, match="round the clock"):
        import_calendar(
            csv_bytes("date,kind", "2027-01-01,holiday"),
            calendar=WorkCalendar.objects.get(is_24x7=True),
        )
    with pytest.raises(CsvFileError, match="no calendar named"):
        import_calendar(csv_bytes("date,kind", "2027-01-01,holiday"), calendar="Nope")


def test_import_recomputes_open_tickets(staff, calendar, django_capture_on_commit_callbacks):
    created = dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK)
    ticket = TicketFactory(created_at=created)
    clocks.start_clocks(ticket, now=created)

    with django_capture_on_commit_callbacks(execute=True):
        import_calendar(csv_bytes("date,kind", "2026-03-03,holiday"), actor=staff.head)

    resolution = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert resolution.due_at == dt.datetime(2026, 3, 5, 16, 0, tzinfo=MSK)


def test_the_command_line_imports_into_the_default_calendar(staff, calendar, tmp_path):
    path = tmp_path / "extra.csv"
    path.write_bytes(csv_bytes("date,kind", "2026-03-03,holiday"))
    out = io.StringIO()

    call_command("import", "calendar", str(path), "--user", "head", stdout=out)

    assert out.getvalue().strip() == "extra.csv: 1 created, 0 updated, 0 unchanged"
    assert days_of(calendar)[dt.date(2026, 3, 3)] == "holiday"


def test_the_command_line_reports_bad_rows_in_one_line(staff, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("date,kind", "2026-03-03,vacation"))
    with pytest.raises(CommandError, match="bad.csv: row 2, column kind"):
        call_command("import", "calendar", str(path))
