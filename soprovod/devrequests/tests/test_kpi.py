"""kpi.md «dev_request.on_time», «dev_request.hours.median» and «coordination.on_time» on
hand-worked rounds, their drill-downs, and the CLI, API, dashboard and report agreeing."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soprovod.accounts.models import ApiToken
from soprovod.devrequests import actions
from soprovod.devrequests.tests.conftest import msk
from soprovod.kpi.breakdowns import drilldown, drilldown_outcomes
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period
from soprovod.reports.generator import build_report_data

pytestmark = pytest.mark.django_db

OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NOW = msk(2026, 11, 1, 10, 0)


@pytest.fixture
def rounds(staff, companies, time_machine):
    """Seven requests (48 h calendar clocks), worked out by hand for October at NOW:

    R1 Oct 5 10:00, accepted after 24 h      → on time, 24 h
    R2 Oct 7 10:00, declined after 72 h      → late, 72 h
    R3 Oct 20 10:00, no decision by NOW      → late (overdue)
    R4 Oct 30 12:00, due Nov 1 12:00         → pending: not counted
    R5 Sep 30 10:00, accepted Oct 1          → another period
    R6 Oct 12 10:00, merged after 2 h        → withdrawn in time: not counted
    R7 Oct 14 10:00, accepted after 36 h     → on time, 36 h

    on time 2 of 4 counted = 0.5; median of 24, 72, 36 hours = 36."""
    time_machine.move_to(NOW, tick=False)

    def file(at, title):
        return actions.do_create_request(
            staff.support, kind="bug", title=title, clients=[companies.a], at=at
        )

    r1 = file(msk(2026, 10, 5, 10, 0), "R1")
    actions.do_accept(staff.dev, r1, planned_release="3.1", at=msk(2026, 10, 6, 10, 0))
    r2 = file(msk(2026, 10, 7, 10, 0), "R2")
    actions.do_decline(staff.dev, r2, decision="Нет", at=msk(2026, 10, 10, 10, 0))
    r3 = file(msk(2026, 10, 20, 10, 0), "R3")
    file(msk(2026, 10, 30, 12, 0), "R4")
    r5 = file(msk(2026, 9, 30, 10, 0), "R5")
    actions.do_accept(staff.dev, r5, planned_release="3.1", at=msk(2026, 10, 1, 10, 0))
    r6 = file(msk(2026, 10, 12, 10, 0), "R6")
    actions.do_merge(staff.dev, r6, r3, at=msk(2026, 10, 12, 12, 0))
    r7 = file(msk(2026, 10, 14, 10, 0), "R7")
    actions.do_accept(staff.dev, r7, planned_release="3.1", at=msk(2026, 10, 15, 22, 0))
    return {"r1": r1, "r2": r2, "r3": r3, "r7": r7}


def test_the_figures_as_worked_by_hand(rounds):
    document = compute(OCTOBER, now=NOW)
    on_time = document.get("dev_request.on_time")
    assert (on_time.value, on_time.numerator, on_time.denominator) == (0.5, 2, 4)
    hours = document.get("dev_request.hours.median")
    assert (hours.value, hours.count) == (36.0, 3)
    # No hand-off source in this test: coordination is the development requests alone.
    coordination = document.get("coordination.on_time")
    handoffs = document.get("handoff.on_time")
    extra_num = (handoffs.numerator or 0) if handoffs else 0
    extra_den = (handoffs.denominator or 0) if handoffs else 0
    assert (coordination.numerator, coordination.denominator) == (2 + extra_num, 4 + extra_den)
    assert coordination.value == (2 + extra_num) / (4 + extra_den)
    assert on_time.met is False and hours.met is True  # targets ≥ 1.00 and ≤ 48 h


def test_every_key_once_in_the_document(rounds):
    keys = [kpi.key for kpi in compute(OCTOBER, now=NOW).kpis]
    assert keys.count("dev_request.on_time") == 1
    assert keys.count("dev_request.hours.median") == 1


def test_the_records_behind_each_figure(rounds):
    assert drilldown_outcomes("dev_request.on_time") == ("counted", "on_time", "late")

    def titles(key, outcome=None):
        records = drilldown(OCTOBER, key, outcome=outcome, now=NOW)
        return [r.request.title for r in records]

    assert titles("dev_request.on_time") == ["R3", "R7", "R2", "R1"]
    assert titles("dev_request.on_time", "on_time") == ["R7", "R1"]
    assert titles("dev_request.on_time", "late") == ["R3", "R2"]
    assert titles("dev_request.hours.median") == ["R2", "R7", "R1"]


def test_the_document_costs_the_same_whatever_the_number_of_requests(staff, companies, rounds):
    with CaptureQueriesContext(connection) as few:
        compute(OCTOBER, now=NOW)
    for n in range(8):
        actions.do_create_request(
            staff.support,
            kind="bug",
            title=f"Ещё {n}",
            clients=[companies.b],
            at=msk(2026, 10, 2 + n, 10, 0),
        )
    with CaptureQueriesContext(connection) as many:
        compute(OCTOBER, now=NOW)
    assert len(many) == len(few)


def test_cli_api_dashboard_and_report_agree(staff, rounds, client):
    out = StringIO()
    call_command("kpi", "--from", "2026-10-01", "--to", "2026-10-31", "--json", stdout=out)
    cli = {k["key"]: k for k in json.loads(out.getvalue())["kpis"]}
    _, raw = ApiToken.issue(staff.head, "tests")
    api_document = client.get(
        "/api/v1/kpi?from=2026-10-01&to=2026-10-31", headers={"Authorization": f"Bearer {raw}"}
    ).json()
    api = {k["key"]: k for k in api_document["kpis"]}
    report = build_report_data("monthly", OCTOBER, now=NOW).document
    for key in ("dev_request.on_time", "dev_request.hours.median", "coordination.on_time"):
        from_report = report.get(key)
        assert cli[key]["value"] == api[key]["value"] == from_report.value, key
        assert cli[key].get("denominator") == api[key].get("denominator"), key
    assert cli["dev_request.on_time"]["value"] == 0.5
    client.force_login(staff.head)
    dashboard = client.get("/kpi/?period=month&month=2026-10").content.decode()
    assert "/kpi/drilldown/dev_request.on_time/" in dashboard
    records = client.get(
        "/kpi/drilldown/dev_request.on_time/?outcome=late&period=month&month=2026-10"
    )
    assert records.status_code == 200
    assert f"/devrequests/{rounds['r2'].pk}/" in records.content.decode()
