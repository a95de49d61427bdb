import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketMessage, TicketStatus, TicketType

MSK = ZoneInfo("Europe/Moscow")


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


def links_in(text: str) -> list[str]:
    """The site's paths in a mail body (the site URL cut off)."""
    return re.findall(r"https?://[^/\s]+(/surveys/a/[^\s\"?<]+)", text)


@pytest.fixture(autouse=True)
def mailbox(settings):
    settings.SUPPORT_EMAIL = "support@pass24.test"
    settings.SITE_URL = "https://soprovod.test"
    mail.outbox = []


@pytest.fixture
def resolved_ticket(staff, companies, django_capture_on_commit_callbacks):
    """A ticket of company A (contact client1) answered and resolved on Monday 2 March 2026
    at 12:00 Moscow time; its resolution notice is mailed (the outbox holds it last)."""
    at = msk(2026, 3, 2, 10, 0)
    with (
        time_machine.travel(at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = actions.do_create_ticket(
            None,
            client=companies.a,
            contact=companies.contact_a,
            requester_email=companies.contact_a.email,
            subject="Не печатается пропуск",
            body="Принтер на ресепшене не печатает гостевые пропуска.",
            type=TicketType.STANDARD,
            channel=Channel.EMAIL,
            source=TicketMessage.Source.EMAIL,
            created_at=at,
        )
    with (
        time_machine.travel(msk(2026, 3, 2, 12, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        actions.do_add_message(staff.support, ticket, "Перезагрузили принтер.")
        actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    ticket.refresh_from_db()
    return ticket
