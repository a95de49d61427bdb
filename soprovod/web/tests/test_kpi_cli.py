"""``soprovod kpi``: the KPI document of the engine as a table or as JSON, in Russian,
with one-line errors (status 1) and usage errors (status 2)."""

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from soprovod.cli import main
from soprovod.clients.tests.factories import ClientFactory
from soprovod.kpi.engine import kpi_document
from soprovod.tickets.imports import import_tickets

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=MSK)
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
TICKETS = b"""external_id,client_external_id,type,category,subject,created_at,first_response_at,resolved_at,csat
T-1,CRM-1,standard,Passes,On time,2026-10-05T10:00,2026-10-05T10:30,2026-10-05T15:00,5
T-2,CRM-1,standard,Passes,Late reply,2026-10-06T10:00,2026-10-06T16:00,2026-10-06T17:00,3
T-3,CRM-1,consultation,Training,On time,2026-10-07T10:00,2026-10-07T11:00,2026-10-08T11:00,4
"""


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def october(db):
    ClientFactory(external_id="CRM-1")
    import_tickets(TICKETS)


def run(*args: str) -> str:
    out = StringIO()
    call_command("kpi", *args, stdout=out)
    return out.getvalue()


def test_json_is_the_engines_document(october):
    printed = json.loads(run("--from", "2026-10-01", "--to", "2026-10-31", "--json"))

    with translation.override("ru"):
        assert printed == kpi_document(*OCTOBER)
    sla = next(k for k in printed["kpis"] if k["key"] == "sla.standard")
    assert (sla["value"], sla["numerator"], sla["denominator"], sla["met"]) == (0.5, 1, 2, False)
    assert sla["title"] == "Соблюдение SLA: стандартные"


def test_table_shows_title_value_target_and_met_in_russian(october):
    with translation.override("en"):  # whatever the caller's language, the department's
        table = run("--from", "2026-10-01", "--to", "2026-10-31")

    lines = table.splitlines()
    assert lines[0] == "2026-10-01 – 2026-10-31"
    line = {line.split("  ")[0]: line for line in lines[3:]}
    standard = line["Соблюдение SLA: стандартные"]
    assert "50,0" in standard and "≥ 95,0" in standard and standard.endswith("✗")
    consultation = line["Соблюдение SLA: консультации"]
    assert "100,0" in consultation and consultation.endswith("✓")
    assert "4,0" in line["Удовлетворённость клиентов (CSAT)"]
    assert line["NPS"].split()[1] == "—" and line["NPS"].endswith("—")
    assert len(line) == len(kpi_document(*OCTOBER)["kpis"])


def test_table_values_are_the_documents(october):
    document = kpi_document(*OCTOBER)
    table = run("--from", "2026-10-01", "--to", "2026-10-31")

    for kpi in document["kpis"]:
        assert kpi["title"] in table
    csat = next(k for k in document["kpis"] if k["key"] == "csat")
    assert csat["value"] == 4.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-10-32", "--to", "2026-10-31"], "error: --from 2026-10-32: no such date"),
        (["--from", "октябрь", "--to", "2026-10-31"], "error: --from октябрь: expected a date"),
        (["--from", "2026-10-31", "--to", "2026-10-01"], "error: --to 2026-10-01 is before --from"),
    ],
)
def test_bad_dates_are_one_line_and_status_1(transactional_db, capsys, args, message):
    status = main(["kpi", *args])

    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1


def test_missing_option_is_bad_usage(transactional_db, capsys):
    assert main(["kpi", "--from", "2026-10-01"]) == 2
    assert "--to" in capsys.readouterr().err
