"""kpi.md «handoff.on_time», «handoff.hours.median» and «coordination.on_time» on hand-worked
data, and the CLI, the API, the dashboard and the monthly report telling the same figures.

October 2026 in Moscow, calendar-time clocks of 24 h, the document computed at NOW:

    hand-off  round  submitted     answered            hours  counts as
    H1        1      Oct  5 10:00  Oct  5 20:00 return  10    on time
    H1        2      Oct  6 09:00  Oct  6 14:00 accept   5    on time
    H2        1      Oct  7 10:00  Oct  8 16:00 return  30    late
    H6        1      Oct 12 10:00  Oct 13 09:00 accept  23    on time
    H3        1      Oct 20 10:00  —                     —    late (overdue at NOW)
    H4        1      Oct 31 20:00  —                     —    pending (due Nov 1 20:00): out
    H5        1      Sep 30 12:00  Oct  1 10:00 accept  22    September: out

on time 3 ÷ counted 5 = 0.6; median of 10, 5, 30, 23 hours = 16.5 (4 answered).
"""

import datetime as dt
import io
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from soprovod.handoffs.actions import do_accept_handoff, do_return_handoff, do_submit_handoff
from soprovod.handoffs.tests.conftest import msk
from soprovod.handoffs.tests.factories import make_handoff
from soprovod.kpi.breakdowns import drilldown
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period
from soprovod.reports.generator import build_report_data
from soprovod.reports.xlsx import render_xlsx

OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NOW = msk(2026, 11, 1, 10, 0)
KEYS = ("handoff.on_time", "handoff.hours.median", "coordination.on_time")


@pytest.fixture
def october(staff):
    def handoff(name):
        return make_handoff(staff.sales, client_name=name)

    h1 = handoff("Н1")
    do_submit_handoff(staff.sales, h1, now=msk(2026, 10, 5, 10))
    do_return_handoff(staff.csm, h1, reasons={"sites": "—"}, now=msk(2026, 10, 5, 20))
    do_submit_handoff(staff.sales, h1, now=msk(2026, 10, 6, 9))
    do_accept_handoff(staff.head, h1, success_manager=staff.csm, now=msk(2026, 10, 6, 14))
    h2 = handoff("Н2")
    do_submit_handoff(staff.sales, h2, now=msk(2026, 10, 7, 10))
    do_return_handoff(staff.csm, h2, reasons={"contract": "—"}, now=msk(2026, 10, 8, 16))
    h6 = handoff("Н6")
    do_submit_handoff(staff.sales, h6, now=msk(2026, 10, 12, 10))
    do_accept_handoff(staff.head, h6, success_manager=staff.csm, now=msk(2026, 10, 13, 9))
    do_submit_handoff(staff.sales, handoff("Н3"), now=msk(2026, 10, 20, 10))
    do_submit_handoff(staff.sales, handoff("Н4"), now=msk(2026, 10, 31, 20))
    h5 = handoff("Н5")
    do_submit_handoff(staff.sales, h5, now=msk(2026, 9, 30, 12))
    do_accept_handoff(staff.head, h5, success_manager=staff.csm, now=msk(2026, 10, 1, 10))


def test_on_time_share_and_median_hours(october):
    document = compute(OCTOBER, now=NOW)
    on_time = document.get("handoff.on_time")
    assert (on_time.value, on_time.numerator, on_time.denominator) == (0.6, 3, 5)
    assert on_time.met is False  # target ≥ 1.00
    median = document.get("handoff.hours.median")
    assert (median.value, median.count, median.met) == (16.5, 4, True)  # ≤ 24 h
    coordination = document.get("coordination.on_time")
    # No development request in the data: hand-offs alone.
    assert (coordination.value, coordination.numerator, coordination.denominator) == (0.6, 3, 5)
    assert [k.key for k in document.kpis].count("handoff.on_time") == 1


def test_coordination_sums_both_parts_when_development_requests_have_a_source(october, monkeypatch):
    from soprovod.kpi import engine

    monkeypatch.setattr(engine, "_sources", dict(engine._sources))
    engine.register_source(
        engine.KpiSource(
            "test-dev",
            list,
            lambda period, now: {
                "dev_request.on_time": {"value": 0.5, "numerator": 1, "denominator": 2}
            },
        )
    )
    coordination = compute(OCTOBER, now=NOW).get("coordination.on_time")
    assert (coordination.numerator, coordination.denominator) == (4, 7)
    assert coordination.value == pytest.approx(4 / 7)


def test_september_and_an_empty_period(october):
    september = compute(Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)), now=NOW)
    assert september.get("handoff.on_time").numerator == 1  # H5, answered in 22 h
    assert september.get("handoff.hours.median").value == 22.0
    empty = compute(Period(dt.date(2030, 1, 1), dt.date(2030, 1, 31)), now=NOW)
    assert empty.get("handoff.on_time").value is None
    assert empty.get("handoff.hours.median").value is None
    assert empty.get("coordination.on_time").value is None


def test_drilldown_lists_the_rounds_behind_each_figure(october):
    def names(outcome, key="handoff.on_time"):
        rounds = drilldown(OCTOBER, key, outcome=outcome, now=NOW)
        return sorted((r.handoff.client_name, r.number) for r in rounds)

    assert names("on_time") == [("Н1", 1), ("Н1", 2), ("Н6", 1)]
    assert names("late") == [("Н2", 1), ("Н3", 1)]
    assert len(names("counted")) == 5
    assert len(names("agreed", "handoff.hours.median")) == 4


def test_cli_api_dashboard_and_report_agree(october, client, staff):
    with time_machine.travel(NOW, tick=False):
        expected = {k.key: (k.value, k.numerator, k.denominator) for k in compute(OCTOBER).kpis}
        out = StringIO()
        call_command("kpi", "--from", "2026-10-01", "--to", "2026-10-31", "--json", stdout=out)
        printed = {k["key"]: k for k in json.loads(out.getvalue())["kpis"]}
        client.force_login(staff.head)
        api = client.get("/api/v1/kpi", {"from": "2026-10-01", "to": "2026-10-31"}).json()
        from_api = {k["key"]: k for k in api["kpis"]}
        report = build_report_data("monthly", OCTOBER)
        workbook = load_workbook(io.BytesIO(render_xlsx(report)))
        dashboard = client.get(
            "/kpi/", {"period": "range", "from": "2026-10-01", "to": "2026-10-31"}
        )
    sheet = workbook.worksheets[0]
    in_xlsx = {row[2].value: row[3].value for row in sheet.iter_rows(min_row=2) if row[2].value}
    for key in KEYS:
        value, numerator, denominator = expected[key]
        assert printed[key]["value"] == from_api[key]["value"] == value
        assert printed[key].get("numerator") == from_api[key].get("numerator") == numerator
        assert report.document.get(key).value == value
        assert in_xlsx[key] == pytest.approx(value)
    assert dashboard.status_code == 200
    assert "/kpi/drilldown/handoff.on_time/" in dashboard.content.decode()


def test_drilldown_page_shows_the_late_rounds(october, client, staff):
    client.force_login(staff.head)
    with time_machine.travel(NOW, tick=False):
        page = client.get(
            "/kpi/drilldown/handoff.on_time/",
            {"period": "range", "from": "2026-10-01", "to": "2026-10-31", "outcome": "late"},
        )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Н2" in text and "Н3" in text and "Н6" not in text
    client.force_login(staff.sales)
    assert client.get("/kpi/drilldown/handoff.on_time/").status_code == 403
