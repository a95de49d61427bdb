"""Mail to clients: the acknowledgement and staff replies, threaded, Russian by default, sent
once — through the locmem backend and once through a real SMTP server (aiosmtpd)."""

import datetime as dt
import email
import re
from email import policy
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as outbox
from django.core.files.uploadedfile import SimpleUploadedFile

from soprovod.sla.models import Metric, SlaClock
from soprovod.tickets import actions, mail
from soprovod.tickets.models import Channel, TicketMessage, TicketType

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture(autouse=True)
def support_mailbox(settings):
    settings.SUPPORT_EMAIL = "support@pass24.test"
    settings.DEFAULT_FROM_EMAIL = "PASS24 Support <noreply@pass24.test>"
    settings.LANGUAGE_CODE = "ru"


@pytest.fixture
def email_ticket(companies, django_capture_on_commit_callbacks):
    """A ticket that came by mail from the contact of company A, with its acknowledgement."""

    def make(**kwargs):
        values = {
            "client": companies.a,
            "contact": companies.contact_a,
            "requester_email": companies.contact_a.email,
            "subject": "Не печатается пропуск",
            "body": "Принтер на ресепшене не печатает гостевые пропуска.",
            "type": TicketType.STANDARD,
            "channel": Channel.EMAIL,
            "source": TicketMessage.Source.EMAIL,
            "email_message_id": "<first-request@client.test>",
            "created_at": msk(2026, 3, 2, 10, 0),
        } | kwargs
        with (
            time_machine.travel(values["created_at"], tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return actions.do_create_ticket(None, **values)

    return make


def reply(ticket, author, body="Перезагрузите принтер, пожалуйста.", **kwargs):
    return actions.do_add_message(author, ticket, body, at=msk(2026, 3, 2, 11, 0), **kwargs)


def test_new_ticket_is_acknowledged_in_russian_without_stopping_first_response(email_ticket):
    ticket = email_ticket()
    ack = ticket.messages.get(is_automatic=True)
    assert ack.from_staff and ack.kind == TicketMessage.Kind.PUBLIC
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE).stopped_at is None
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == "new"

    [sent] = outbox.outbox
    assert sent.to == [ticket.requester_email]
    assert sent.subject == f"[#{ticket.pk}] Не печатается пропуск"
    assert sent.body.startswith("Здравствуйте!")  # the default language is Russian
    assert re.search(rf"[#№]{ticket.pk}\b", sent.body)  # the ticket number
    assert "02.03.2026 14:00" in sent.body  # the first-response due time
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert sent.extra_headers["Content-Language"] == "ru"
    assert sent.extra_headers["In-Reply-To"] == "<first-request@client.test>"


def test_the_acknowledgement_is_added_once(email_ticket):
    ticket = email_ticket()
    assert mail.acknowledge(ticket.pk) is None
    assert ticket.messages.filter(is_automatic=True).count() == 1
    assert len(outbox.outbox) == 1


def test_no_acknowledgement_without_an_address_or_for_imported_history(email_ticket):
    nobody = email_ticket(contact=None, requester_email="", email_message_id=None)
    imported = email_ticket(source=TicketMessage.Source.IMPORT, email_message_id=None)
    internal = email_ticket(channel=Channel.INTERNAL, email_message_id=None)
    for ticket in (nobody, imported, internal):
        assert not ticket.messages.filter(is_automatic=True).exists()
    assert outbox.outbox == []


def test_staff_reply_is_mailed_threaded_under_the_ticket(
    email_ticket, staff, django_capture_on_commit_callbacks
):
    ticket = email_ticket()
    ack = ticket.messages.get(is_automatic=True)
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(ticket, staff.support)
    message.refresh_from_db()
    sent = outbox.outbox[-1]
    assert sent.subject == f"[#{ticket.pk}] Не печатается пропуск"
    assert sent.reply_to == ["support@pass24.test"]
    assert sent.from_email == "PASS24 Support <noreply@pass24.test>"
    assert sent.extra_headers["Message-ID"] == message.email_message_id
    assert message.email_message_id.endswith("@pass24.test>")
    assert sent.extra_headers["In-Reply-To"] == ack.email_message_id
    assert sent.extra_headers["References"] == f"<first-request@client.test> {ack.email_message_id}"
    assert "Auto-Submitted" not in sent.extra_headers
    assert sent.body.startswith("Перезагрузите принтер, пожалуйста.")
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html" and "Перезагрузите принтер" in html


def test_html_part_escapes_the_message(email_ticket, staff, django_capture_on_commit_callbacks):
    ticket = email_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        reply(ticket, staff.support, body="<script>alert(1)</script>\nВторая строка")
    html = outbox.outbox[-1].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<br>Вторая строка" in html


def test_internal_notes_and_client_messages_are_not_mailed(
    email_ticket, staff, companies, django_capture_on_commit_callbacks
):
    ticket = email_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        note = reply(ticket, staff.support, body="Проверить логи", internal=True)
        client_message = reply(ticket, companies.client1, body="Есть новости?")
    assert len(outbox.outbox) == 1  # the acknowledgement only
    assert not mail.send_ticket_message(note.pk)
    assert not mail.send_ticket_message(client_message.pk)


def test_a_message_is_mailed_once(email_ticket, staff):
    ticket = email_ticket()
    message = reply(ticket, staff.support)
    assert mail.send_ticket_message(message.pk)
    assert not mail.send_ticket_message(message.pk)
    assert len(outbox.outbox) == 2  # the acknowledgement and the reply


def test_smtp_failure_leaves_the_message_unsent_for_the_retry(email_ticket, staff, monkeypatch):
    ticket = email_ticket()
    message = reply(ticket, staff.support)

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(ConnectionRefusedError):
        mail.send_ticket_message(message.pk)
    message.refresh_from_db()
    assert message.email_message_id is None
    monkeypatch.undo()
    assert mail.send_ticket_message(message.pk)


def test_attachments_travel_with_the_reply(email_ticket, staff):
    ticket = email_ticket()
    message = reply(
        ticket,
        staff.support,
        attachments=[SimpleUploadedFile("инструкция.pdf", b"%PDF-1.4", "application/pdf")],
    )
    mail.send_ticket_message(message.pk)
    [(name, content, mimetype)] = outbox.outbox[-1].attachments
    assert (name, content, mimetype) == ("инструкция.pdf", b"%PDF-1.4", "application/pdf")


def test_reply_through_a_real_smtp_server_keeps_the_threading_headers(
    email_ticket, staff, smtp_sink, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    ticket = email_ticket()  # the acknowledgement goes through the sink too
    message = reply(ticket, staff.support)
    assert mail.send_ticket_message(message.pk)
    message.refresh_from_db()

    ack, answer = (
        email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in smtp_sink.received
    )
    assert smtp_sink.received[-1].rcpt_tos == [ticket.requester_email]
    # Django folds the encoded subject onto a continuation line; readers strip the fold.
    assert answer["Subject"].strip() == f"[#{ticket.pk}] Не печатается пропуск"
    assert answer["Message-ID"] == message.email_message_id
    assert answer["In-Reply-To"] == ack["Message-ID"]
    assert answer["References"].split() == ["<first-request@client.test>", ack["Message-ID"]]
    assert answer["Reply-To"] == "support@pass24.test"
    assert answer.get_body(("plain",)).get_content().startswith("Перезагрузите принтер")
    assert answer.get_body(("html",)) is not None
