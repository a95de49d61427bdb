"""Breakdowns, monthly trends and drill-downs on the hand-made department of ``fixtures.py``
(the table there is the data; every expected number below is worked out from it)."""

import datetime as dt

import pytest
import time_machine
from django.utils.translation import gettext

from soprovod.kpi import breakdowns
from soprovod.kpi.breakdowns import NoDrilldown, breakdown, drilldown, trend
from soprovod.kpi.engine import compute
from soprovod.kpi.tests import fixtures
from soprovod.kpi.tests.fixtures import NOW, OCTOBER, SEPTEMBER, add_more, make_ticket, msk
from soprovod.lib.periods import Period, calendar_month

department = fixtures.department  # the hand-made data, as a fixture of this module

pytestmark = pytest.mark.django_db


def rows_by_key(rows):
    return {row.key: row for row in rows}


# ---- breakdowns --------------------------------------------------------------------------


def test_breakdown_by_type(department):
    rows = breakdown(OCTOBER, "type", now=NOW)
    assert [row.key for row in rows] == ["emergency", "standard", "consultation"]
    emergency, standard, consultation = rows
    # Standard: T1, T2, T5 created; T1, T5 met, T2 breached; T1 and T2 repeats;
    # FR 15, 30, 300 → 30; resolution 120, 540, 720 → 540; CSAT of T1 5 and T7 3 (T7 was
    # created in September but resolved in October) → 4.0.
    assert (standard.created, standard.met, standard.breached, standard.repeats) == (3, 2, 1, 2)
    assert standard.sla_compliance == pytest.approx(2 / 3)
    assert standard.first_response_median == pytest.approx(30)
    assert standard.resolution_median == pytest.approx(540)
    assert (standard.csat, standard.csat_count) == (pytest.approx(4.0), 2)
    assert standard.repeat_rate == pytest.approx(2 / 3)
    assert (emergency.created, emergency.met, emergency.csat) == (1, 1, 4.0)
    assert emergency.first_response_median == pytest.approx(10)
    # Consultation: T4 is pending, so it counts as created but not in compliance.
    assert (consultation.created, consultation.met, consultation.breached) == (1, 0, 0)
    assert consultation.sla_compliance is None
    assert consultation.first_response_median is None


def test_breakdown_by_assignee(staff, department):
    rows = breakdown(OCTOBER, "assignee", now=NOW)
    by_key = rows_by_key(rows)
    support = by_key[staff.support.pk]  # T1, T3; rated T1 5, T3 4, T7 3
    assert (support.created, support.met, support.breached, support.repeats) == (2, 2, 0, 1)
    assert support.first_response_median == pytest.approx(20)  # 10, 30
    assert support.resolution_median == pytest.approx(330)  # 120, 540
    assert (support.csat, support.csat_count) == (pytest.approx(4.0), 3)
    assert support.label == str(staff.support)
    engineer = by_key[staff.engineer.pk]  # T2 breached, T4 pending
    assert (engineer.created, engineer.met, engineer.breached) == (2, 0, 1)
    assert engineer.sla_compliance == 0.0
    assert engineer.first_response_median == pytest.approx(300)
    assert engineer.csat is None
    nobody = by_key[None]  # T5
    assert (nobody.created, nobody.met, nobody.label) == (1, 1, gettext("Not assigned"))
    # Largest first; equal sizes: the one with more ratings first.
    assert [row.key for row in rows] == [staff.support.pk, staff.engineer.pk, None]


def test_breakdown_by_client(department):
    by_key = rows_by_key(breakdown(OCTOBER, "client", now=NOW))
    a, b = by_key[department.a.pk], by_key[department.b.pk]
    assert (a.created, a.met, a.breached, a.repeats, a.csat_count) == (2, 2, 0, 1, 3)
    assert (b.created, b.met, b.breached, b.repeats, b.csat_count) == (3, 1, 1, 1, 0)
    assert b.first_response_median == pytest.approx((15 + 300) / 2)
    assert b.resolution_median == pytest.approx((120 + 720) / 2)
    assert b.label == department.b.name


def test_breakdown_by_category(department):
    by_key = rows_by_key(breakdown(OCTOBER, "category", now=NOW))
    passes = by_key[department.passes.pk]  # T1 met, T4 pending; rated T1 5, T7 3
    assert (passes.created, passes.met, passes.breached, passes.repeats) == (2, 1, 0, 1)
    assert (passes.csat, passes.csat_count) == (pytest.approx(4.0), 2)
    app = by_key[department.app.pk]  # T3, T5
    assert app.first_response_median == pytest.approx(12.5)  # 10, 15
    assert (app.resolution_median, app.csat) == (pytest.approx(120), 4.0)
    barriers = by_key[department.barriers.pk]
    assert (barriers.created, barriers.breached, barriers.sla_compliance) == (1, 1, 0.0)


@pytest.mark.parametrize("by", breakdowns.GROUPINGS)
def test_breakdown_columns_add_up_to_the_document(department, by):
    document = compute(OCTOBER, now=NOW)
    rows = breakdown(OCTOBER, by, now=NOW)
    sla_all = document.get("sla.all")
    assert sum(row.met for row in rows) == sla_all.numerator
    assert sum(row.met + row.breached for row in rows) == sla_all.denominator
    repeat = document.get("repeat_rate")
    assert sum(row.repeats for row in rows) == repeat.numerator
    assert sum(row.created for row in rows) == repeat.denominator
    csat = document.get("csat")
    assert sum(row.csat_count for row in rows) == csat.denominator
    rated = [row for row in rows if row.csat_count]
    assert sum(row.csat * row.csat_count for row in rated) == pytest.approx(csat.numerator)


def test_breakdown_by_type_has_the_documents_medians(department):
    document = compute(OCTOBER, now=NOW)
    for row in breakdown(OCTOBER, "type", now=NOW):
        for metric in ("first_response", "resolution"):
            expected = document.get(f"{metric}.{row.key}.median").value
            assert getattr(row, f"{metric}_median") == pytest.approx(expected)


@pytest.mark.parametrize("by", breakdowns.GROUPINGS)
def test_each_breakdown_costs_a_fixed_number_of_queries(
    staff, companies, department, by, django_assert_num_queries
):
    # A month not stored (October is not built here): which months are stored, the tickets
    # created in it, the ratings of its resolutions; the names of the groups but for types.
    queries = 3 if by == "type" else 4
    with django_assert_num_queries(queries):
        breakdown(OCTOBER, by, now=NOW)
    add_more(staff, companies)
    with django_assert_num_queries(queries):
        rows = breakdown(OCTOBER, by, now=NOW)
    assert sum(row.created for row in rows) == 5 + 12


def test_unknown_breakdown_is_refused(db):
    with pytest.raises(ValueError, match="unknown breakdown"):
        breakdown(OCTOBER, "site")


# ---- trends ------------------------------------------------------------------------------


def test_trend_of_one_key(department):
    series = trend("sla.standard", dt.date(2026, 10, 31), 3, now=NOW)
    # September: T6 met, T7 breached (26 business hours > 24); October 2 of 3.
    assert series == [
        (dt.date(2026, 8, 1), None),
        (dt.date(2026, 9, 1), 0.5),
        (dt.date(2026, 10, 1), pytest.approx(2 / 3)),
    ]


def test_trend_values_worked_out_by_hand(department):
    series = trend(
        ["repeat_rate", "repeat_rate.change", "csat", "nps", "retention"],
        dt.date(2026, 10, 1),
        2,
        now=NOW,
    )
    september, october = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
    # September: T6, T7 (a repeat); October: T1, T2 repeats of 5.
    assert dict(series["repeat_rate"]) == {september: 0.5, october: pytest.approx(0.4)}
    assert dict(series["repeat_rate.change"]) == {september: None, october: pytest.approx(-0.2)}
    # CSAT by resolution month: T6 1 in September; T7 3, T1 5, T3 4 in October.
    assert dict(series["csat"]) == {september: 1.0, october: pytest.approx(4.0)}
    assert dict(series["nps"]) == {september: -100.0, october: 0.0}
    # September: A, B, C, E at the start, E lost; October: A, B, C at the start, C lost.
    assert dict(series["retention"]) == {september: 0.75, october: pytest.approx(2 / 3)}


def test_each_month_of_a_trend_is_what_compute_gives_for_it(department):
    series = trend(breakdowns.TREND_KEYS, dt.date(2026, 10, 15), 3, now=NOW)
    for month in (dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        document = compute(calendar_month(month), now=NOW)
        for key in breakdowns.TREND_KEYS:
            expected = document.get(key).value
            got = dict(series[key])[month]
            if expected is None:
                assert got is None, (key, month)
            else:
                assert got == pytest.approx(expected), (key, month)


def test_trend_groups_months_in_the_department_time_zone(staff, companies):
    with time_machine.travel(NOW, tick=False):
        # 00:30 on 1 November in Moscow is still 31 October in UTC.
        make_ticket(msk(2026, 11, 1, 0, 30), "standard", None, companies.a)
        make_ticket(msk(2026, 10, 31, 23, 30), "standard", None, companies.a)
        make_ticket(msk(2026, 10, 1, 0, 30), "standard", None, companies.a)
    series = dict(trend("repeat_rate", dt.date(2026, 11, 1), 3, now=NOW))
    # No repeats, so each month with tickets has rate 0 and September has none.
    assert series == {
        dt.date(2026, 9, 1): None,
        dt.date(2026, 10, 1): 0.0,
        dt.date(2026, 11, 1): 0.0,
    }


def test_a_whole_trend_costs_five_queries_whatever_the_data(
    staff, companies, department, django_assert_num_queries
):
    # the month layer (which months are stored, tickets by creation with their clocks,
    # ratings by resolution), surveys, clients — for all keys and twelve months at once.
    with django_assert_num_queries(5):
        trend(breakdowns.TREND_KEYS, dt.date(2026, 10, 1), now=NOW)
    add_more(staff, companies)
    with django_assert_num_queries(5):
        trend(breakdowns.TREND_KEYS, dt.date(2026, 10, 1), now=NOW)
    # The month layer: which months are stored, tickets by creation, ratings by resolution.
    with django_assert_num_queries(3):
        trend(["sla.all", "repeat_rate"], dt.date(2026, 10, 1), now=NOW)


def test_trend_months_and_keys_are_checked(db):
    months = [month for month, _value in trend("nps", dt.date(2026, 2, 10))]
    assert months[0] == dt.date(2025, 3, 1) and months[-1] == dt.date(2026, 2, 1)
    assert len(months) == 12
    with pytest.raises(ValueError, match="no monthly trend"):
        trend("budget.execution", dt.date(2026, 10, 1))


# ---- drill-down --------------------------------------------------------------------------


def pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def test_sla_drilldown_lists_the_counted_tickets(department):
    d = department
    assert pks(drilldown(OCTOBER, "sla.all", now=NOW)) == sorted(
        [d.t1.pk, d.t2.pk, d.t3.pk, d.t5.pk]
    )  # T4 pending: left out, as in the figure
    assert pks(drilldown(OCTOBER, "sla.all", outcome="breached", now=NOW)) == [d.t2.pk]
    assert pks(drilldown(OCTOBER, "sla.standard", outcome="met", now=NOW)) == sorted(
        [d.t1.pk, d.t5.pk]
    )
    assert pks(drilldown(OCTOBER, "sla.consultation", now=NOW)) == []
    assert pks(drilldown(SEPTEMBER, "sla.standard", outcome="breached", now=NOW)) == [d.t7.pk]


def test_drilldown_counts_match_the_figure(department):
    document = compute(OCTOBER, now=NOW)
    for key in ("sla.all", "sla.standard", "sla.emergency"):
        figure = document.get(key)
        assert drilldown(OCTOBER, key, now=NOW).count() == figure.denominator
        assert drilldown(OCTOBER, key, outcome="met", now=NOW).count() == figure.numerator
    assert drilldown(OCTOBER, "csat").count() == document.get("csat").denominator
    assert drilldown(OCTOBER, "nps").count() == document.get("nps").denominator


def test_time_drilldown_lists_measured_tickets_longest_first(department):
    d = department
    tickets = list(drilldown(OCTOBER, "first_response.standard.median", now=NOW))
    assert [t.pk for t in tickets] == [d.t2.pk, d.t1.pk, d.t5.pk]
    assert [t.minutes for t in tickets] == [pytest.approx(300), 30, 15]


def test_repeat_and_csat_drilldowns(department):
    d = department
    assert pks(drilldown(OCTOBER, "repeat_rate")) == sorted([d.t1.pk, d.t2.pk])
    assert pks(drilldown(OCTOBER, "repeat_rate.change")) == sorted([d.t1.pk, d.t2.pk])
    assert len(pks(drilldown(OCTOBER, "repeat_rate", outcome="all"))) == 5
    # Rated tickets resolved in October, lowest rating first.
    assert [t.pk for t in drilldown(OCTOBER, "csat")] == [d.t7.pk, d.t3.pk, d.t1.pk]


def test_client_drilldowns(department):
    d = department
    assert pks(drilldown(OCTOBER, "retention")) == [d.c.pk]  # churned on 1 October
    assert pks(drilldown(OCTOBER, "retention", outcome="at_start")) == sorted(
        [d.a.pk, d.b.pk, d.c.pk]
    )
    assert pks(drilldown(OCTOBER, "retention", outcome="kept")) == sorted([d.a.pk, d.b.pk])
    assert pks(drilldown(SEPTEMBER, "retention")) == [d.e.pk]
    assert pks(drilldown(OCTOBER, "portfolio.active_clients")) == sorted([d.a.pk, d.b.pk, d.d.pk])


def test_nps_drilldown_lists_the_answers(department):
    d = department
    assert pks(drilldown(OCTOBER, "nps")) == sorted(a.pk for a in d.answers)
    promoters = drilldown(OCTOBER, "nps", outcome="promoters")
    assert sorted(promoters.values_list("score", flat=True)) == [9, 10]
    assert sorted(
        drilldown(OCTOBER, "nps", outcome="detractors").values_list("score", flat=True)
    ) == [3, 6]
    assert pks(drilldown(SEPTEMBER, "nps")) == [d.september_answer.pk]


def test_drilldown_refuses_keys_without_records_and_wrong_outcomes(db):
    for key in ("budget.execution", "sla.urgent", "nonsense"):
        assert not breakdowns.has_drilldown(key)
        with pytest.raises(NoDrilldown):
            drilldown(OCTOBER, key)
    with pytest.raises(NoDrilldown):
        drilldown(OCTOBER, "csat", outcome="breached")
    with pytest.raises(NoDrilldown):  # a registered source's key checks its outcomes too
        drilldown(OCTOBER, "handoff.on_time", outcome="breached")
    assert breakdowns.drilldown_outcomes("sla.all") == ("counted", "met", "breached")


def test_a_drilldown_page_is_one_query(staff, companies, department, django_assert_num_queries):
    add_more(staff, companies)
    for key in ("sla.all", "csat", "retention", "nps"):
        records = drilldown(Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), key, now=NOW)
        with django_assert_num_queries(1):
            for record in records[:50]:
                str(getattr(record, "client", None))
                str(getattr(record, "assignee", None))
                str(getattr(record, "category", None))
