"""The demo's macros and rules are valid and do their work on a new ticket."""

import datetime as dt

import pytest

from soprovod.core.demo import DemoContext
from soprovod.macros.demo import create_macros
from soprovod.macros.models import Macro
from soprovod.routing.demo import create_rules
from soprovod.routing.models import Rule
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Priority, TicketType

pytestmark = pytest.mark.django_db


def test_demo_macros_and_rules(staff, companies):
    ctx = DemoContext(seed=1, client_count=2, months=1, today=dt.date(2026, 3, 2))
    ctx.users = {user.username: user for user in vars(staff).values()}
    create_macros(ctx)
    create_rules(ctx)
    assert Macro.objects.filter(shared=True).count() == 5
    assert Macro.objects.filter(shared=False, owner=staff.support).exists()
    assert Rule.objects.count() == 5
    ticket = ticket_actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум на въезде не реагирует на пропуск",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        created_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),  # 12:00 in Moscow, Monday
    )
    assert ticket.category.name == "Шлагбаумы и считыватели"
    assert ticket.priority == Priority.HIGH
    assert ticket.assignee == staff.support  # the round robin among support managers
