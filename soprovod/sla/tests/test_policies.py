"""SLA по договору (issue 15): policies created and retired by the head, assignment rules by
client, tariff and segment with the default as the fallback, the recalculation of a client's
open tickets only, the audit trail, and the terms in plain words on the client page and in
the portal."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import trail_for
from soprovod.clients.tests.factories import ClientFactory
from soprovod.sla import actions, queries
from soprovod.sla.models import (
    ClockStatus,
    Metric,
    PolicyRule,
    SlaClock,
    SlaPolicy,
    TicketType,
    WorkCalendar,
)
from soprovod.sla.terms import client_terms, policy_lines
from soprovod.sla.tests.helpers import premium_policy
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, TicketStatus

MSK = ZoneInfo("Europe/Moscow")
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def default(db) -> SlaPolicy:
    return SlaPolicy.objects.get(is_default=True)


@pytest.fixture
def round_the_clock(db) -> WorkCalendar:
    return WorkCalendar.objects.get(is_24x7=True)


@pytest.fixture
def premium(staff, round_the_clock) -> SlaPolicy:
    """«Премиум 24/7»: every target round the clock, a standard ticket answered in an hour."""
    return premium_policy(staff.head, warning_ratio="0.75")


def _ticket(client, *, type=TicketType.STANDARD, actor=None):
    return ticket_actions.do_create_ticket(
        actor,
        client=client,
        subject="Не открывается шлагбаум",
        body="Шлагбаум не реагирует на пропуск.",
        type=type,
        channel=Channel.PHONE,
    )


def _first_response(ticket) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)


# ---- which policy a client gets ---------------------------------------------------------------


def test_without_rules_every_client_gets_the_default(staff, default):
    client = ClientFactory(tariff="Бизнес", segment="Бизнес-центры")
    assert queries.policy_for(client) == default
    assert queries.policy_for(None) == default


def test_tariff_segment_and_client_rules_in_their_order(staff, default, premium):
    gold = actions.do_create_policy(
        staff.head, name="Золото", warning_ratio="0.8", targets={}
    ).policy
    corporate = ClientFactory(tariff="Корпоративный", segment="Заводы")
    factory = ClientFactory(tariff="Старт", segment="Заводы")
    other = ClientFactory(tariff="Старт", segment="ЖК")
    actions.do_save_rule(staff.head, None, kind="tariff", value="корпоративный", policy=premium)
    actions.do_save_rule(staff.head, None, kind="segment", value="Заводы", policy=gold)
    # The tariff rule comes first: a corporate factory gets the premium policy.
    assert queries.policy_for(corporate) == premium
    assert queries.policy_for(factory) == gold
    assert queries.policy_for(other) == default
    # Moved down, the tariff rule loses to the segment rule for the corporate factory.
    tariff_rule = PolicyRule.objects.get(kind="tariff")
    actions.do_move_rule(staff.head, tariff_rule, +1)
    assert queries.policy_for(corporate) == gold
    # A client's own policy beats every tariff and segment rule.
    actions.do_set_client_policy(staff.head, corporate, premium)
    assert queries.policy_for(corporate) == premium
    assert queries.rule_for(corporate).kind == PolicyRule.Kind.CLIENT
    # Removing it lets the rules decide again.
    actions.do_set_client_policy(staff.head, corporate, None)
    assert queries.policy_for(corporate) == gold


def test_a_new_ticket_starts_its_clocks_on_the_clients_policy(staff, default, premium, clock):
    client = ClientFactory(tariff="Корпоративный")
    actions.do_save_rule(staff.head, None, kind="tariff", value="Корпоративный", policy=premium)
    ticket = _ticket(client)
    assert ticket.policy == premium
    clock_row = _first_response(ticket)
    assert clock_row.target_seconds == 60 * 60
    assert clock_row.due_at == MONDAY_10 + dt.timedelta(hours=1)
    # Another client, no rule: the default's 4 business hours.
    plain = _ticket(ClientFactory(tariff="Старт"))
    assert plain.policy == default
    assert _first_response(plain).target_seconds == 4 * 3600


def test_a_rule_refuses_a_retired_policy_and_names_the_field(staff, premium):
    actions.do_retire_policy(staff.head, premium)
    with pytest.raises(ValidationError) as error:
        actions.do_save_rule(staff.head, None, kind="tariff", value="Корпоративный", policy=premium)
    assert "policy" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.do_set_client_policy(staff.head, ClientFactory(), premium)


def test_the_same_tariff_cannot_have_two_rules(staff, premium, default):
    actions.do_save_rule(staff.head, None, kind="tariff", value="Бизнес", policy=premium)
    with pytest.raises(ValidationError) as error:
        actions.do_save_rule(staff.head, None, kind="tariff", value=" бизнес ", policy=default)
    assert "value" in error.value.message_dict


# ---- recalculation and audit ------------------------------------------------------------------


def test_changing_a_clients_policy_recomputes_its_open_tickets_only(
    staff, default, premium, clock, django_capture_on_commit_callbacks
):
    client = ClientFactory()
    neighbour = ClientFactory()
    open_ticket = _ticket(client)
    closed_ticket = _ticket(client)
    neighbours = _ticket(neighbour)
    # The closed ticket was answered late on the default policy: its breach is its history.
    clock.move_to(MONDAY_10 + dt.timedelta(hours=5))
    ticket_actions.do_add_message(staff.support, closed_ticket, "Проверили, работает.")
    ticket_actions.do_change_status(staff.support, closed_ticket, TicketStatus.RESOLVED)
    ticket_actions.do_change_status(staff.support, closed_ticket, TicketStatus.CLOSED)
    closed_before = {c.metric: (c.status, c.due_at) for c in closed_ticket.clocks.all()}
    assert closed_before[Metric.FIRST_RESPONSE][0] == ClockStatus.BREACHED

    with django_capture_on_commit_callbacks(execute=True):
        change = actions.do_set_client_policy(
            staff.head, client, premium, reason="Допсоглашение №3"
        )
    assert change.recompute == actions.Recompute.INLINE

    open_ticket.refresh_from_db()
    assert open_ticket.policy == premium
    assert _first_response(open_ticket).target_seconds == 3600
    assert _first_response(open_ticket).due_at == MONDAY_10 + dt.timedelta(hours=1)
    closed_ticket.refresh_from_db()
    assert closed_ticket.policy == default
    assert {c.metric: (c.status, c.due_at) for c in closed_ticket.clocks.all()} == closed_before
    neighbours.refresh_from_db()
    assert neighbours.policy == default

    # Audited on the client's trail, with the reason.
    event = AuditEvent.objects.get(object_id=str(PolicyRule.objects.get().pk), reason__gt="")
    assert event.parent_id == str(client.pk)
    assert event.action == AuditEvent.Action.CREATED
    assert event.reason == "Допсоглашение №3"
    assert event.changes["policy"][1] == "Премиум 24/7"
    assert event in trail_for(client)

    # Running the job again moves nothing: it is idempotent.
    assert actions.reassign_clients([client.pk]) == 0
    assert actions.reassign_clients(None) == 0


def test_a_tariff_rule_moves_the_open_tickets_of_every_matching_client(
    staff, default, premium, clock, django_capture_on_commit_callbacks
):
    corporate = ClientFactory(tariff="Корпоративный")
    start = ClientFactory(tariff="Старт")
    corporate_ticket, start_ticket = _ticket(corporate), _ticket(start)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_save_rule(staff.head, None, kind="tariff", value="Корпоративный", policy=premium)
    corporate_ticket.refresh_from_db()
    start_ticket.refresh_from_db()
    assert corporate_ticket.policy == premium
    assert start_ticket.policy == default
    rule = PolicyRule.objects.get()
    assert any(e.object_id == str(rule.pk) for e in trail_for(premium))
    # Removing the rule puts them back on the default.
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_delete_rule(staff.head, rule)
    corporate_ticket.refresh_from_db()
    assert corporate_ticket.policy == default
    assert _first_response(corporate_ticket).target_seconds == 4 * 3600


def test_the_background_task_does_the_same_work(staff, premium, clock):
    from soprovod.sla.tasks_recompute import reassign_policies

    client = ClientFactory()
    ticket = _ticket(client)
    PolicyRule.objects.create(kind="client", client=client, policy=premium)
    assert reassign_policies.run([client.pk]) == 1
    assert reassign_policies.run([client.pk]) == 0
    ticket.refresh_from_db()
    assert ticket.policy == premium


# ---- retiring --------------------------------------------------------------------------------


def test_retiring_keeps_the_tickets_clocks_and_refuses_while_rules_assign_it(staff, premium, clock):
    client = ClientFactory()
    PolicyRule.objects.create(kind="client", client=client, policy=premium)
    ticket = _ticket(client)
    due = _first_response(ticket).due_at
    with pytest.raises(ValidationError):
        actions.do_retire_policy(staff.head, premium)
    PolicyRule.objects.all().delete()
    actions.do_retire_policy(staff.head, premium, reason="Тариф закрыт")
    premium.refresh_from_db()
    assert premium.is_retired
    ticket.refresh_from_db()
    assert ticket.policy == premium
    assert _first_response(ticket).due_at == due
    assert any(e.reason == "Тариф закрыт" for e in trail_for(premium))
    # Not assignable, and rules of a retired policy (made behind the actions' back) are
    # skipped: the client falls back to the default.
    PolicyRule.objects.create(kind="client", client=client, policy=premium)
    assert queries.policy_for(client).is_default
    actions.do_restore_policy(staff.head, premium)
    assert queries.policy_for(client) == premium


def test_the_default_policy_cannot_be_retired(staff, default):
    with pytest.raises(ValidationError):
        actions.do_retire_policy(staff.head, default)


# ---- the words ---------------------------------------------------------------------------------


def test_the_default_terms_in_plain_russian(default, clock):
    lines = {line.ticket_type: line for line in policy_lines(default)}
    emergency = lines["emergency"]
    assert emergency.heading == "Экстренные обращения"
    assert emergency.text.startswith("Первый ответ в течение 15 минут, круглосуточно")
    assert "решение в течение 4 рабочих часов (пн–пт 09:00–18:00 по московскому времени" in (
        emergency.text
    )
    standard = lines["standard"].text
    assert "решение в течение 24 рабочих часов" in standard
    # The standard ceiling (5 calendar days) adds room past 24 business hours: it is said.
    assert "до 5 календарных дней" in standard
    # The consultation's ceiling is the target itself (sla.md): nothing to promise.
    assert "календарных дней" not in lines["consultation"].text


def test_client_terms_name_the_policy_and_why(staff, premium, clock):
    client = ClientFactory(tariff="Корпоративный")
    actions.do_save_rule(staff.head, None, kind="tariff", value="Корпоративный", policy=premium)
    terms = client_terms(client)
    assert terms.policy == premium
    assert "Корпоративный" in terms.source
    assert terms.lines[0].text.startswith("Первый ответ в течение 10 минут, круглосуточно")


# ---- pages and who may use them ---------------------------------------------------------------


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_only_the_head_creates_a_policy(signed_in, staff, round_the_clock, default):
    url = reverse("sla:policy_create")
    for user in (staff.support, staff.csm, staff.sales, staff.dev, staff.ceo):
        assert signed_in(user).get(url).status_code == 403
        assert signed_in(user).post(url, {"name": "X"}).status_code == 403
    head = signed_in(staff.head)
    assert head.get(url).status_code == 200
    response = head.post(url, {"name": "", "warning_percent": 80})
    assert response.status_code == 200
    assert "Название: укажите название политики." in response.content.decode()
    assert SlaPolicy.objects.count() == 2 - 1  # nothing saved: only the default
    data = {"name": "Стандарт плюс", "warning_percent": 70}
    data.update({"standard-first_response-hours": 2, "standard-first_response-minutes": 0})
    data["standard-first_response-calendar"] = round_the_clock.pk
    response = head.post(url, data)
    policy = SlaPolicy.objects.get(name="Стандарт плюс")
    assert response.status_code == 302
    assert str(policy.warning_ratio) == "0.70"
    assert policy.targets.get().target_minutes == 120
    assert any(e.action == AuditEvent.Action.CREATED for e in trail_for(policy))


def test_only_the_head_changes_rules_and_client_policies(signed_in, staff, companies, premium):
    data = {"kind": "tariff", "value": "Корпоративный", "policy": premium.pk}
    client_url = reverse("sla:client_policy", args=[companies.a.pk])
    for user in (staff.support, staff.csm, staff.sales, staff.ceo, companies.client1):
        assert signed_in(user).post(reverse("sla:rules"), data).status_code == 403
        assert signed_in(user).post(client_url, {"policy": premium.pk}).status_code == 403
        url = reverse("sla:policy_retire", args=[premium.pk])
        assert signed_in(user).post(url).status_code == 403
    assert not PolicyRule.objects.exists()
    head = signed_in(staff.head)
    assert head.post(reverse("sla:rules"), data).status_code == 302
    assert head.post(client_url, {"policy": premium.pk}).status_code == 302
    assert queries.rule_for(companies.a).kind == PolicyRule.Kind.CLIENT
    response = head.post(reverse("sla:rules"), {"kind": "tariff", "value": "", "policy": ""})
    html = response.content.decode()
    assert "Тариф или сегмент: укажите его так, как он записан в карточке клиента." in html


def test_the_client_page_shows_its_terms_and_the_head_may_change_them(
    signed_in, staff, companies, premium, clock
):
    PolicyRule.objects.create(kind="client", client=companies.a, policy=premium)
    url = reverse("clients:detail", args=[companies.a.pk])
    html = signed_in(staff.csm).get(url).content.decode()
    assert "sla-terms-panel" in html
    assert "Премиум 24/7" in html
    assert "Первый ответ в течение 10 минут, круглосуточно" in html
    assert "sla-client-policy" not in html  # the CSM reads, the head changes
    assert "sla-client-policy" in signed_in(staff.head).get(url).content.decode()


def test_the_portal_shows_the_contacts_own_company_terms_only(
    signed_in, staff, companies, premium, default, clock
):
    PolicyRule.objects.create(kind="client", client=companies.a, policy=premium)
    a_page = signed_in(companies.client1).get(reverse("portal:sla")).content.decode()
    assert "Первый ответ в течение 10 минут, круглосуточно" in a_page
    assert companies.a.name.replace("«", "&laquo;") in a_page or companies.a.name in a_page
    b_page = signed_in(companies.client2).get(reverse("portal:sla")).content.decode()
    assert "10 минут" not in b_page
    assert "Первый ответ в течение 15 минут, круглосуточно" in b_page
    # B's contact cannot open A's client page (and so A's terms) at all.
    response = signed_in(companies.client2).get(reverse("clients:detail", args=[companies.a.pk]))
    assert response.status_code in (403, 404)
    # Staff have no portal.
    assert signed_in(staff.head).get(reverse("portal:sla")).status_code == 403


def test_the_policy_page_lists_who_gets_it_and_the_retire_button(signed_in, staff, premium):
    PolicyRule.objects.create(kind="tariff", value="Корпоративный", policy=premium)
    html = signed_in(staff.head).get(reverse("sla:policy", args=[premium.pk])).content.decode()
    assert "Корпоративный" in html
    assert reverse("sla:policy_retire", args=[premium.pk]) in html
    response = signed_in(staff.head).post(reverse("sla:policy_retire", args=[premium.pk]))
    assert response.status_code == 302
    premium.refresh_from_db()
    assert not premium.is_retired  # a rule still gives it: refused, with the reason shown


# ---- the demo -----------------------------------------------------------------------------------


def test_the_demo_has_contract_policies_with_rules(db):
    from soprovod.sla.demo import BUSINESS, PREMIUM
    from soprovod.tickets.models import OPEN_STATUSES, Ticket
    from soprovod.web.demo import build_demo

    build_demo(clients=20, months=1, seed=42, today=dt.date(2026, 3, 2))
    premium = SlaPolicy.objects.get(name=PREMIUM)
    business = SlaPolicy.objects.get(name=BUSINESS)
    assert {r.value for r in PolicyRule.objects.filter(kind="tariff")} == {
        "Корпоративный",
        "Бизнес",
    }
    assert PolicyRule.objects.filter(kind="client", policy=premium).count() == 1
    # Every open ticket follows its client's policy; the shipped policy shows no warning.
    for ticket in Ticket.objects.filter(status__in=OPEN_STATUSES, client__isnull=False):
        assert (ticket.policy or queries.default_policy()) == queries.policy_for(ticket.client)
    assert actions.ceiling_warnings(premium.targets.all()) == []
    assert actions.ceiling_warnings(business.targets.all()) == []


def test_the_portal_and_telegram_promise_the_clients_own_times(staff, companies, premium):
    from soprovod.portal.forms import NewTicketForm
    from soprovod.portal.queries import type_promises

    PolicyRule.objects.create(kind="client", client=companies.a, policy=premium)
    assert NewTicketForm(companies.client1).promises["emergency"].response_minutes == 10
    assert NewTicketForm(companies.client2).promises["emergency"].response_minutes == 15
    assert type_promises(companies.a)["standard"].response_round_the_clock
    assert not type_promises(None)["standard"].response_round_the_clock
