"""``soprovod report``: files for the CEO from the command line; exit 1 with one line for a
period that cannot be read, 2 for bad usage (interfaces.md «Command line»)."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from soprovod.cli import main
from soprovod.kpi.engine import compute
from soprovod.kpi.tests.fixtures import NOW, OCTOBER
from soprovod.reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """main() closes the database connections when a command ends, as manage.py does; here
    that connection holds the test's transaction, which must outlive the command."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)


def run(capsys, *args):
    status = main(["report", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_monthly_pdf(capsys, tmp_path, department):
    target = tmp_path / "october.pdf"
    with time_machine.travel(NOW, tick=False):
        status, out, err = run(
            capsys, "monthly", "--month", "2026-10", "--format", "pdf", "-o", str(target)
        )
    assert status == 0, err
    assert target.read_bytes().startswith(b"%PDF-")
    assert str(target) in out


def test_quarterly_xlsx_has_the_engine_figures(capsys, tmp_path, department):
    target = tmp_path / "q4.xlsx"
    with time_machine.travel(NOW, tick=False):
        status, _out, err = run(capsys, "quarterly", "--quarter", "2026-Q4", "-o", str(target))
    assert status == 0, err
    sheet = load_workbook(target).worksheets[0]
    values = {row[2].value: row[3].value for row in sheet.iter_rows(min_row=2) if row[2].value}
    from soprovod.lib.periods import parse_quarter

    with time_machine.travel(NOW, tick=False):
        expected = compute(parse_quarter("2026-Q4"))
    assert values["sla.all"] == pytest.approx(expected.get("sla.all").value)


def test_commentary_comes_from_the_archive(capsys, tmp_path, department):
    Report.objects.create(
        kind="monthly", period_start=OCTOBER.start, period_end=OCTOBER.end, commentary="Октябрь"
    )
    target = tmp_path / "m.xlsx"
    status, _out, err = run(
        capsys, "monthly", "--month", "2026-10", "--format", "xlsx", "-o", str(target)
    )
    assert status == 0, err
    assert load_workbook(target).worksheets[-1]["A2"].value == "Октябрь"
    assert Report.objects.count() == 1  # the CLI writes nothing to the archive


def test_annual_to_standard_output(capsysbinary, db):
    status = main(["report", "annual", "--year", "2026", "--format", "xlsx", "-o", "-"])
    out = capsysbinary.readouterr().out
    assert status == 0
    assert load_workbook(io.BytesIO(out)).sheetnames[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["monthly", "--month", "2026-13"], "month '2026-13': expected YYYY-MM"),
        (["monthly", "--month", "октябрь"], "expected YYYY-MM"),
        (["quarterly", "--quarter", "2026-Q5"], "quarter '2026-Q5': expected YYYY-Qn"),
        (["annual", "--year", "26"], "year '26': expected YYYY"),
    ],
)
def test_a_bad_period_is_one_line_and_status_1(capsys, tmp_path, db, args, message):
    status, out, err = run(capsys, *args, "-o", str(tmp_path / "x.pdf"))
    assert status == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_an_unwritable_file_is_status_1(capsys, tmp_path, db):
    status, _out, err = run(
        capsys, "annual", "--year", "2026", "-o", str(tmp_path / "no" / "x.pdf")
    )
    assert status == 1
    assert "no such directory" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["weekly", "--month", "2026-10"],
        ["monthly"],
        ["monthly", "--quarter", "2026-Q4"],
        ["monthly", "--month", "2026-10", "--format", "docx"],
    ],
)
def test_bad_usage_is_status_2(capsys, db, args):
    status, _out, err = run(capsys, *args)
    assert status == 2
    assert "usage:" in err
