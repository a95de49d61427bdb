"""Mail intake and a person who moved to another company: their answer to an old thread of
the old company (threading headers or ``[#123]`` in the subject) does not join, nor reopen,
the old company's ticket; it opens a ticket without a company in the triage queue, and its
acknowledgement says nothing of the old ticket. The old company's current contacts and
senders known to no company still reply into the thread as before. Two ways to move, as in
test_mail_isolation: the contact row now belongs to the other company, or the person's portal
login now belongs to the other company's contact (the old row stays)."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from django.core import mail as outbox

from soprovod.clients.tests.factories import ContactFactory
from soprovod.clients.tests.moves import MOVER, MOVES, make_mover, move_the_row
from soprovod.tickets import actions, intake
from soprovod.tickets.models import Ticket, TicketMessage, TicketStatus

pytestmark = pytest.mark.django_db

OLD_BODY = "Принтер на ресепшене Альфы не печатает гостевые пропуска."
OLD_REPLY = "Перезапустите службу печати на сервере Альфы, пароль у администратора."


@pytest.fixture(autouse=True)
def mailbox(settings):
    settings.SUPPORT_EMAIL = "support@pass24.test"
    settings.DEFAULT_FROM_EMAIL = "Support <support@pass24.test>"
    settings.LANGUAGE_CODE = "ru"
    outbox.outbox = []


def letter(
    sender, *, message_id, subject="Re: пропуска", body="Всё ещё не печатает.", reply_to=None
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@pass24.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if reply_to:
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def mover(companies):
    return make_mover(companies)


@pytest.fixture
def old_ticket(mover, staff, django_capture_on_commit_callbacks):
    """Ivanova's ticket at A, opened by mail and answered by support."""
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(
            letter(MOVER, message_id="<old-1@mover.test>", subject="Пропуска", body=OLD_BODY)
        )
    ticket = Ticket.objects.get()
    actions.do_add_message(staff.support, ticket, OLD_REPLY)
    outbox.outbox = []
    return ticket


def ticket_tag(ticket):
    return f"Re: [#{ticket.pk}] Пропуска"


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("threaded", ["headers", "subject"])
def test_moved_senders_answer_to_an_old_thread_goes_to_triage(
    move, threaded, mover, companies, old_ticket, django_capture_on_commit_callbacks
):
    move(mover, companies)
    before = old_ticket.messages.count()
    mail = (
        letter(MOVER, message_id="<late@mover.test>", reply_to="<old-1@mover.test>")
        if threaded == "headers"
        else letter(MOVER, message_id="<late@mover.test>", subject=ticket_tag(old_ticket))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.receive(mail) == "created"

    assert old_ticket.messages.count() == before
    assert not old_ticket.messages.filter(email_message_id="<late@mover.test>").exists()
    new = Ticket.objects.exclude(pk=old_ticket.pk).get()
    assert (new.client, new.contact, new.requester_email) == (None, None, MOVER)
    assert new.messages.get(kind=TicketMessage.Kind.PUBLIC, from_staff=False).body == (
        "Всё ещё не печатает."
    )
    note = new.messages.get(kind=TicketMessage.Kind.INTERNAL)
    assert re.search(rf"[#№]{old_ticket.pk}\b", note.body) and "больше не относится" in note.body

    # The acknowledgement goes to her, about the new ticket only.
    [ack] = outbox.outbox
    assert ack.to == [MOVER]
    sent = ack.subject + ack.body + " ".join(map(str, ack.extra_headers.values()))
    assert f"[#{new.pk}]" in ack.subject
    assert not re.search(rf"[#№]{old_ticket.pk}\b", sent)
    for secret in ("<old-1@mover.test>", OLD_BODY, OLD_REPLY):
        assert secret not in sent


@pytest.mark.parametrize("move", MOVES)
def test_moved_senders_answer_does_not_reopen_the_resolved_ticket(
    move, mover, companies, staff, old_ticket
):
    actions.do_change_status(staff.support, old_ticket, TicketStatus.RESOLVED)
    move(mover, companies)
    before = old_ticket.messages.count()
    assert (
        intake.receive(letter(MOVER, message_id="<late@mover.test>", reply_to="<old-1@mover.test>"))
        == "created"
    )
    old_ticket.refresh_from_db()
    assert old_ticket.status == TicketStatus.RESOLVED and old_ticket.reopened_count == 0
    assert old_ticket.messages.count() == before


def test_the_diverted_mail_is_filed_once(mover, companies, old_ticket):
    move_the_row(mover, companies)
    mail = letter(MOVER, message_id="<late@mover.test>", reply_to="<old-1@mover.test>")
    assert intake.receive(mail) == "created"
    assert intake.receive(mail) == "duplicate"
    assert Ticket.objects.count() == 2
    assert TicketMessage.objects.filter(email_message_id="<late@mover.test>").count() == 1


def test_a_current_contact_still_answers_into_the_ticket(mover, companies, old_ticket):
    colleague = ContactFactory(client=companies.a, email="colleague@alfa.test")
    before = old_ticket.messages.count()
    assert (
        intake.receive(letter(MOVER, message_id="<r1@mover.test>", reply_to="<old-1@mover.test>"))
        == "reply"
    )
    assert (
        intake.receive(
            letter(colleague.email, message_id="<r2@alfa.test>", subject=ticket_tag(old_ticket))
        )
        == "reply"
    )
    assert old_ticket.messages.count() == before + 2
    assert Ticket.objects.count() == 1


def test_a_sender_known_to_no_company_still_answers_by_the_thread(old_ticket):
    before = old_ticket.messages.count()
    mail = letter(
        "helpdesk@outsourcer.test", message_id="<r3@outsourcer.test>", reply_to="<old-1@mover.test>"
    )
    assert intake.receive(mail) == "reply"
    assert old_ticket.messages.count() == before + 1
    assert Ticket.objects.count() == 1
