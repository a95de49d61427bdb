"""Mail to clients: staff replies, the acknowledgement of a new ticket and the notice that it
is resolved.

Every outgoing mail is one public `TicketMessage` written by staff (or the automatic
acknowledgement). It is sent by a Celery task after the message committed
(`tickets.tasks.send_message`), in the interface's default language (Russian), as plain text
plus a simple HTML part, with the subject ``[#123] <ticket subject>``, ``Reply-To`` the support
mailbox and threading headers: its own ``Message-ID``, ``In-Reply-To`` the ticket's latest
earlier mail and ``References`` the earlier ones, so the client's mail program shows one
thread and intake (`tickets.intake`) files the client's answer under the same ticket.

Sent once: the message's ``email_message_id`` is written when the mail has been handed to the
SMTP server, under a row lock, so a repeated or concurrent task sends nothing. The id is
derived from the message itself, so the one resend a crash between "sent" and "recorded" can
cause carries the same Message-ID (mail programs show it once).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from soprovod.clients.queries import may_be_told
from soprovod.sla.models import Metric
from soprovod.tickets import actions
from soprovod.tickets.models import (
    OPEN_STATUSES,
    Channel,
    Ticket,
    TicketMessage,
    TicketStatus,
)

logger = logging.getLogger(__name__)

# Keep the References header short: the first message plus the latest ones.
MAX_REFERENCES = 20
# A hung SMTP server must not hold a worker (or a lock) forever.
SMTP_TIMEOUT_SECONDS = 60


def mail_domain() -> str:
    """The domain of the support mailbox: the right-hand side of our Message-IDs."""
    address = parseaddr(settings.SUPPORT_EMAIL)[1]
    return address.rpartition("@")[2] or "soprovod.localhost"


def message_id_for(message: TicketMessage) -> str:
    """The Message-ID of the mail that carries ``message``: stable for the message, unique
    across installations (the creation instant is part of it)."""
    stamp = int(message.created_at.timestamp() * 1_000_000)
    return f"<soprovod.{message.ticket_id}.{message.pk}.{stamp}@{mail_domain()}>"


def recipient_for(ticket: Ticket) -> str:
    """Whom a ticket's mail goes to: the requester, else the ticket's contact; nobody when
    that person may no longer hear of the ticket's company (`clients.queries.may_be_told`:
    the contact moved to another company, or their login did). Every mail of a ticket asks
    here: replies, incident updates, the acknowledgement, the resolution notice and the
    rating links under it."""
    address = ticket.requester_email
    if not address and ticket.contact_id:
        address = ticket.contact.email
    if not address:
        return ""
    if not may_be_told(ticket.client_id, address, contact_id=ticket.contact_id):
        logger.info("Ticket #%s: %s no longer hears of its company", ticket.pk, address)
        return ""
    return address


def is_mailed(message: TicketMessage) -> bool:
    """Only public messages by staff (replies and the acknowledgement) go to the client."""
    return message.from_staff and message.kind == TicketMessage.Kind.PUBLIC


def thread_ids(message: TicketMessage) -> list[str]:
    """Message-IDs of the ticket's mail before ``message``, oldest first."""
    ids = list(
        TicketMessage.objects.filter(ticket_id=message.ticket_id, email_message_id__isnull=False)
        .exclude(pk=message.pk)
        .filter(created_at__lte=message.created_at)
        .order_by("created_at", "id")
        .values_list("email_message_id", flat=True)
    )
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return ids


def subject_for(ticket: Ticket) -> str:
    return f"[#{ticket.pk}] {ticket.subject}"


# ---- what other parts add to a mail ------------------------------------------------------


@dataclass(frozen=True)
class MailExtra:
    """A block added under a mail's text: plain text and its HTML (already escaped)."""

    text: str
    html: str


MailExtraSource = Callable[[TicketMessage], "MailExtra | None"]
_extras: dict[str, MailExtraSource] = {}


def register_mail_extra(name: str, source: MailExtraSource) -> None:
    """Let a part above the tickets add a block to the mail of a message (e.g. the surveys'
    rating links under the resolution notice), from its ``AppConfig.ready``. ``source`` is
    called while the mail is built, in the default language, and returns None to add
    nothing; a source registered under the same name replaces the earlier one."""
    _extras[name] = source


def extras_for(message: TicketMessage) -> list[MailExtra]:
    return [extra for source in _extras.values() if (extra := source(message)) is not None]


def build_email(message: TicketMessage, message_id: str, recipient: str) -> EmailMultiAlternatives:
    """The mail for ``message`` (rendered in the default language)."""
    ticket = message.ticket
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "ticket": ticket,
            "message": message,
            "site_url": settings.SITE_URL,
            "extras": extras_for(message),
        }
        text = render_to_string("tickets/email/message.txt", context)
        html = render_to_string("tickets/email/message.html", context)
        language = translation.get_language()
    headers = {"Message-ID": message_id, "Content-Language": language}
    earlier = thread_ids(message)
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier)
    if message.is_automatic:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-reply loops
    email = EmailMultiAlternatives(
        subject=subject_for(ticket),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[settings.SUPPORT_EMAIL],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type)
    return email


def send_ticket_message(message_id: int) -> bool:
    """Mail one message to the client unless it was mailed already. Returns whether a mail
    went out. SMTP errors propagate (the task retries)."""
    # Where the database has row locks (PostgreSQL), the message row stays locked while the
    # mail is handed over, so two workers never both send it. SQLite has only a database-wide
    # write lock: holding it through an SMTP conversation would stall every writer, so there
    # the sent marker alone guards (a concurrent duplicate carries the same Message-ID).
    row_locks = connection.features.has_select_for_update
    with transaction.atomic() if row_locks else contextlib.nullcontext():
        messages = TicketMessage.objects.select_related("ticket", "ticket__contact")
        if row_locks:
            messages = messages.select_for_update(of=("self",))
        message = messages.filter(pk=message_id).first()
        if message is None or message.email_message_id or not is_mailed(message):
            return False
        recipient = recipient_for(message.ticket)
        if not recipient:
            return False
        mail_id = message_id_for(message)
        email = build_email(message, mail_id, recipient)
        if settings.EMAIL_TIMEOUT is None:
            email.connection = get_connection(timeout=SMTP_TIMEOUT_SECONDS)
        email.send()
        # The sent marker, written only after the SMTP server took the mail.
        TicketMessage.objects.filter(pk=message.pk, email_message_id__isnull=True).update(
            email_message_id=mail_id
        )
    logger.info("Mailed message %s of ticket #%s to %s", message_id, message.ticket_id, recipient)
    return True


# ---- the acknowledgement -----------------------------------------------------------------


def wants_acknowledgement(ticket: Ticket) -> bool:
    """A new open ticket from a client with an address gets one; imported history and
    internal tickets do not."""
    if ticket.channel == Channel.INTERNAL or ticket.status not in OPEN_STATUSES:
        return False
    if not recipient_for(ticket):
        return False
    first = ticket.messages.order_by("created_at", "id").first()
    return first is None or first.source != TicketMessage.Source.IMPORT


def acknowledgement_text(ticket: Ticket) -> str:
    """The acknowledgement's text, with the first-response due time when there is one."""
    clock = ticket.clocks.filter(metric=Metric.FIRST_RESPONSE, stopped_at__isnull=True).first()
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "tickets/email/acknowledgement.txt",
            {
                "ticket": ticket,
                "due": timezone.localtime(clock.due_at) if clock and clock.due_at else None,
            },
        ).strip()


def acknowledge(ticket_id: int) -> TicketMessage | None:
    """Add the automatic acknowledgement to a new ticket (once); it is mailed like any staff
    reply but does not stop the first-response clock (sla.md)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first()
        if ticket is None or not wants_acknowledgement(ticket):
            return None
        if ticket.messages.filter(is_automatic=True, kind=TicketMessage.Kind.PUBLIC).exists():
            return None
        return actions.do_add_message(
            None,
            ticket,
            acknowledgement_text(ticket),
            from_staff=True,
            is_automatic=True,
            source=TicketMessage.Source.SYSTEM,
        )


# ---- the resolution notice -----------------------------------------------------------------

# Only a resolution made now is announced: an import replaying old history is not.
RESOLUTION_NOTICE_WITHIN = dt.timedelta(days=1)


def wants_resolution_notice(ticket: Ticket, now: dt.datetime) -> bool:
    """A resolved ticket of a client with an address hears about it once per resolution;
    imported history and internal tickets do not."""
    if ticket.status != TicketStatus.RESOLVED or ticket.resolved_at is None:
        return False
    if ticket.channel == Channel.INTERNAL or not recipient_for(ticket):
        return False
    if now - ticket.resolved_at > RESOLUTION_NOTICE_WITHIN:
        return False
    first = ticket.messages.order_by("created_at", "id").first()
    if first is not None and first.source == TicketMessage.Source.IMPORT:
        return False
    return not ticket.messages.filter(
        source=TicketMessage.Source.RESOLUTION, created_at__gte=ticket.resolved_at
    ).exists()


def resolution_notice(ticket_id: int) -> TicketMessage | None:
    """Add the notice that the ticket is resolved (once per resolution); it is mailed like
    any staff reply, with what other parts add to it (the CSAT rating links)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first()
        if ticket is None or not wants_resolution_notice(ticket, timezone.now()):
            return None
        with translation.override(settings.LANGUAGE_CODE):
            text = render_to_string("tickets/email/resolved.txt", {"ticket": ticket}).strip()
        return actions.do_add_message(
            None,
            ticket,
            text,
            from_staff=True,
            is_automatic=True,
            source=TicketMessage.Source.RESOLUTION,
        )
