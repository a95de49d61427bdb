"""The outbound queue to Telegram chats.

Every message the bot sends is an `OutgoingMessage` row, written in the transaction that
decided to send it (a staff reply, the bot's answer to an update, a warning to the
colleague on duty) under a natural ``key``, so it exists exactly when that transaction
committed. It is sent after commit:

- a ticket's public staff message by the tickets' outbound job (`tickets.tasks.send_message`,
  the queue mail goes through), which calls `deliver_ticket_message`;
- anything else by `telegram.send` (queued on commit);
- whatever a lost job left behind by the sweep `telegram.flush` (every minute).

Sent once: the row is locked while it is sent (PostgreSQL; SQLite has no row locks, so the
status alone guards there), and each part is marked as soon as Telegram took it, so a repeated
or concurrent job sends nothing twice; a worker killed between Telegram's answer and the mark
can cause one resend of that part, as with mail. A 429 sets ``next_attempt_at`` from its
``retry_after`` and asks the job to run again then; a chat that blocked the bot or no longer
exists fails the row (no retry); network trouble is retried with a growing pause.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.clients.queries import reachable_contacts
from soprovod.telegram import bot, tasks
from soprovod.telegram.models import OutgoingMessage, TelegramChat
from soprovod.tickets.models import TicketMessage
from soprovod.tickets.outbound import RetryLater

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
RETRY_BASE_SECONDS = 30


def queue(
    chat: TelegramChat,
    key: str,
    text: str,
    *,
    buttons: list | None = None,
    ticket=None,
    ticket_message=None,
    send_after_commit: bool = True,
) -> OutgoingMessage:
    """Add a message to the queue once per ``key`` (in the caller's transaction)."""
    message, created = OutgoingMessage.objects.get_or_create(
        key=key[:120],
        defaults={
            "chat": chat,
            "text": text,
            "buttons": buttons or [],
            "ticket": ticket,
            "ticket_message": ticket_message,
        },
    )
    if created and send_after_commit:
        pk = message.pk
        transaction.on_commit(lambda: tasks.send.delay(pk))
    return message


# ---- staff replies of tickets ------------------------------------------------------------


def rating_buttons(message_id: int) -> list:
    return [[[str(score), f"rate:{message_id}:{score}"] for score in range(1, 6)]]


def delivers(message: TicketMessage) -> bool:
    """A public staff message goes to the client's Telegram: replies and the resolution
    notice; internal notes never, and not the automatic acknowledgement (the bot confirms a
    ticket it opens itself) nor imported history."""
    if not message.from_staff or message.kind != TicketMessage.Kind.PUBLIC:
        return False
    if message.source == TicketMessage.Source.IMPORT:
        return False
    return not (message.is_automatic and message.source != TicketMessage.Source.RESOLUTION)


def staff_reply_text(message: TicketMessage) -> str:
    ticket = message.ticket
    with translation.override("ru"):
        if message.source == TicketMessage.Source.RESOLUTION:
            head = _("Ticket #%(number)s «%(subject)s» is resolved.") % {
                "number": ticket.pk,
                "subject": ticket.subject,
            }
            tail = _("How did we do? Rate our work from 1 (bad) to 5 (excellent).")
            return f"{head}\n\n{message.body.strip()}\n\n{tail}"
        head = _("Ticket #%(number)s «%(subject)s»") % {
            "number": ticket.pk,
            "subject": ticket.subject,
        }
        author = message.author.get_full_name() if message.author_id else ""
        signature = (
            _("— %(name)s, PASS24 support") % {"name": author} if author else _("— PASS24 support")
        )
        tail = _("Reply to this message to write in this ticket.")
        return f"{head}\n\n{message.body.strip()}\n\n{signature}\n\n{tail}"


def message_saved(sender, instance: TicketMessage, created: bool, raw: bool = False, **kwargs):
    """post_save of a ticket message: queue it for the client's linked chats, in the same
    transaction (so a message that committed has its delivery rows, and one rolled back
    has none). The tickets' outbound job sends them."""
    if not created or raw or not delivers(instance):
        return
    ticket = instance.ticket
    if ticket.contact_id is None or ticket.client_id is None:
        return
    # The ticket's contact while they belong to its company: a contact who moved to another
    # company (or whose login did) no longer sees the old company's tickets (the portal's
    # rule), here neither; the same rule as the mail's (`clients.queries.reachable_contacts`).
    chats = TelegramChat.objects.filter(
        contact_id=ticket.contact_id,
        contact__in=reachable_contacts(ticket.client_id).values("pk"),
    )
    for chat in chats:
        queue(
            chat,
            f"msg:{instance.pk}:{chat.pk}",
            staff_reply_text(instance),
            buttons=rating_buttons(instance.pk)
            if instance.source == TicketMessage.Source.RESOLUTION
            else None,
            ticket=ticket,
            ticket_message=instance,
            send_after_commit=False,
        )


def deliver_ticket_message(message_id: int) -> int:
    """The tickets' outbound channel: send the message's Telegram rows not sent yet.
    Raises RetryLater when Telegram asked to wait."""
    sent = 0
    pending = OutgoingMessage.objects.filter(
        ticket_message_id=message_id, status=OutgoingMessage.Status.PENDING
    ).values_list("pk", flat=True)
    for pk in list(pending):
        sent += int(send(pk))
    return sent


# ---- sending -----------------------------------------------------------------------------


def _parts(row: OutgoingMessage) -> list:
    """What the row sends, in order: its text, then each file of the staff reply."""
    parts: list = [("text", None)]
    if row.ticket_message_id:
        parts += [("file", a) for a in row.ticket_message.attachments.order_by("pk")]
    return parts


def _send_part(row: OutgoingMessage, part) -> int:
    kind, attachment = part
    if kind == "text":
        return bot.send_message(row.chat.chat_id, row.text, row.buttons or None)
    with attachment.file.open("rb") as handle:
        return bot.send_document(row.chat.chat_id, handle.read(), attachment.filename)


def send(pk: int, now: dt.datetime | None = None) -> bool:
    """Send one queued message unless it went out already. Returns whether it is sent now;
    raises RetryLater on a 429 (the row waits ``retry_after``) and the library's error when
    Telegram could not be reached (the row waits a growing pause)."""
    row_locks = connection.features.has_select_for_update
    problem: Exception | None = None
    with transaction.atomic() if row_locks else contextlib.nullcontext():
        rows = OutgoingMessage.objects.select_related("chat", "ticket_message")
        if row_locks:
            rows = rows.select_for_update(of=("self",))
        row = rows.filter(pk=pk).first()
        if row is None or row.status != OutgoingMessage.Status.PENDING:
            return False
        now = now or timezone.now()
        if row.next_attempt_at > now:
            raise RetryLater((row.next_attempt_at - now).total_seconds())
        # The marks below are written whatever happens next (the error is raised only once
        # this block has committed them).
        problem = _send_parts(row, now)
    if problem is not None:
        raise problem
    return OutgoingMessage.objects.filter(pk=pk, status=OutgoingMessage.Status.SENT).exists()


def _send_parts(row: OutgoingMessage, now: dt.datetime) -> Exception | None:
    try:
        for number, part in enumerate(_parts(row)):
            if number < row.parts_sent:
                continue
            telegram_id = _send_part(row, part)
            row.parts_sent = number + 1
            values = {"parts_sent": row.parts_sent}
            if number == 0:
                row.telegram_message_id = values["telegram_message_id"] = telegram_id
            OutgoingMessage.objects.filter(pk=row.pk).update(**values)
    except bot.RetryAfter as error:
        seconds = bot.retry_seconds(error)
        _wait(row, now, seconds, str(error))
        return RetryLater(seconds)
    except (bot.Forbidden, bot.BadRequest) as error:
        # Blocked by the user, chat gone, a message Telegram refuses: trying again will not
        # help. Logged and kept for the record.
        logger.warning("Telegram refused message %s: %s", row.pk, error)
        OutgoingMessage.objects.filter(pk=row.pk).update(
            status=OutgoingMessage.Status.FAILED,
            attempts=row.attempts + 1,
            last_error=str(error)[:300],
        )
        return None
    except bot.TelegramError as error:
        _wait(row, now, RETRY_BASE_SECONDS * 2 ** min(row.attempts, 6), str(error))
        return error
    OutgoingMessage.objects.filter(pk=row.pk).update(
        status=OutgoingMessage.Status.SENT, sent_at=now, attempts=row.attempts + 1
    )
    return None


def _wait(row: OutgoingMessage, now: dt.datetime, seconds: float, error: str) -> None:
    attempts = row.attempts + 1
    OutgoingMessage.objects.filter(pk=row.pk).update(
        attempts=attempts,
        next_attempt_at=now + dt.timedelta(seconds=seconds),
        last_error=error[:300],
        status=OutgoingMessage.Status.FAILED
        if attempts >= MAX_ATTEMPTS
        else OutgoingMessage.Status.PENDING,
    )


def flush(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send what is due in the queue (the sweep). Stops at a 429: the whole bot waits."""
    if not bot.enabled():
        return 0
    now = now or timezone.now()
    due = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        try:
            sent += int(send(pk, now))
        except RetryLater:
            break
        except bot.TelegramError:
            logger.warning("Telegram message %s could not be sent; tried again later", pk)
    return sent
