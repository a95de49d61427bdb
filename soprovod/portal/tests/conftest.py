"""Portal fixtures: company A's portal user (client1, the owner), a colleague at A and
company B's user (client2, the outsider), time frozen on a Monday morning in Moscow, and a
helper that files tickets the way the portal does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import time_machine

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.clients.tests.factories import ContactFactory
from soprovod.portal.tests.helpers import MONDAY_10
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketType


@pytest.fixture
def clock():
    """Frozen time; ``clock.move_to(...)`` moves it."""
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(companies):
    """Owner (client1 at A), colleague (another portal user at A), outsider (client2 at B)."""
    colleague = UserFactory(username="client1b", roles=[Role.CLIENT_CONTACT])
    ContactFactory(client=companies.a, user=colleague)
    return SimpleNamespace(owner=companies.client1, colleague=colleague, outsider=companies.client2)


@pytest.fixture
def file_ticket(companies, clock):
    """File a ticket as a company's portal user would (company A's client1 by default)."""

    def make(company="a", *, subject="Шлагбаум не открывается", type=TicketType.STANDARD, **kw):
        client = getattr(companies, company)
        contact = getattr(companies, f"contact_{company}")
        return actions.do_create_ticket(
            contact.user,
            client=client,
            contact=contact,
            site=getattr(companies, f"site_{company}"),
            subject=subject,
            body="Шлагбаум на въезде не реагирует на пропуск.",
            type=type,
            channel=Channel.PORTAL,
            **kw,
        )

    return make


@pytest.fixture
def as_user(client):
    """The test client signed in as ``user``, reading the interface in English."""

    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in
