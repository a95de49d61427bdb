"""kpi.md «strategic.<key>» = fact ÷ plan per quarter: fed from a product KPI of the engine,
or entered by hand with a comment; the page for the head, read-only for the CEO."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from soprovod.budget import actions as budget_actions
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period
from soprovod.strategic import actions, queries
from soprovod.strategic.actions import StrategicError
from soprovod.strategic.models import FactSource

Q1 = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
Q2 = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
NOW = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english(default_language):
    with translation.override("en"):
        yield


@pytest.fixture
def budget_q1(staff):
    """Q1 2026: plan 300 000 (100 000 a month), fact 270 000: budget.execution 0.9."""
    version = budget_actions.do_start_version(staff.head, 2026)
    budget_actions.do_set_plan(
        staff.head, version, {(m, "staff"): Decimal(100_000) for m in (1, 2, 3)}
    )
    budget_actions.do_submit_version(staff.head, version)
    budget_actions.do_approve_version(staff.ceo, version)
    for month in (1, 2, 3):
        budget_actions.do_set_fact(
            staff.head, year=2026, month=month, category="staff", amount=Decimal(90_000)
        )


def test_fed_from_a_product_kpi(staff, budget_q1):
    actions.do_define_kpi(
        staff.head,
        year=2026,
        key="budget_discipline",
        title="Бюджетная дисциплина",
        source=FactSource.KPI,
        kpi_key="budget.execution",
        plans={1: 0.8, 2: 0.9},
    )
    kpi = compute(Q1, now=NOW).get("strategic.budget_discipline")
    # fact 0.9 (the engine's budget.execution for Q1) ÷ plan 0.8
    assert (kpi.numerator, kpi.denominator) == (0.9, 0.8)
    assert kpi.value == pytest.approx(1.125)
    assert kpi.met is True
    assert compute(Q2, now=NOW).get("strategic.budget_discipline").value is None  # no facts
    history = queries.year_history(2026, now=NOW)[0].quarters
    assert [q.fact for q in history] == [0.9, None, None, None]
    assert [q.plan for q in history] == [0.8, 0.9, None, None]
    # A month is no strategic period: null, and nothing recursed.
    month = compute(Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), now=NOW)
    assert month.get("strategic.budget_discipline").value is None
    plan_execution = compute(YEAR, now=NOW).get("strategic.plan_execution")
    assert (plan_execution.numerator, plan_execution.denominator) == (1, 1)


def test_entered_by_hand_with_a_comment(staff):
    kpi = actions.do_define_kpi(
        staff.head,
        year=2026,
        key="kb_articles",
        title="Статьи базы знаний",
        source=FactSource.MANUAL,
        plans={1: 20, 2: 20, 3: 25, 4: 25},
    )
    with pytest.raises(StrategicError, match="needs a comment"):
        actions.do_enter_fact(staff.head, kpi, quarter=1, value=18, comment=" ")
    actions.do_enter_fact(staff.head, kpi, quarter=1, value=18, comment="по реестру статей")
    actions.do_enter_fact(staff.head, kpi, quarter=2, value=30, comment="по реестру статей")
    q1 = compute(Q1, now=NOW).get("strategic.kb_articles")
    assert (q1.value, q1.met) == (0.9, False)
    year = compute(YEAR, now=NOW).get("strategic.kb_articles")
    # Σ fact ÷ Σ plan over the quarters with both: (18 + 30) ÷ (20 + 20)
    assert (year.numerator, year.denominator, year.value) == (48, 40, 1.2)
    assert queries.year_history(2026, now=NOW)[0].quarters[0].comment == "по реестру статей"
    plan_execution = compute(YEAR, now=NOW).get("strategic.plan_execution")
    assert plan_execution.value == 1.0


def test_definitions_are_checked(staff):
    with pytest.raises(StrategicError, match="product KPI"):
        actions.do_define_kpi(
            staff.head,
            year=2026,
            key="x",
            title="X",
            source=FactSource.KPI,
            kpi_key="nonsense",
            plans={},
        )
    with pytest.raises(StrategicError, match="zero"):
        actions.do_define_kpi(
            staff.head,
            year=2026,
            key="y",
            title="Y",
            source=FactSource.MANUAL,
            plans={1: 0},
        )
    actions.do_define_kpi(
        staff.head, year=2026, key="z", title="Z", source=FactSource.MANUAL, plans={1: 1}
    )
    with pytest.raises(StrategicError, match="already defined"):
        actions.do_define_kpi(
            staff.head, year=2026, key="z", title="Z", source=FactSource.MANUAL, plans={1: 1}
        )


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


def test_page_for_the_head_read_only_for_the_ceo_refused_to_others(staff, companies, as_user):
    head = as_user(staff.head)
    url = reverse("strategic:year", args=[2026])
    response = head.post(
        url,
        {
            "key": "retention",
            "title": "Удержание",
            "source": "kpi",
            "kpi_key": "retention",
            "q1": "0.98",
            "q2": "0.98",
        },
    )
    assert response.status_code == 302
    kpi = queries.year_history(2026)[0].kpi
    ceo = as_user(staff.ceo)
    page = ceo.get(url).content.decode()
    assert "strategic.retention" in page and 'id="str-define"' not in page
    assert ceo.post(url, {"key": "x"}).status_code == 403
    assert ceo.post(reverse("strategic:plans", args=[kpi.pk]), {"q1": "1"}).status_code == 403
    for user in (staff.support, staff.sales, staff.dev, staff.csm, companies.client1):
        c = as_user(user)
        assert c.get(url).status_code == 403
        assert c.post(reverse("strategic:fact", args=[kpi.pk]), {}).status_code == 403


def test_demo_strategic_kpis(staff, time_machine):
    import random

    from soprovod.core.demo import DemoContext
    from soprovod.strategic.demo import create_strategic_kpis

    time_machine.move_to(NOW, tick=False)
    ctx = DemoContext(seed=1, client_count=0, months=12, today=dt.date(2026, 11, 2))
    ctx.rng = random.Random(1)
    ctx.users = {"head": staff.head}
    create_strategic_kpis(ctx)
    history = {h.kpi.key: h for h in queries.year_history(2026, now=NOW)}
    assert set(history) == {"retention", "sla", "csat", "knowledge_articles"}
    articles = history["knowledge_articles"].quarters
    assert [q.fact is not None for q in articles] == [True, True, True, False]
    assert all(q.plan for q in history["sla"].quarters)
