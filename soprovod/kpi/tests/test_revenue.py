"""kpi.md «revenue.grr» and «revenue.nrr» on hand-worked MRR histories.

The fourth quarter of 2026 (1 October – 31 December); the day before is 30 September.

    client    contract     MRR history                                    30 Sep   31 Dec
    Up        2024-01-15   100 000; 130 000 from 1 Nov (upsell)          100 000  130 000
    Down      2024-01-15    50 000; 30 000 from 10 Dec (downsell)         50 000   30 000
    Gone      2024-01-15    40 000; churned 15 Nov                        40 000        0
    Late      2025-03-01    20 000 until 30 Sep; 25 000 from 1 Oct      20 000   25 000
    New       2026-10-15    70 000 (starts in the period: left out)           —        —
    Old       2023-05-01    10 000; churned 2025-06-30 (gone before)          —        —

    at start: Up, Down, Gone, Late; Σ MRR on 30 Sep = 210 000
    GRR = (100 000 + 30 000 + 0 + 20 000) ÷ 210 000 = 150 000 ÷ 210 000 = 0.714285…
    NRR = (130 000 + 30 000 + 0 + 25 000) ÷ 210 000 = 185 000 ÷ 210 000 = 0.880952…
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from soprovod.clients.actions import do_create_client, do_record_mrr_change, do_update_client
from soprovod.clients.models import ClientStatus, MrrReason
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period

Q4 = Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def _client(name: str, start: dt.date, mrr: int, **values):
    return do_create_client(
        None,
        name=name,
        inn="7707083893",
        contract_start=start,
        mrr_rub=Decimal(mrr),
        status=values.pop("status", ClientStatus.ACTIVE),
        **values,
    )


@pytest.fixture
def portfolio(db):
    with time_machine.travel(dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC), tick=False):
        up = _client("Up", dt.date(2024, 1, 15), 100_000)
        do_record_mrr_change(None, up, effective_on=dt.date(2026, 11, 1), mrr_rub=Decimal(130_000))
        down = _client("Down", dt.date(2024, 1, 15), 50_000)
        do_record_mrr_change(
            None, down, effective_on=dt.date(2026, 12, 10), mrr_rub=Decimal(30_000)
        )
        gone = _client("Gone", dt.date(2024, 1, 15), 40_000)
        do_update_client(None, gone, status=ClientStatus.CHURNED, churned_at=dt.date(2026, 11, 15))
        late = _client("Late", dt.date(2025, 3, 1), 20_000)
        do_record_mrr_change(
            None, late, effective_on=dt.date(2026, 10, 1), mrr_rub=Decimal(25_000), reason="price"
        )
        _client("New", dt.date(2026, 10, 15), 70_000)
        _client(
            "Old",
            dt.date(2023, 5, 1),
            10_000,
            status=ClientStatus.CHURNED,
            churned_at=dt.date(2025, 6, 30),
        )
    return {"up": up, "down": down, "gone": gone, "late": late}


def _kpi(key: str, period: Period = Q4):
    return compute(period).get(key)


def test_grr_counts_each_client_at_most_at_its_starting_mrr(portfolio):
    grr = _kpi("revenue.grr")
    assert (grr.numerator, grr.denominator) == (150_000, 210_000)
    assert grr.value == pytest.approx(150_000 / 210_000)
    assert grr.met is False  # target 0.95


def test_nrr_counts_expansion_and_churn_as_zero(portfolio):
    nrr = _kpi("revenue.nrr")
    assert (nrr.numerator, nrr.denominator) == (185_000, 210_000)
    assert nrr.value == pytest.approx(185_000 / 210_000)


def test_a_month_before_the_changes_keeps_everything(portfolio):
    september = Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    # Up 100 000, Down 50 000, Gone 40 000, Late 20 000: nothing moved in September.
    for key in ("revenue.grr", "revenue.nrr"):
        value = _kpi(key, september)
        assert (value.numerator, value.denominator) == (210_000, 210_000)
        assert value.value == 1.0


def test_november_sees_the_upsell_and_the_churn(portfolio):
    november = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    # New started on 15 October, so it counts now. Before (31 October): Up 100 000,
    # Down 50 000, Gone 40 000, Late 25 000, New 70 000 = 285 000.
    # End: Up 130 000 (GRR: at most 100 000), Down 50 000, Gone 0, Late 25 000, New 70 000.
    grr, nrr = _kpi("revenue.grr", november), _kpi("revenue.nrr", november)
    assert (grr.numerator, grr.denominator) == (245_000, 285_000)
    assert (nrr.numerator, nrr.denominator) == (275_000, 285_000)


def test_a_period_without_clients_at_its_start_is_null(db):
    assert _kpi("revenue.grr").value is None
    assert _kpi("revenue.nrr").met is None


def test_the_history_records_each_change_with_its_reason(portfolio):
    up = portfolio["up"]
    up.refresh_from_db()
    assert up.mrr_rub == Decimal(130_000)  # the history's value for today
    assert list(up.mrr_history.order_by("effective_on").values_list("effective_on", "reason")) == [
        (dt.date(2024, 1, 15), MrrReason.NEW),
        (dt.date(2026, 11, 1), MrrReason.UPSELL),
    ]
    assert portfolio["down"].mrr_history.get(effective_on=dt.date(2026, 12, 10)).reason == (
        MrrReason.DOWNSELL
    )
    assert portfolio["late"].mrr_history.get(effective_on=dt.date(2026, 10, 1)).reason == (
        MrrReason.PRICE
    )


def test_dashboard_and_report_show_revenue_retention(portfolio, staff, client):
    from django.urls import reverse

    from soprovod.reports.generator import build_report_data

    client.force_login(staff.head)
    html = client.get(reverse("kpi:dashboard") + "?period=quarter&quarter=2026-Q4").content
    html = html.decode()
    assert "Удержание выручки (GRR)" in html
    assert "Чистое удержание выручки (NRR)" in html
    report = build_report_data("quarterly", Q4)
    rows = {row.kpi.key: row for section in report.kpi_sections for row in section.kpis}
    assert rows["revenue.grr"].kpi.value == pytest.approx(150_000 / 210_000)
    assert rows["revenue.nrr"].kpi.value == pytest.approx(185_000 / 210_000)


def test_drilldown_lists_the_clients_counted_with_their_mrr(
    portfolio, staff, client, django_assert_num_queries
):
    from django.urls import reverse

    from soprovod.kpi.breakdowns import drilldown

    records = drilldown(Q4, "revenue.grr")
    with django_assert_num_queries(1):
        rows = [(c.name, c.mrr_before, c.mrr_at_end, str(c.success_manager)) for c in records]
    assert [row[:3] for row in rows] == [
        ("Up", 100_000, 130_000),
        ("Down", 50_000, 30_000),
        ("Gone", 40_000, 0),
        ("Late", 20_000, 25_000),
    ]
    client.force_login(staff.head)
    url = reverse("kpi:drilldown", args=["revenue.nrr"])
    html = client.get(url + "?period=quarter&quarter=2026-Q4").content.decode()
    assert html.count('class="num mrr-before"') == 4
