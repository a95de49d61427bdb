"""Mail intake against a real Dovecot: mail becomes tickets and replies exactly once, in any
charset, and the mailbox is marked only after the ticket committed."""

import datetime as dt
import email.header
import json
import os
import quopri
import re
import subprocess
import sys
import urllib.parse
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as outbox

from soprovod.tickets import actions, intake
from soprovod.tickets.models import Channel, Ticket, TicketMessage, TicketStatus, TicketType

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK)
pytestmark = pytest.mark.django_db

DONE = {"\\Seen", "$SoprovodDone"}
FAILED = {"\\Seen", "\\Flagged", "$SoprovodFailed"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def support_mailbox(settings):
    settings.SUPPORT_EMAIL = "support@example.test"
    settings.DEFAULT_FROM_EMAIL = "Support <support@example.test>"


def letter(
    sender,
    subject="Не работает турникет",
    body="Турникет на входе не пускает по пропускам.",
    *,
    message_id=None,
    in_reply_to=None,
    attachments=(),
    headers=None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="client.test")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, content, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def cp1251_letter(sender, message_id="<outlook-1@client.test>") -> bytes:
    """An Outlook-style mail: windows-1251 headers and body (quoted-printable), and an
    attachment with a windows-1251 file name (RFC 2231)."""
    subject = email.header.Header("Не открывается шлагбаум", "windows-1251").encode()
    name = email.header.Header("Иван Петров", "windows-1251").encode()
    body = quopri.encodestring("Шлагбаум №2 не открывается с пульта.".encode("cp1251")).decode()
    filename = urllib.parse.quote("журнал.txt".encode("cp1251"))
    attachment = email.base64mime.body_encode("строка журнала".encode("cp1251"))
    return (
        f"From: {name} <{sender}>\r\n"
        "To: support@example.test\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        'Content-Type: text/plain; charset="windows-1251"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        f"{body}\r\n"
        "--b1\r\n"
        "Content-Type: text/plain\r\n"
        f"Content-Disposition: attachment; filename*=windows-1251''{filename}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{attachment}\r\n"
        "--b1--\r\n"
    ).encode("ascii")


@pytest.fixture
def contact_email(companies):
    return companies.contact_a.email


# ---- new mail ------------------------------------------------------------------------------


def test_mail_from_a_contact_opens_a_ticket_for_their_company(
    imap_mailbox, companies, contact_email
):
    imap_mailbox.append(letter(contact_email, message_id="<new-1@client.test>"))
    result = intake.fetch_mail()
    assert (result.fetched, result.created) == (1, 1)
    ticket = Ticket.objects.get()
    assert ticket.client == companies.a and ticket.contact == companies.contact_a
    assert (ticket.channel, ticket.type) == (Channel.EMAIL, TicketType.STANDARD)
    assert ticket.subject == "Не работает турникет"
    assert ticket.requester_email == contact_email
    first = ticket.messages.get()
    assert first.email_message_id == "<new-1@client.test>"
    assert first.body == "Турникет на входе не пускает по пропускам."
    assert not first.from_staff and first.source == TicketMessage.Source.EMAIL
    assert imap_mailbox.flags() == [DONE]


def test_unknown_sender_goes_to_the_triage_queue(imap_mailbox):
    imap_mailbox.append(letter("stranger@elsewhere.test"))
    intake.fetch_mail()
    ticket = Ticket.objects.get()
    assert ticket.client is None and ticket.contact is None
    assert ticket.requester_email == "stranger@elsewhere.test"


def test_cp1251_mail_and_attachment_are_decoded(imap_mailbox, contact_email):
    imap_mailbox.append(cp1251_letter(contact_email))
    intake.fetch_mail()
    ticket = Ticket.objects.get()
    assert ticket.subject == "Не открывается шлагбаум"
    message = ticket.messages.get()
    assert message.body == "Шлагбаум №2 не открывается с пульта."
    attachment = message.attachments.get()
    assert attachment.filename == "журнал.txt"
    assert attachment.file.read().decode("cp1251") == "строка журнала"


def test_refused_attachment_is_named_in_an_internal_note(imap_mailbox, contact_email):
    imap_mailbox.append(
        letter(
            contact_email,
            attachments=[
                ("setup.exe", b"MZ", "application/octet-stream"),
                ("photo.png", b"\x89PNG", "image/png"),
            ],
        )
    )
    intake.fetch_mail()
    ticket = Ticket.objects.get()
    request = ticket.messages.get(kind=TicketMessage.Kind.PUBLIC)
    assert [a.filename for a in request.attachments.all()] == ["photo.png"]
    note = ticket.messages.get(kind=TicketMessage.Kind.INTERNAL)
    assert "setup.exe" in note.body and note.from_staff
    assert imap_mailbox.flags() == [DONE]


# ---- exactly once ----------------------------------------------------------------------------


def test_same_message_id_twice_makes_one_ticket(imap_mailbox, contact_email):
    raw = letter(contact_email, message_id="<dup@client.test>")
    imap_mailbox.append(raw)
    imap_mailbox.append(raw)
    result = intake.fetch_mail()
    assert (result.created, result.duplicates) == (1, 1)
    assert Ticket.objects.count() == 1
    assert imap_mailbox.flags() == [DONE, DONE]


def test_running_intake_twice_doubles_nothing(imap_mailbox, contact_email):
    imap_mailbox.append(letter(contact_email))
    imap_mailbox.append(letter("stranger@elsewhere.test"))
    assert intake.fetch_mail().created == 2
    again = intake.fetch_mail()
    assert (again.fetched, again.created) == (0, 0)
    assert Ticket.objects.count() == 2
    assert TicketMessage.objects.count() == 2


def test_crash_between_commit_and_marking_does_not_duplicate(
    imap_mailbox, contact_email, monkeypatch
):
    imap_mailbox.append(letter(contact_email, message_id="<crash@client.test>"))

    def worker_dies(*args, **kwargs):
        raise ConnectionResetError("worker killed before it marked the mail")

    monkeypatch.setattr(intake, "_mark_processed", worker_dies)
    with pytest.raises(ConnectionResetError):
        intake.fetch_mail()
    assert Ticket.objects.count() == 1  # committed
    assert imap_mailbox.flags() == [set()]  # but not marked

    monkeypatch.undo()
    result = intake.fetch_mail()
    assert (result.fetched, result.duplicates, result.created) == (1, 1, 0)
    assert Ticket.objects.count() == 1
    assert imap_mailbox.flags() == [DONE]


def test_malformed_mail_is_flagged_and_does_not_block_the_rest(imap_mailbox, contact_email):
    imap_mailbox.append(b"Subject: no sender at all\r\n\r\nwho wrote this?\r\n")
    imap_mailbox.append(letter(contact_email))
    result = intake.fetch_mail()
    assert (result.failed, result.created) == (1, 1)
    assert imap_mailbox.flags() == [FAILED, DONE]
    assert intake.fetch_mail().fetched == 0  # the failed one is not retried forever


def test_database_trouble_leaves_the_mail_for_the_next_run(
    imap_mailbox, contact_email, monkeypatch
):
    from django.db import OperationalError

    imap_mailbox.append(letter(contact_email))

    def database_down(*args, **kwargs):
        raise OperationalError("connection lost")

    monkeypatch.setattr(intake, "_file", database_down)
    with pytest.raises(OperationalError):
        intake.fetch_mail()
    assert imap_mailbox.flags() == [set()]
    monkeypatch.undo()
    assert intake.fetch_mail().created == 1


def test_automatic_replies_are_skipped(imap_mailbox, contact_email):
    imap_mailbox.append(letter(contact_email, headers={"Auto-Submitted": "auto-replied"}))
    imap_mailbox.append(letter("MAILER-DAEMON@client.test", subject="Undelivered Mail"))
    assert intake.fetch_mail().skipped == 2
    assert not Ticket.objects.exists()
    assert imap_mailbox.flags() == [DONE, DONE]


# ---- replies ---------------------------------------------------------------------------------


@pytest.fixture
def mailed_ticket(imap_mailbox, contact_email):
    imap_mailbox.append(letter(contact_email, message_id="<start@client.test>"))
    intake.fetch_mail()
    return Ticket.objects.get()


def test_reply_by_threading_header_joins_the_ticket(imap_mailbox, mailed_ticket, contact_email):
    imap_mailbox.append(
        letter(
            contact_email, subject="Re: турникет", body="Фото", in_reply_to="<start@client.test>"
        )
    )
    assert intake.fetch_mail().replies == 1
    assert Ticket.objects.count() == 1
    assert mailed_ticket.messages.count() == 2


def test_reply_by_ticket_number_in_the_subject_joins_the_ticket(
    imap_mailbox, mailed_ticket, companies
):
    colleague = companies.a.contacts.create(full_name="Коллега", email="colleague@client.test")
    imap_mailbox.append(letter(colleague.email, subject=f"Re: [#{mailed_ticket.pk}] турникет"))
    assert intake.fetch_mail().replies == 1
    assert mailed_ticket.messages.count() == 2


def test_ticket_number_from_an_outsider_opens_a_new_ticket(imap_mailbox, mailed_ticket, companies):
    imap_mailbox.append(
        letter(companies.contact_b.email, subject=f"[#{mailed_ticket.pk}] чужая заявка")
    )
    assert intake.fetch_mail().created == 1
    assert mailed_ticket.messages.count() == 1
    other = Ticket.objects.exclude(pk=mailed_ticket.pk).get()
    assert other.client == companies.b and other.subject == "чужая заявка"


def test_client_reply_to_our_acknowledgement_joins_the_ticket(
    imap_mailbox, contact_email, django_capture_on_commit_callbacks
):
    imap_mailbox.append(letter(contact_email))
    with django_capture_on_commit_callbacks(execute=True):
        intake.fetch_mail()
    ticket = Ticket.objects.get()
    ack = ticket.messages.get(is_automatic=True)
    [sent] = outbox.outbox
    assert sent.extra_headers["Message-ID"] == ack.email_message_id
    imap_mailbox.append(
        letter(
            contact_email,
            subject=f"Re: {sent.subject}",
            body="Спасибо, ждём.",
            in_reply_to=ack.email_message_id,
        )
    )
    assert intake.fetch_mail().replies == 1
    assert ticket.messages.filter(from_staff=False).count() == 2


def test_reply_to_a_resolved_ticket_within_the_window_reopens_it(
    imap_mailbox, mailed_ticket, contact_email, staff, frozen_clock
):
    actions.do_change_status(staff.support, mailed_ticket, TicketStatus.RESOLVED)
    frozen_clock.move_to(NOW + dt.timedelta(days=3))
    imap_mailbox.append(letter(contact_email, in_reply_to="<start@client.test>"))
    assert intake.fetch_mail().replies == 1
    mailed_ticket.refresh_from_db()
    assert mailed_ticket.status == TicketStatus.OPEN and mailed_ticket.reopened_count == 1


def test_reply_to_a_closed_ticket_opens_a_new_one(
    imap_mailbox, mailed_ticket, contact_email, staff
):
    actions.do_change_status(staff.support, mailed_ticket, TicketStatus.RESOLVED)
    actions.do_change_status(staff.support, mailed_ticket, TicketStatus.CLOSED)
    imap_mailbox.append(
        letter(
            contact_email,
            subject=f"Re: [#{mailed_ticket.pk}] Не работает турникет",
            in_reply_to="<start@client.test>",
        )
    )
    assert intake.fetch_mail().created == 1
    follow_up = Ticket.objects.exclude(pk=mailed_ticket.pk).get()
    assert follow_up.subject == "Не работает турникет"
    note = follow_up.messages.get(kind=TicketMessage.Kind.INTERNAL)
    assert re.search(rf"[#№]{mailed_ticket.pk}\b", note.body)


# ---- parsing without a server ------------------------------------------------------------------


def test_koi8r_html_only_mail_is_read_as_text():
    raw = (
        "From: client@client.test\r\n"
        f"Subject: {email.header.Header('Пропуск', 'koi8-r').encode()}\r\n"
        'Content-Type: text/html; charset="koi8-r"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
    ).encode() + "<p>Пропуск&nbsp;не&nbsp;работает</p><p>Вторая строка</p>".encode("koi8-r")
    mail = intake.parse_mail(raw)
    assert mail.subject == "Пропуск"
    assert mail.body == "Пропуск не работает\nВторая строка"


def test_mail_without_a_message_id_still_dedupes_by_content():
    raw = b"From: client@client.test\r\nSubject: hi\r\n\r\nbody\r\n"
    assert intake.parse_mail(raw).message_id == intake.parse_mail(raw).message_id


def test_wrongly_declared_charset_falls_back_to_cp1251():
    raw = (
        b'From: client@client.test\r\nContent-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "Привет".encode("cp1251")
    )
    assert intake.parse_mail(raw).body == "Привет"


# ---- configuration ---------------------------------------------------------------------------


def settings_with(tmp_path, **env):
    """Import the real settings module in a fresh interpreter with ``env`` set."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("IMAP_", "REDIS_URL"))}
    base.update(DEBUG="1", SOPROVOD_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, soprovod.settings as s; "
            "print(json.dumps(sorted(e['task'] for e in s.CELERY_BEAT_SCHEDULE.values())))",
        ],
        capture_output=True,
        text=True,
        env=base,
        timeout=120,
    )


def test_mail_is_fetched_every_minute_only_when_imap_is_configured(tmp_path):
    without = settings_with(tmp_path)
    assert {"sla.check", "tickets.close_resolved"} <= set(json.loads(without.stdout))
    assert "tickets.fetch_mail" not in json.loads(without.stdout)
    configured = settings_with(
        tmp_path, IMAP_HOST="imap.example.test", IMAP_USER="support", IMAP_PASSWORD="x"
    )
    assert "tickets.fetch_mail" in json.loads(configured.stdout)


def test_imap_host_without_credentials_is_refused_at_start_up(tmp_path):
    result = settings_with(tmp_path, IMAP_HOST="imap.example.test")
    assert result.returncode != 0
    assert "IMAP_USER and IMAP_PASSWORD" in result.stderr
