"""Each KPI on small hand-made data whose answers are worked out here by hand (kpi.md).

October 2026 in Moscow; the default calendar is Mon–Fri 09:00–18:00 (no October holidays).
"""

import datetime as dt

import pytest
import time_machine

from soprovod.clients.actions import do_create_client, do_update_client
from soprovod.kpi.engine import compute
from soprovod.kpi.models import KpiTarget
from soprovod.kpi.tests import fixtures
from soprovod.kpi.tests.fixtures import NOW, OCTOBER, make_ticket, msk
from soprovod.lib.periods import Period
from soprovod.surveys.models import SurveyResponse
from soprovod.tickets import actions
from soprovod.tickets.models import TicketStatus
from soprovod.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def department(staff, companies):
    """Seven tickets and five clients; the expected numbers are worked out in each test."""
    passes = CategoryFactory(name="Пропуска")
    barriers = CategoryFactory(name="Шлагбаумы")
    app = CategoryFactory(name="Мобильное приложение")
    s = staff.support

    def ticket(created, type, category, client=companies.a):
        return make_ticket(created, type, category, client)

    def reply(t, at):
        fixtures.reply(s, t, at)

    def resolve(t, at):
        fixtures.resolve(s, t, at)

    with time_machine.travel(NOW, tick=False):
        # September: T6, then T7 a repeat of it (same client and category, 1 h after).
        t6 = ticket(msk(2026, 9, 28, 10, 0), "standard", passes)
        reply(t6, msk(2026, 9, 28, 10, 5))
        resolve(t6, msk(2026, 9, 29, 10, 0))
        actions.do_rate(companies.client1, t6, 1)
        ticket(msk(2026, 9, 29, 11, 0), "standard", passes)
        # T1: repeat of T6 (resolved 6 days before); FR 30 min; resolved after 9 h; CSAT 5.
        t1 = ticket(msk(2026, 10, 5, 10, 0), "standard", passes)
        reply(t1, msk(2026, 10, 5, 10, 30))
        resolve(t1, msk(2026, 10, 6, 10, 0))
        actions.do_rate(companies.client1, t1, 5)
        # T2: FR 300 min > 240 → breached; resolved after 11 h, reopened, resolved again +1 h.
        t2 = ticket(msk(2026, 10, 5, 10, 0), "standard", barriers, client=companies.b)
        reply(t2, msk(2026, 10, 5, 15, 0))
        resolve(t2, msk(2026, 10, 6, 12, 0))
        actions.do_reopen(s, t2, at=msk(2026, 10, 7, 10, 0))
        t2.refresh_from_db()
        resolve(t2, msk(2026, 10, 7, 11, 0))
        # T3: emergency on a Saturday: FR 10 min (24/7); resolved Monday 11:00 = 2 business h.
        t3 = ticket(msk(2026, 10, 10, 12, 0), "emergency", app)
        reply(t3, msk(2026, 10, 10, 12, 10))
        resolve(t3, msk(2026, 10, 12, 11, 0))
        actions.do_rate(companies.client1, t3, 4)
        # T5: FR 15 min; waits for the client 9 business hours; resolved: 11 h − 9 h = 2 h.
        t5 = ticket(msk(2026, 10, 14, 10, 0), "standard", app, client=companies.b)
        reply(t5, msk(2026, 10, 14, 10, 15))
        actions.do_change_status(s, t5, TicketStatus.WAITING_CLIENT, at=msk(2026, 10, 14, 11, 0))
        actions.do_change_status(s, t5, TicketStatus.OPEN, at=msk(2026, 10, 15, 11, 0))
        resolve(t5, msk(2026, 10, 15, 12, 0))
        # T4: consultation on Saturday 31 October, unanswered, first response due Monday:
        # still pending at NOW, so left out of SLA compliance.
        # (Client B has no earlier pass ticket, so T4 is not a repeat.)
        ticket(msk(2026, 10, 31, 12, 0), "consultation", passes, client=companies.b)

        # Clients: A and B (fixture, since 2024); C churns on the period's first day;
        # D starts mid-period; E churned in September.
        c = do_create_client(
            None,
            name="C",
            inn="7707083893",
            mrr_rub=1,
            status="active",
            contract_start=dt.date(2024, 1, 1),
        )
        do_update_client(None, c, status="churned", churned_at=dt.date(2026, 10, 1))
        do_create_client(
            None,
            name="D",
            inn="7736207543",
            mrr_rub=1,
            status="onboarding",
            contract_start=dt.date(2026, 10, 15),
        )
        e = do_create_client(
            None,
            name="E",
            inn="7702070139",
            mrr_rub=1,
            status="active",
            contract_start=dt.date(2024, 1, 1),
        )
        do_update_client(None, e, status="churned", churned_at=dt.date(2026, 9, 15))

        # NPS: 10, 9 promoters; 8 passive; 6, 3 detractors in October; a 0 in September.
        for score, day in ((10, 2), (9, 3), (8, 4), (6, 5), (3, 6)):
            SurveyResponse.objects.create(
                kind="nps", client=companies.a, score=score, answered_at=msk(2026, 10, day, 12, 0)
            )
        SurveyResponse.objects.create(
            kind="nps", client=companies.a, score=0, answered_at=msk(2026, 9, 20, 12, 0)
        )
    return compute(OCTOBER, now=NOW)


def kpi(document, key):
    return document.get(key)


def test_sla_compliance_leaves_pending_tickets_out(department):
    standard = kpi(department, "sla.standard")
    assert (standard.numerator, standard.denominator) == (2, 3)  # T1, T5 met; T2 breached
    assert standard.value == pytest.approx(2 / 3)
    assert standard.met is False
    assert kpi(department, "sla.emergency").value == 1.0
    assert kpi(department, "sla.emergency").met is True
    consultation = kpi(department, "sla.consultation")
    assert consultation.value is None and consultation.met is None  # T4 pending: no data
    assert consultation.denominator == 0
    assert kpi(department, "sla.all").value == pytest.approx(3 / 4)


def test_response_and_resolution_percentiles(department):
    # First response, standard: 15, 30, 300 minutes.
    assert kpi(department, "first_response.standard.median").value == pytest.approx(30)
    assert kpi(department, "first_response.standard.p90").value == pytest.approx(30 + 0.8 * 270)
    assert kpi(department, "first_response.emergency.median").value == pytest.approx(10)
    # Resolution, standard, pauses excluded: T5 120, T1 540, T2 660 + 60 after reopening.
    assert kpi(department, "resolution.standard.median").value == pytest.approx(540)
    assert kpi(department, "resolution.standard.p90").value == pytest.approx(540 + 0.8 * 180)
    assert kpi(department, "resolution.emergency.median").value == pytest.approx(120)
    assert kpi(department, "resolution.consultation.median").value is None


def test_repeat_rate_and_its_change(department):
    rate = kpi(department, "repeat_rate")
    assert (rate.numerator, rate.denominator) == (2, 5)  # T1 (after T6) and T2 (reopened)
    change = kpi(department, "repeat_rate.change")
    assert change.value == pytest.approx(0.4 / 0.5 - 1)  # September: T7 of T6, T7 → 1 / 2
    assert change.met is True


def test_csat_counts_tickets_resolved_in_the_period(department):
    csat = kpi(department, "csat")
    assert csat.value == pytest.approx(4.5)  # T1 5 and T3 4; T6 (September) left out
    assert csat.met is True


def test_nps(department):
    nps = kpi(department, "nps")
    assert nps.value == pytest.approx(0.0)  # (2 promoters − 2 detractors) ÷ 5
    assert nps.denominator == 5
    assert nps.met is False


def test_retention_counts_churn_on_the_first_day(department):
    retention = kpi(department, "retention")
    assert (retention.numerator, retention.denominator) == (2, 3)  # A, B kept; C lost
    assert kpi(department, "portfolio.active_clients").value == 3  # A, B, D


def test_parts_without_data_report_null(department):
    for key in (
        "handoff.on_time",
        "dev_request.hours.median",
        "team.tasks_on_time",
        "budget.execution",
    ):
        assert kpi(department, key).value is None
        assert kpi(department, key).met is None
    assert kpi(department, "internal_satisfaction").value is None


def test_head_target_overrides_the_default(staff, department):
    KpiTarget.objects.create(
        key="sla.standard", valid_from=dt.date(2026, 1, 1), target=0.6, comparison=">="
    )
    document = compute(OCTOBER, now=NOW)
    assert kpi(document, "sla.standard").target == 0.6
    assert kpi(document, "sla.standard").met is True


def test_empty_period_is_null_everywhere_it_should_be(db):
    document = compute(Period(dt.date(2030, 1, 1), dt.date(2030, 1, 31)), now=NOW)
    assert kpi(document, "sla.all").value is None
    assert kpi(document, "csat").value is None
    assert kpi(document, "nps").value is None
    assert kpi(document, "repeat_rate.change").value is None


def test_document_costs_a_fixed_number_of_queries(department, django_assert_max_num_queries):
    # Seven of kpi.md's own, one per registered source (hand-offs, development requests,
    # meetings), two for the budget (plan in force, facts), one for the strategic KPIs' keys.
    with django_assert_max_num_queries(13):
        compute(OCTOBER, now=NOW)


def test_previous_period_rules():
    assert Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)).previous() == Period(
        dt.date(2026, 9, 1), dt.date(2026, 9, 30)
    )
    assert Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30)).previous() == Period(
        dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    assert Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).previous() == Period(
        dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    )
    assert Period(dt.date(2026, 10, 5), dt.date(2026, 10, 14)).previous() == Period(
        dt.date(2026, 9, 25), dt.date(2026, 10, 4)
    )


def test_strategic_kpis_are_in_the_document_as_null_until_a_plan_exists(db):
    document = compute(OCTOBER, now=NOW).as_json()
    strategic = [kpi for kpi in document["kpis"] if kpi["key"].startswith("strategic.")]
    assert [kpi["key"] for kpi in strategic] == ["strategic.plan_execution"]
    assert (strategic[0]["value"], strategic[0]["met"], strategic[0]["target"]) == (None, None, 1.0)


def test_a_registered_source_replaces_the_placeholder_with_its_own_keys(db, monkeypatch):
    from soprovod.kpi import engine

    monkeypatch.setattr(engine, "_sources", dict(engine._sources))

    def definitions():
        return [
            engine.KpiDef("strategic.nps_growth", "Рост NPS", 1.0, ">=", "share", "strategic"),
            engine.KpiDef(
                "strategic.plan_execution", "Выполнение", 1.0, ">=", "share", "strategic"
            ),
        ]

    def values(period, now):
        assert period == OCTOBER
        return {"strategic.nps_growth": {"value": 0.8, "numerator": 40, "denominator": 50}}

    engine.register_source(engine.KpiSource("strategic", definitions, values))
    document = compute(OCTOBER, now=NOW)

    growth = document.get("strategic.nps_growth")
    assert (growth.value, growth.numerator, growth.denominator, growth.met) == (0.8, 40, 50, False)
    assert document.get("strategic.plan_execution").value is None
    assert [k.key for k in document.kpis].count("strategic.plan_execution") == 1
