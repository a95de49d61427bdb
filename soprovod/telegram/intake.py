"""Updates from Telegram: each one handled exactly once, by ``update_id``.

`handle_update` is the one way in, for long polling (`poll_once`, the job `telegram.poll`
and ``soprovod telegram poll``) and for the webhook alike:

1. an update whose ``update_id`` is stored (`ProcessedUpdate`) was handled: skipped;
2. what needs the network is fetched first, outside any transaction (files: getFile and the
   download), so a failure there leaves nothing written and the update is tried again;
3. in one transaction: the `ProcessedUpdate` row, everything the update does (a ticket, a
   reply, a link, a rating — through the tickets' and surveys' own actions), the bot's
   answers queued in the outbound queue, and the polling cursor moved past the update.

Only then is the update acknowledged: the next getUpdates asks with the stored offset (or
the webhook answers 200). A crash before the commit leaves the update unacknowledged and
unrecorded, so it is handled when it comes again; a crash after the commit and before the
acknowledgement brings it again, and its stored ``update_id`` skips it.

The conversation with a linked contact: a message goes to the ticket it answers (a reply to
one of the bot's messages about a ticket), else to the ticket the contact chose a moment ago,
else to their one open ticket; with several open tickets the bot asks which (buttons), and
with none (or after /new) it opens a ticket once the contact chose its type (buttons, each
type explained). Every ticket is looked up within the contact's own company. Unknown chats
get instructions on how to link, nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import mimetypes
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from soprovod.clients.queries import reachable_contacts
from soprovod.portal.forms import MAX_FILES, TYPE_SITUATIONS, describe_promise
from soprovod.portal.queries import type_promises
from soprovod.sla.models import TicketType
from soprovod.surveys import actions as survey_actions
from soprovod.telegram import actions, bot, outbox
from soprovod.telegram.models import (
    Draft,
    OutgoingMessage,
    PollState,
    ProcessedUpdate,
    TelegramChat,
    UpdateFailure,
)
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import (
    OPEN_STATUSES,
    Channel,
    Ticket,
    TicketMessage,
    TicketStatus,
)

logger = logging.getLogger(__name__)

POLL_LOCK = "telegram:poll"
MAX_FAILURES = 5  # tries of an update that fails for a reason of its own (handle_update)
# After a contact chose a ticket, their next messages go there for this long.
CURRENT_TICKET_MINUTES = 30
MAX_CHOICES = 8  # open tickets offered as buttons
TYPE_ORDER = (TicketType.EMERGENCY, TicketType.STANDARD, TicketType.CONSULTATION)


@dataclass
class Prepared:
    """What an update needs from the network, fetched before its transaction."""

    uploads: list[UploadedFile] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@dataclass
class PollResult:
    fetched: int = 0
    handled: int = 0
    duplicates: int = 0


# ---- files ---------------------------------------------------------------------------------


def file_refs(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The files of a message: a document as it is, a photo at its largest size."""
    refs = []
    document = message.get("document")
    if document:
        refs.append(
            {
                "file_id": document["file_id"],
                "name": document.get("file_name") or "",
                "mime": document.get("mime_type") or "",
                "size": document.get("file_size") or 0,
            }
        )
    photos = message.get("photo") or []
    if photos:
        largest = max(photos, key=lambda p: p.get("width", 0) * p.get("height", 0))
        refs.append(
            {
                "file_id": largest["file_id"],
                "name": f"photo-{largest.get('file_unique_id') or largest['file_id']}.jpg",
                "mime": "image/jpeg",
                "size": largest.get("file_size") or 0,
            }
        )
    return refs


def _name_of(ref: dict[str, Any]) -> str:
    name = PurePath((ref.get("name") or "").replace("\\", "/")).name.strip()
    if not name:
        extension = mimetypes.guess_extension(ref.get("mime") or "") or ".bin"
        name = f"file-{ref['file_id'][-8:]}{extension}"
    return name[-200:]


def fetch_files(refs: list[dict[str, Any]]) -> Prepared:
    """Download the files that pass the portal's limits (`tickets.actions.
    validate_attachment`: the same size and kinds); name the others with the reason. The
    size Telegram announces is checked before downloading, the real one after."""
    prepared = Prepared()
    for ref in refs:
        name = _name_of(ref)
        announced = SimpleUploadedFile(name, b"", ref.get("mime") or "application/octet-stream")
        announced.size = int(ref.get("size") or 0)
        try:
            ticket_actions.validate_attachment(announced)
        except ticket_actions.AttachmentError as error:
            prepared.refused.append(str(error))
            continue
        try:
            content = bot.download_file(ref["file_id"])
        except bot.BadRequest as error:
            # Telegram will not hand this file over, now or later (gone, or past the Bot
            # API's own download limit): named as refused, so the update is not stuck
            # behind it. Network trouble still raises and the update comes again.
            logger.warning("Telegram file %s not downloaded: %s", ref["file_id"], error)
            prepared.refused.append(
                _("“%(name)s” could not be taken from Telegram. Send it by email, please.")
                % {"name": name}
            )
            continue
        if not content:
            prepared.refused.append(_("“%(name)s” is empty.") % {"name": name})
            continue
        upload = SimpleUploadedFile(name, content, ref.get("mime") or "application/octet-stream")
        try:
            ticket_actions.validate_attachment(upload)
        except ticket_actions.AttachmentError as error:
            prepared.refused.append(str(error))
            continue
        prepared.uploads.append(upload)
    return prepared


# ---- one update --------------------------------------------------------------------------


def _kind(update: dict[str, Any]) -> str:
    for kind in ("message", "callback_query", "edited_message"):
        if kind in update:
            return kind
    return "other"


def _chat_id(update: dict[str, Any]) -> int | None:
    if "message" in update:
        return update["message"].get("chat", {}).get("id")
    if "callback_query" in update:
        query = update["callback_query"]
        return (query.get("message") or {}).get("chat", {}).get("id") or query["from"]["id"]
    return None


def _linked_chat(chat_id: int | None) -> TelegramChat | None:
    if chat_id is None:
        return None
    return (
        TelegramChat.objects.select_related("contact", "contact__client", "user")
        .filter(chat_id=chat_id)
        .first()
    )


def prepare(update: dict[str, Any]) -> Prepared:
    """The network part of an update (no writes): the files it brings, or those of the
    draft a button files."""
    chat = _linked_chat(_chat_id(update))
    if chat is None or chat.contact_id is None:
        return Prepared()
    if "message" in update:
        return fetch_files(file_refs(update["message"]))
    data = (update.get("callback_query") or {}).get("data") or ""
    parts = data.split(":")
    if parts[0] in ("type", "to") and len(parts) == 3 and parts[1].isdigit():
        draft = Draft.objects.filter(pk=int(parts[1]), chat=chat, filed_at__isnull=True).first()
        if draft is not None and not (parts[0] == "to" and parts[2] == "new"):
            return fetch_files(draft.files)
    return Prepared()


def handle_update(update: dict[str, Any], *, polling: bool = False) -> str:
    """Handle one update exactly once (see the module docstring). Returns what it did.

    An update that keeps failing for a reason of its own (not the database, not the
    network: something in it the code cannot handle) fails MAX_FAILURES times, each time
    committing nothing and coming again; then it is recorded as failed, the person is asked
    to send it again, and the updates behind it go on instead of waiting for ever."""
    update_id = int(update["update_id"])
    if ProcessedUpdate.objects.filter(update_id=update_id).exists():
        if polling:
            _advance(update_id)
        return "duplicate"
    try:
        return _handle(update, update_id, polling)
    except (DatabaseError, bot.TelegramError):
        raise  # the database or Telegram: the update comes again and is handled then
    except Exception as error:
        if _count_failure(update_id, error) < MAX_FAILURES:
            raise
        logger.exception(
            "Telegram update %s failed %s times: recorded as failed", update_id, MAX_FAILURES
        )
        return _give_up(update, update_id, polling)


def _count_failure(update_id: int, error: Exception) -> int:
    """One more failure of ``update_id`` (its own transaction rolled back; this one
    commits), and how many there were."""
    with transaction.atomic():
        row, _created = UpdateFailure.objects.select_for_update().get_or_create(update_id=update_id)
        row.failures += 1
        row.last_error = f"{type(error).__name__}: {error}"[:300]
        row.failed_at = timezone.now()
        row.save(update_fields=["failures", "last_error", "failed_at"])
    return row.failures


def _give_up(update: dict[str, Any], update_id: int, polling: bool) -> str:
    try:
        chat_id = _chat_id(update)
    except (KeyError, TypeError, AttributeError):
        chat_id = None  # the update's shape is what failed
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        ProcessedUpdate.objects.create(
            update_id=update_id, kind=_kind(update), chat_id=chat_id, outcome="failed"
        )
        if chat_id is not None:
            chat, _created = TelegramChat.objects.get_or_create(chat_id=chat_id)
            outbox.queue(
                chat,
                f"upd:{update_id}:failed",
                _(
                    "Sorry, we could not take this message. Please send it again, or write "
                    "to us by email: %(email)s."
                )
                % {"email": settings.SUPPORT_EMAIL},
            )
        if polling:
            _advance(update_id)
    return "failed"


def _handle(update: dict[str, Any], update_id: int, polling: bool) -> str:
    prepared = prepare(update)
    callback_answer: list[str] = []
    try:
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            ProcessedUpdate.objects.create(
                update_id=update_id, kind=_kind(update), chat_id=_chat_id(update)
            )
            outcome = Conversation(update, prepared, callback_answer).run()
            ProcessedUpdate.objects.filter(update_id=update_id).update(outcome=outcome)
            if polling:
                _advance(update_id)
    except IntegrityError:
        if ProcessedUpdate.objects.filter(update_id=update_id).exists():
            return "duplicate"  # handled at the same moment by another run
        raise
    query = update.get("callback_query")
    if query and bot.enabled():
        # Stops the button's spinner; best effort (the answer itself is in the queue).
        try:
            bot.answer_callback(query["id"], callback_answer[0] if callback_answer else "")
        except bot.TelegramError:
            logger.info("Callback %s not answered", query["id"])
    return outcome


def _advance(update_id: int) -> None:
    """Move the polling cursor past ``update_id`` (never back)."""
    PollState.objects.get_or_create(name="default")
    PollState.objects.filter(name="default").update(
        offset=Greatest(F("offset"), Value(update_id + 1)), polled_at=timezone.now()
    )


def poll_once(timeout: int | None = None) -> PollResult:
    """One long-polling round: fetch updates from the stored offset and handle each. Asking
    with the offset acknowledges what was committed before."""
    result = PollResult()
    if not bot.enabled() or settings.TELEGRAM_WEBHOOK_URL:
        return result
    timeout = settings.TELEGRAM_POLL_TIMEOUT if timeout is None else timeout
    if not cache.add(POLL_LOCK, "1", timeout + 120):
        return result  # another run is polling: two would fight over getUpdates
    try:
        state, _created = PollState.objects.get_or_create(name="default")
        try:
            updates = bot.get_updates(offset=state.offset, timeout=timeout)
        except bot.Conflict as error:
            if "webhook" not in str(error).lower():
                raise  # another poller with the same token: not ours to settle
            # A webhook left registered from before, while the settings say long polling
            # (no TELEGRAM_WEBHOOK_URL): Telegram holds the updates for it until it is gone.
            logger.warning("A Telegram webhook was still set; removed for long polling")
            bot.delete_webhook()
            updates = bot.get_updates(offset=state.offset, timeout=timeout)
        result.fetched = len(updates)
        for update in sorted(updates, key=lambda u: u["update_id"]):
            if handle_update(update, polling=True) == "duplicate":
                result.duplicates += 1
            else:
                result.handled += 1
    finally:
        cache.delete(POLL_LOCK)
    return result


# ---- the conversation ----------------------------------------------------------------------


def _texts():
    return {
        "unknown": _(
            "Hello! This is the PASS24.online support bot.\n\n"
            "To write to support here, link your Telegram to your contact first:\n"
            "1. Sign in to your personal account: %(url)s\n"
            "2. Press «Get a code» and send the code here.\n\n"
            "No access to the account? Ask us for a code by email: %(email)s.\n"
            "Until the chat is linked we cannot accept messages here or show any tickets."
        )
        % {
            "url": settings.SITE_URL + reverse("telegram:home"),
            "email": settings.SUPPORT_EMAIL,
        },
        "bad_code": _(
            "This code does not work: it is wrong, used already or expired. Get a new code in "
            "your personal account (%(url)s) or ask us by email (%(email)s)."
        )
        % {
            "url": settings.SITE_URL + reverse("telegram:home"),
            "email": settings.SUPPORT_EMAIL,
        },
    }


def _wait_text(seconds: int) -> str:
    """«Try again in N minutes» in the interface's language (whole minutes, rounded up)."""
    if seconds <= 0:
        return _("Try again later.")
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Try again in %(count)d minute.", "Try again in %(count)d minutes.", minutes
    ) % {"count": minutes}


class Conversation:
    """What one update does, inside its transaction. Answers go to the outbound queue."""

    def __init__(self, update: dict[str, Any], prepared: Prepared, callback_answer: list[str]):
        self.update = update
        self.prepared = prepared
        self.callback_answer = callback_answer
        self.update_id = int(update["update_id"])
        self.now = timezone.now()
        self._answers = 0

    # -- answering --

    def say(self, chat: TelegramChat, text: str, buttons=None, ticket=None) -> None:
        self._answers += 1
        outbox.queue(
            chat, f"upd:{self.update_id}:{self._answers}", text, buttons=buttons, ticket=ticket
        )

    # -- dispatch --

    def run(self) -> str:
        if "message" in self.update:
            return self.on_message(self.update["message"])
        if "callback_query" in self.update:
            return self.on_callback(self.update["callback_query"])
        return "ignored"

    def _chat(self, chat_data: dict[str, Any], person: dict[str, Any]) -> TelegramChat:
        chat, _created = TelegramChat.objects.select_for_update(of=("self",)).get_or_create(
            chat_id=chat_data["id"]
        )
        name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
        username = person.get("username") or ""
        if chat.name != name[:200] or chat.username != username[:64]:
            chat.name, chat.username = name[:200], username[:64]
            chat.save(update_fields=["name", "username"])
        chat = TelegramChat.objects.select_related("contact", "contact__client", "user").get(
            pk=chat.pk
        )
        if chat.contact_id is not None and not (
            reachable_contacts(chat.contact.client_id).filter(pk=chat.contact_id).exists()
        ):
            # Linked to a contact row the person left behind (their portal login now belongs
            # to another company's contact): the chat is a stranger to the old company again
            # and links anew with a code, as the portal shows them only the new company.
            actions.do_unlink(None, chat)
            chat.refresh_from_db()
        return chat

    def on_message(self, message: dict[str, Any]) -> str:
        chat_data = message.get("chat") or {}
        if chat_data.get("type") != "private":
            return "ignored"  # groups and channels are not a way to support
        chat = self._chat(chat_data, message.get("from") or {})
        text = (message.get("text") or message.get("caption") or "").strip()
        command, _space, argument = text.partition(" ")
        command = command.split("@")[0].lower() if command.startswith("/") else ""
        if command == "/start" and argument.strip():
            text, command = argument.strip(), ""
        if not chat.is_linked:
            if actions.looks_like_code(text):
                return self.link(chat, text)
            self.say(chat, _texts()["unknown"])
            return "instructions"
        if actions.looks_like_code(text) and not file_refs(message):
            return self.link(chat, text)
        if command in ("/unlink", "/stop"):
            actions.do_unlink(chat.contact.user if chat.contact_id else chat.user, chat)
            self.say(chat, _("Telegram is unlinked. To link it again, send a new code."))
            return "unlinked"
        if chat.user_id is not None:
            self.say(
                chat,
                _(
                    "This chat is linked to your work account: when you are on duty, the SLA "
                    "warnings of emergency tickets come here. Tickets are answered in Soprovod. "
                    "/unlink — stop receiving them here."
                ),
            )
            return "staff"
        if command in ("/help", "/start"):
            self.say(chat, self.help_text())
            return "help"
        if command == "/new":
            chat.current_ticket = None
            chat.current_until = self.now + dt.timedelta(minutes=CURRENT_TICKET_MINUTES)
            chat.save(update_fields=["current_ticket", "current_until"])
            self.say(
                chat,
                _(
                    "Describe the problem in one message: what happened, where and since when. You can attach photos and files."
                ),
            )
            return "new"
        if command:
            self.say(chat, self.help_text())
            return "help"
        return self.contact_wrote(chat, message, text)

    def help_text(self) -> str:
        return _(
            "Write your question or describe the problem here, and attach photos or files if "
            "they help. We answer in this chat.\n\n"
            "/new — open a new ticket\n"
            "/unlink — unlink this Telegram\n"
            "To write in a particular ticket, reply to our message about it."
        )

    def link(self, chat: TelegramChat, code: str) -> str:
        try:
            linked = actions.do_link(chat, code, self.now)
        except actions.LinkThrottled as throttled:
            wait = _wait_text(throttled.seconds)
            if throttled.wrong_code:
                self.say(chat, _texts()["bad_code"] + "\n\n" + wait)
            else:
                self.say(chat, _("Too many wrong codes were sent.") + " " + wait)
            return "throttled"
        if linked is None:
            self.say(chat, _texts()["bad_code"])
            return "bad_code"
        if linked.contact_id:
            self.say(
                linked,
                _("Done: this Telegram is linked to %(name)s (%(company)s).")
                % {"name": linked.contact.full_name, "company": linked.contact.client.name}
                + "\n\n"
                + self.help_text(),
            )
        else:
            self.say(
                linked,
                _(
                    "Done: this Telegram is linked to your work account. When you are on duty, the SLA warnings of emergency tickets come here."
                ),
            )
        return "linked"

    # -- tickets of the contact (never another company's) --

    def company_tickets(self, chat: TelegramChat):
        return Ticket.objects.filter(client_id=chat.contact.client_id)

    def open_tickets(self, chat: TelegramChat) -> list[Ticket]:
        return list(
            self.company_tickets(chat)
            .filter(contact_id=chat.contact_id, status__in=OPEN_STATUSES)
            .order_by("-created_at")[: MAX_CHOICES + 1]
        )

    def _usable(self, chat: TelegramChat, ticket_id: int | None) -> Ticket | None:
        """A ticket of the contact's company that can still take a message (open, or
        resolved within the reopen window)."""
        if ticket_id is None:
            return None
        ticket = self.company_tickets(chat).filter(pk=ticket_id).first()
        if ticket is None or ticket.status == TicketStatus.CLOSED:
            return None
        if ticket.status == TicketStatus.RESOLVED:
            window = dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)
            if ticket.resolved_at is None or self.now - ticket.resolved_at > window:
                return None
        return ticket

    def contact_wrote(self, chat: TelegramChat, message: dict[str, Any], text: str) -> str:
        refs = file_refs(message)
        if not text and not refs:
            self.say(chat, _("We accept text, photos and files."))
            return "unsupported"
        self.tell_refused(chat)
        if not text and not self.prepared.uploads:
            return "refused"
        # 0. the next photo or file of an album whose first one waits in a draft
        group = str(message.get("media_group_id") or "")[:64]
        album = (
            Draft.objects.select_for_update(of=("self",))
            .filter(chat=chat, media_group_id=group, filed_at__isnull=True)
            .first()
            if group
            else None
        )
        if album is not None:
            return self.add_to_album(chat, album, text, refs)
        # 1. a reply to the bot's message about a ticket
        replied = (message.get("reply_to_message") or {}).get("message_id")
        if replied:
            sent = OutgoingMessage.objects.filter(chat=chat, telegram_message_id=replied).first()
            ticket = self._usable(chat, sent.ticket_id if sent else None)
            if ticket is not None:
                return self.add_to(chat, ticket, text, self.prepared.uploads)
        # 2. the ticket chosen a moment ago (or /new: a new ticket)
        if chat.current_until and chat.current_until > self.now:
            if chat.current_ticket_id is None:
                return self.ask_type(chat, text, refs)
            ticket = self._usable(chat, chat.current_ticket_id)
            if ticket is not None:
                return self.add_to(chat, ticket, text, self.prepared.uploads)
        # 3. the one open ticket, or a choice
        tickets = self.open_tickets(chat)
        if len(tickets) == 1:
            return self.add_to(chat, tickets[0], text, self.prepared.uploads)
        if not tickets:
            return self.ask_type(chat, text, refs)
        draft = Draft.objects.create(
            chat=chat, text=text, files=self._kept(refs), media_group_id=self._group()
        )
        buttons = [
            [[f"#{t.pk} {t.subject}"[:60], f"to:{draft.pk}:{t.pk}"]] for t in tickets[:MAX_CHOICES]
        ]
        buttons.append([[_("New ticket"), f"to:{draft.pk}:new"]])
        self.say(chat, _("Which ticket is this message about?"), buttons=buttons)
        return "asked_ticket"

    def _group(self) -> str:
        return str((self.update.get("message") or {}).get("media_group_id") or "")[:64]

    def add_to_album(self, chat: TelegramChat, draft: Draft, text: str, refs) -> str:
        """Gather the next part of an album in its draft (the question about the draft was
        asked once, with the first part): as many files as the portal takes in one message,
        the rest named as refused."""
        kept = self._kept(refs)
        room = max(MAX_FILES - len(draft.files), 0)
        if len(kept) > room:
            self.say(
                chat,
                _("These files were not accepted:")
                + "\n"
                + "\n".join(
                    "• "
                    + _("“%(name)s”: at most %(count)s files go in one message.")
                    % {"name": _name_of(ref), "count": MAX_FILES}
                    for ref in kept[room:]
                ),
            )
            kept = kept[:room]
        draft.files = [*draft.files, *kept]
        if text:
            draft.text = f"{draft.text}\n{text}" if draft.text else text
        draft.save(update_fields=["files", "text"])
        return "album"

    def _kept(self, refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The files of a draft: those that passed the limits (refused ones were named)."""
        accepted = {upload.name for upload in self.prepared.uploads}
        return [ref for ref in refs if _name_of(ref) in accepted]

    def tell_refused(self, chat: TelegramChat) -> None:
        if self.prepared.refused:
            self.say(
                chat,
                _("These files were not accepted:")
                + "\n"
                + "\n".join(f"• {reason}" for reason in self.prepared.refused),
            )

    def add_to(self, chat: TelegramChat, ticket: Ticket, text: str, uploads) -> str:
        contact = chat.contact
        actor = contact.user if contact.user_id else None
        if ticket.status == TicketStatus.RESOLVED:
            ticket = ticket_actions.do_reopen(
                actor, ticket, at=self.now, reason=_("The client wrote in Telegram.")
            )
        ticket_actions.do_add_message(
            actor,
            ticket,
            text or _("(files)"),
            from_staff=False,
            source=TicketMessage.Source.TELEGRAM,
            author_email=contact.email,
            attachments=uploads,
            at=self.now,
        )
        self._remember(chat, ticket)
        files = len(uploads)
        self.say(
            chat,
            _("Added to ticket #%(number)s.") % {"number": ticket.pk}
            + (" " + _("Files: %(count)s.") % {"count": files} if files else ""),
            ticket=ticket,
        )
        return "reply"

    def _remember(self, chat: TelegramChat, ticket: Ticket) -> None:
        chat.current_ticket = ticket
        chat.current_until = self.now + dt.timedelta(minutes=CURRENT_TICKET_MINUTES)
        chat.save(update_fields=["current_ticket", "current_until"])

    def type_message(self, client=None) -> tuple[str, list]:
        promises = type_promises(client)
        lines = [_("What kind of request is it? Choose below:")]
        buttons = []
        for code in TYPE_ORDER:
            label = str(TicketType(code).label)
            promise = describe_promise(promises.get(code))
            lines.append(f"\n• {label}: {TYPE_SITUATIONS[code]} {promise}".rstrip())
            buttons.append(label)
        return "\n".join(lines), buttons

    def ask_type(self, chat: TelegramChat, text: str, refs, draft: Draft | None = None) -> str:
        if draft is None:
            draft = Draft.objects.create(
                chat=chat, text=text, files=self._kept(refs), media_group_id=self._group()
            )
        message, labels = self.type_message(chat.contact.client if chat.contact_id else None)
        buttons = [
            [[label, f"type:{draft.pk}:{code}"]]
            for label, code in zip(labels, TYPE_ORDER, strict=True)
        ]
        self.say(chat, message, buttons=buttons)
        return "asked_type"

    # -- buttons --

    def on_callback(self, query: dict[str, Any]) -> str:
        message = query.get("message") or {}
        chat = self._chat(message.get("chat") or {"id": query["from"]["id"]}, query["from"])
        if chat.contact_id is None:
            self.callback_answer.append(_("This chat is not linked."))
            if not chat.is_linked:
                self.say(chat, _texts()["unknown"])
            return "instructions"
        parts = (query.get("data") or "").split(":")
        if len(parts) != 3 or not parts[1].isdigit():
            return "ignored"
        kind, number, value = parts[0], int(parts[1]), parts[2]
        if kind == "rate":
            return self.rate(chat, number, value)
        draft = Draft.objects.select_for_update(of=("self",)).filter(pk=number, chat=chat).first()
        if draft is None or draft.filed_at is not None:
            self.callback_answer.append(_("This message is already filed."))
            return "stale"
        if kind == "type" and value in TicketType.values:
            return self.open_ticket(chat, draft, value)
        if kind == "to" and value == "new":
            return self.ask_type(chat, draft.text, draft.files, draft=draft)
        if kind == "to" and value.isdigit():
            ticket = self._usable(chat, int(value))
            if ticket is None:
                self.callback_answer.append(_("This ticket cannot take messages any more."))
                return self.ask_type(chat, draft.text, draft.files, draft=draft)
            self._file(draft, ticket)
            self.tell_refused(chat)
            return self.add_to(chat, ticket, draft.text, self.prepared.uploads)
        return "ignored"

    def _file(self, draft: Draft, ticket: Ticket) -> None:
        draft.filed_at = self.now
        draft.ticket = ticket
        draft.save(update_fields=["filed_at", "ticket"])

    def open_ticket(self, chat: TelegramChat, draft: Draft, type_code: str) -> str:
        contact = chat.contact
        text = draft.text or _("(files)")
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        subject = first_line[:80] + ("…" if len(first_line) > 80 else "")
        self.tell_refused(chat)
        ticket = ticket_actions.do_create_ticket(
            contact.user if contact.user_id else None,
            client=contact.client,
            contact=contact,
            requester_email=contact.email,
            subject=subject or _("Message from Telegram"),
            body=text,
            type=type_code,
            channel=Channel.TELEGRAM,
            source=TicketMessage.Source.TELEGRAM,
            attachments=self.prepared.uploads,
            created_at=self.now,
        )
        self._file(draft, ticket)
        self._remember(chat, ticket)
        promise = describe_promise(type_promises(ticket.client).get(type_code))
        self.callback_answer.append(_("Ticket #%(number)s is open.") % {"number": ticket.pk})
        self.say(
            chat,
            _("Ticket #%(number)s is registered (%(type)s). %(promise)s We will answer here.")
            % {"number": ticket.pk, "type": ticket.get_type_display().lower(), "promise": promise},
            ticket=ticket,
        )
        return "created"

    def rate(self, chat: TelegramChat, message_id: int, value: str) -> str:
        notice = (
            TicketMessage.objects.select_related("ticket")
            .filter(
                pk=message_id,
                source=TicketMessage.Source.RESOLUTION,
                ticket__client_id=chat.contact.client_id,
            )
            .first()
        )
        if notice is None or not value.isdigit() or not 1 <= int(value) <= 5:
            self.callback_answer.append(_("This rating is not available."))
            return "ignored"
        link = survey_actions.csat_link_for(notice, self.now)
        try:
            survey_actions.do_rate_by_link(link.token, int(value), now=self.now)
        except survey_actions.LinkProblem as problem:
            if problem.detail:
                # The rating rule's own reason (a ticket reopened since is not resolved).
                self.callback_answer.append(problem.detail)
                self.say(
                    chat,
                    _("Ticket #%(number)s: %(reason)s")
                    % {"number": notice.ticket_id, "reason": problem.detail},
                )
                return "rating_refused"
            self.callback_answer.append(
                _("This ticket is already rated or can no longer be rated.")
            )
            self.say(
                chat,
                _("Ticket #%(number)s is already rated or can no longer be rated. Thank you!")
                % {"number": notice.ticket_id},
            )
            return "rating_refused"
        self.callback_answer.append(_("Thank you!"))
        self.say(
            chat,
            _("Thank you! Your rating of ticket #%(number)s: %(score)s of 5.")
            % {"number": notice.ticket_id, "score": value},
        )
        return "rated"
