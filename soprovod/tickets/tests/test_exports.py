"""Ticket export to CSV: the import's columns plus the SLA figures as the product computes
them, UTF-8 with BOM, a fixed number of queries per chunk, and a round trip through the
import that gives the same figures."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine

from soprovod.cli import main
from soprovod.clients.tests.factories import ClientFactory
from soprovod.tickets.exports import COLUMNS, export_tickets
from soprovod.tickets.imports import SLA_COLUMNS, import_tickets
from soprovod.tickets.models import Ticket

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=MSK)
HEADER = (
    "external_id,client_external_id,type,category,subject,created_at,"
    "first_response_at,resolved_at,on_hold,csat"
)
ROWS = (
    # Met: worked out by hand in test_imports (300 business minutes, 9 hours paused).
    "T-1,CRM-1,стандартное,Пропуска,Не печатается пропуск,2026-03-02T10:00,"
    "2026-03-02 10:30,2026-03-03T15:00,2026-03-02T12:00/2026-03-03T12:00,5",
    # A late first reply to an emergency at night (24/7 calendar), resolved next morning.
    "T-2,CRM-1,экстренное,Шлагбаумы,Не открывается шлагбаум,2026-03-03T22:00,"
    "2026-03-03T22:40,2026-03-04T10:30,,2",
    # A repeat of T-1, resolved in more than 24 business hours, two waits for the client.
    "T-3,CRM-1,standard,Пропуска,Снова пропуск,2026-03-20T10:00,2026-03-20T10:05,"
    '2026-03-26T17:00,"2026-03-20T11:00/2026-03-20T12:00;2026-03-23T09:00/2026-03-23T10:30",',
    # A consultation still open, past its first-reply due time.
    "T-4,CRM-2,consultation,Обучение персонала,Обучение охраны,2026-11-23T10:00,,,,",
    # An emergency still open, replied in time, resolution running.
    "T-5,CRM-2,emergency,Шлагбаумы,Турникеты не пропускают,2026-11-25T11:00,2026-11-25T11:10,,,",
)


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def imported(db):
    ClientFactory(external_id="CRM-1")
    ClientFactory(external_id="CRM-2")
    import_tickets(csv_bytes(HEADER, *ROWS))


def exported(**options) -> str:
    stream = io.StringIO(newline="")
    export_tickets(stream, **options)
    return stream.getvalue()


def rows_of(text: str) -> dict[str, dict[str, str]]:
    return {row["external_id"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


def test_file_is_utf8_with_bom_commas_and_the_columns_of_interfaces_md(imported):
    text = exported()

    assert text.startswith("\ufeffexternal_id,client_external_id,type,category,subject,")
    assert text.splitlines()[0].lstrip("\ufeff").split(",") == list(COLUMNS)
    assert list(COLUMNS[10:19]) == [
        "first_response_due",
        "resolution_due",
        "resolution_ceiling",
        "first_response_status",
        "resolution_status",
        "sla_status",
        "first_response_minutes",
        "resolution_business_minutes",
        "is_repeat",
    ]
    assert text.endswith("\r\n")


def test_sla_figures_are_the_products(imported):
    rows = rows_of(exported())

    met = rows["T-1"]
    assert met["created_at"] == "2026-03-02T10:00:00+03:00"
    assert met["on_hold"] == "2026-03-02T12:00:00+03:00/2026-03-03T12:00:00+03:00"
    assert met["first_response_due"] == "2026-03-02T14:00:00+03:00"
    assert met["resolution_due"] == "2026-03-05T16:00:00+03:00"
    # Five calendar days, plus the day waited for the client (sla.md: the ceiling pauses).
    assert met["resolution_ceiling"] == "2026-03-08T10:00:00+03:00"
    assert (met["first_response_status"], met["resolution_status"], met["sla_status"]) == (
        "met",
        "met",
        "met",
    )
    assert (met["first_response_minutes"], met["resolution_business_minutes"]) == ("30", "300")
    assert (met["csat"], met["is_repeat"]) == ("5", "false")
    assert met["number"] == str(Ticket.objects.get(external_id="T-1").pk)

    emergency = rows["T-2"]
    assert emergency["type"] == "emergency"
    assert emergency["first_response_due"] == "2026-03-03T22:15:00+03:00"
    assert emergency["first_response_minutes"] == "40"
    assert emergency["first_response_status"] == "breached"
    # 4 business hours from the next opening: Wednesday 09:00 → 13:00; resolved 10:30.
    assert emergency["resolution_due"] == "2026-03-04T13:00:00+03:00"
    assert emergency["resolution_business_minutes"] == "90"
    assert (emergency["resolution_status"], emergency["sla_status"]) == ("met", "breached")
    assert emergency["resolution_ceiling"] == ""

    repeat = rows["T-3"]
    assert repeat["is_repeat"] == "true"
    assert repeat["resolution_status"] == "breached"
    assert repeat["on_hold"].count(";") == 1

    waiting = rows["T-4"]
    assert waiting["first_response_status"] == "breached"
    assert (waiting["resolution_status"], waiting["sla_status"]) == ("pending", "breached")
    assert waiting["first_response_minutes"] == waiting["resolution_business_minutes"] == ""

    running = rows["T-5"]
    assert (running["first_response_status"], running["first_response_minutes"]) == ("met", "10")
    assert (running["resolution_status"], running["sla_status"]) == ("pending", "pending")


def test_dates_select_by_creation_in_the_department_zone(imported):
    assert set(rows_of(exported(date_from=dt.date(2026, 3, 3), date_to=dt.date(2026, 3, 20)))) == {
        "T-2",
        "T-3",
    }
    assert set(rows_of(exported(date_from=dt.date(2026, 11, 24)))) == {"T-5"}
    assert set(rows_of(exported(date_to=dt.date(2026, 3, 2)))) == {"T-1"}


def test_queries_per_chunk_are_fixed_whatever_the_number_of_tickets(
    imported, django_assert_num_queries
):
    # 5 tickets in chunks of 2: three chunks of three queries, and one that finds no more.
    with django_assert_num_queries(3 * 3 + 1):
        export_tickets(io.StringIO(newline=""), chunk_size=2)
    with django_assert_num_queries(1 * 3 + 1):
        export_tickets(io.StringIO(newline=""), chunk_size=500)


def test_round_trip_through_an_empty_database_gives_the_same_sla_figures(imported):
    first = exported()
    Ticket.objects.all().delete()

    result = import_tickets(first.encode("utf-8"), filename="export.csv")
    second = exported()

    assert result.created == len(ROWS)
    before, after = rows_of(first), rows_of(second)
    assert set(before) == set(after) == {f"T-{n}" for n in range(1, 6)}
    for external_id, row in before.items():
        same = [column for column in COLUMNS if column != "number"]
        assert [after[external_id][c] for c in same] == [row[c] for c in same], external_id
    assert {row["sla_status"] for row in after.values()} == {"met", "breached", "pending"}
    assert all(after[key][c] for key in ("T-1", "T-3") for c in SLA_COLUMNS)


def test_exported_file_imports_again_as_unchanged(imported):
    assert import_tickets(exported().encode("utf-8")).unchanged == len(ROWS)


# ---- the command ------------------------------------------------------------------------


@pytest.fixture
def cli_tickets(transactional_db):
    ClientFactory(external_id="CRM-1")
    ClientFactory(external_id="CRM-2")
    import_tickets(csv_bytes(HEADER, *ROWS))


def test_command_writes_the_file(cli_tickets, tmp_path, capsys):
    path = tmp_path / "tickets.csv"

    status = main(
        ["export", "tickets", "--from", "2026-03-01", "--to", "31.03.2026", "-o", str(path)]
    )

    assert status == 0
    assert capsys.readouterr().out.strip() == f"{path}: 3 tickets"
    assert set(rows_of(path.read_text(encoding="utf-8"))) == {"T-1", "T-2", "T-3"}
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_command_writes_to_standard_output_without_o(cli_tickets, capsysbinary):
    status = main(["export", "tickets", "--from", "2026-11-01"])

    out = capsysbinary.readouterr().out
    assert status == 0
    assert out.startswith(b"\xef\xbb\xbfexternal_id,")
    assert set(rows_of(out.decode("utf-8"))) == {"T-4", "T-5"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "error: --from 2026-13-01: no such date: '2026-13-01'"),
        (["--from", "2026-03-10", "--to", "2026-03-01"], "error: --to 2026-03-01 is before --from"),
    ],
)
def test_command_bad_dates_are_one_line_and_status_1(transactional_db, capsys, args, message):
    status = main(["export", "tickets", *args])

    err = capsys.readouterr().err
    assert status == 1
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(message)


def test_command_unknown_kind_is_bad_usage(transactional_db, capsys):
    assert main(["export", "clients"]) == 2
