"""Issue 16: a public reply on an unassigned ticket makes the replier its assignee unless they
untick «Assign the ticket to me»; resolving by hand an uncategorised ticket asks for a
category first."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, Ticket, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=MSK), tick=False):
        yield


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _ticket(companies, category=None):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум не реагирует на пропуск.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=category,
    )


def _reply(client, ticket, **extra):
    data = {"body": "Перезагрузите контроллер", "kind": "public", "version": ticket.version}
    return client.post(reverse("tickets:reply", args=[ticket.pk]), data | extra)


def test_the_reply_form_offers_to_take_an_unassigned_ticket(client, companies, staff):
    ticket = _ticket(companies)
    client.force_login(staff.support)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'name="take"' in page and "Assign the ticket to me" in page
    actions.do_assign(staff.head, ticket, staff.engineer)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'name="take"' not in page


def test_a_public_reply_takes_an_unassigned_ticket(client, companies, staff):
    ticket = _ticket(companies)
    client.force_login(staff.support)
    assert _reply(client, ticket, take="on").status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.assignee == staff.support
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATED).latest("pk")
    assert event.actor == staff.support and "assignee" in event.changes


def test_unticked_the_ticket_stays_unassigned(client, companies, staff):
    ticket = _ticket(companies)
    client.force_login(staff.support)
    assert _reply(client, ticket).status_code == 302  # the box unticked: not posted
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_an_assigned_ticket_keeps_its_assignee(companies, staff):
    ticket = _ticket(companies)
    actions.do_assign(staff.head, ticket, staff.engineer)
    actions.do_add_message(staff.support, ticket, "Ответ", take=True)
    assert Ticket.objects.get(pk=ticket.pk).assignee == staff.engineer


def test_an_internal_note_does_not_take_the_ticket(companies, staff):
    ticket = _ticket(companies)
    actions.do_add_message(staff.support, ticket, "Заметка", internal=True, take=True)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_resolving_without_a_category_asks_for_one(client, companies, staff):
    ticket = _ticket(companies)
    client.force_login(staff.support)
    response = client.post(
        reverse("tickets:status", args=[ticket.pk]),
        {"status": "resolved", "version": ticket.version},
        follow=True,
    )
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW
    assert "Choose the ticket&#x27;s category before resolving it" in response.content.decode()


def test_with_a_category_the_ticket_resolves(client, companies, staff):
    ticket = _ticket(companies, category=CategoryFactory())
    client.force_login(staff.support)
    client.post(
        reverse("tickets:status", args=[ticket.pk]),
        {"status": "resolved", "version": ticket.version},
    )
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.RESOLVED


def test_the_action_itself_refuses_when_asked(companies, staff):
    ticket = _ticket(companies)
    with pytest.raises(actions.TicketError):
        actions.do_change_status(
            staff.support, ticket, TicketStatus.RESOLVED, require_category=True
        )
