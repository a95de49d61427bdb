"""Mail intake: the support mailbox (IMAP) becomes tickets and replies.

`fetch_mail` polls the folder ``IMAP_FOLDER`` for messages not handled yet (by UID), and for
each one:

1. parses it with the standard `email` package (`parse_mail`): headers and bodies in any
   charset (UTF-8, cp1251, KOI8-R…) and transfer encoding, multipart, attachments;
2. files it (`receive`) in one transaction: a reply — its In-Reply-To/References name a mail
   of a ticket, or its subject carries ``[#123]`` and it comes from that ticket's client — is
   added to the ticket (a resolved ticket within the reopen window is reopened; a closed one,
   or one past the window, gets a new ticket instead); anything else opens a new ticket for
   the sender's company, or an unassigned one in the triage queue for an unknown sender.
   A reply from someone who may no longer hear of that ticket's company (they moved to
   another company: `clients.queries.may_be_told`, the rule the mail out follows) does not
   touch that ticket: it opens a new one without a company in the triage queue;
3. only after that transaction committed, marks the IMAP message handled.

Exactly once: the Message-ID is stored on the ticket message (unique), so a mail seen again —
a duplicate delivery, or a crash between the commit and the mark — is skipped. A mail that
cannot be parsed or filed is logged and marked failed (and flagged for a person) so it does
not block the rest; a database or network failure stops the run and the mail is tried again.
Refused attachments (size, type) are named in an internal note instead.

Handled mail gets the keywords ``$SoprovodDone`` (or ``$SoprovodFailed``) plus ``\\Seen``; on a
server without keywords, ``\\Seen`` alone marks it and unseen mail is what is fetched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import hashlib
import html
import imaplib
import logging
import mimetypes
import re
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from soprovod.clients.models import Contact
from soprovod.clients.queries import may_be_told
from soprovod.tickets import actions
from soprovod.tickets.models import (
    Channel,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketType,
)

logger = logging.getLogger(__name__)

DONE = "$SoprovodDone"
FAILED = "$SoprovodFailed"
TICKET_TAG = re.compile(r"\[#(\d{1,12})\]")
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
FALLBACK_CHARSETS = ("utf-8", "cp1251", "koi8-r")
SYSTEM_SENDERS = ("mailer-daemon", "postmaster")


class MalformedMail(ValueError):
    """A mail that cannot be turned into a ticket message; the message says why."""


@dataclass
class IncomingMail:
    """What intake needs from one mail, decoded."""

    message_id: str
    sender: str
    subject: str
    body: str
    references: list[str] = field(default_factory=list)
    attachments: list[UploadedFile] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    automatic: bool = False


@dataclass
class IntakeResult:
    """What one run did (counts)."""

    fetched: int = 0
    created: int = 0
    replies: int = 0
    duplicates: int = 0
    skipped: int = 0  # automatic mail (out-of-office, bounces) and our own
    failed: int = 0  # malformed: marked failed and flagged for a person


# ---- parsing -----------------------------------------------------------------------------


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot decode: treat it as absent
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _decode(payload: bytes, charset: str | None) -> str:
    """Text of a body in its declared charset, else the usual suspects for Russian mail."""
    for name in (charset, *FALLBACK_CHARSETS):
        if not name:
            continue
        try:
            return payload.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1", errors="replace")


def _text_of(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    text = _decode(payload, part.get_content_charset())
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def html_to_text(markup: str) -> str:
    """Readable text of an HTML-only mail."""
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>", "\n", markup)
    markup = re.sub(r"(?i)</(p|div|tr|li|h\d)\s*>", "\n", markup)
    text = html.unescape(strip_tags(markup))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _attachment_parts(part: EmailMessage, body: set[int], found: list[EmailMessage]) -> None:
    if part.get_content_type() == "message/rfc822":
        found.append(part)  # a forwarded mail is kept whole, as an .eml file
        return
    if part.is_multipart():
        for sub in part.iter_parts():
            _attachment_parts(sub, body, found)
        return
    if id(part) in body:
        return
    named = part.get_filename() or part.get_content_disposition() == "attachment"
    if part.get_content_maintype() == "text" and not named:
        return  # the other alternative of the body (HTML next to plain text)
    found.append(part)


def _upload(part: EmailMessage, number: int) -> UploadedFile:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        content = (inner[0] if isinstance(inner, list) else inner).as_bytes()
    else:
        content = part.get_payload(decode=True) or b""
    name = PurePath((part.get_filename() or "").replace("\\", "/")).name.strip()
    if not name:
        extension = ".eml" if content_type == "message/rfc822" else None
        extension = extension or mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{number}{extension}"
    return SimpleUploadedFile(name[-200:], content, content_type)


def message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def parse_mail(raw: bytes) -> IncomingMail:
    """Decode one RFC 5322 mail. Raises MalformedMail when it has no usable sender."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:
        raise MalformedMail(f"unparseable mail: {exc}") from exc
    addresses = [addr for _name, addr in getaddresses([_header(message, "From")]) if addr]
    if not addresses:
        raise MalformedMail("no sender address")
    sender = addresses[0].strip().lower()
    try:
        validate_email(sender)
    except ValidationError:
        raise MalformedMail(f"invalid sender address {sender!r}") from None

    found = message_ids(_header(message, "Message-ID"))
    # No Message-ID: derive one from the content, so the same mail is still seen once.
    message_id = found[0] if found else f"<{hashlib.sha256(raw).hexdigest()}@intake.soprovod>"

    try:
        body_part = message.get_body(preferencelist=("plain", "html"))
        body = _text_of(body_part) if body_part is not None else ""
        body_ids = {id(body_part)} if body_part is not None else set()
        parts: list[EmailMessage] = []
        _attachment_parts(message, body_ids, parts)
    except Exception as exc:
        raise MalformedMail(f"unreadable body: {exc}") from exc

    attachments, refused = [], []
    for number, part in enumerate(parts, start=1):
        upload = _upload(part, number)
        try:
            actions.validate_attachment(upload)
        except actions.AttachmentError as exc:
            refused.append(str(exc))
        else:
            attachments.append(upload)

    auto = _header(message, "Auto-Submitted").lower()
    return IncomingMail(
        message_id=message_id[:300],
        sender=sender,
        subject=_header(message, "Subject"),
        body=body,
        references=message_ids(
            _header(message, "In-Reply-To") + " " + _header(message, "References")
        ),
        attachments=attachments,
        refused=refused,
        automatic=bool(auto and auto != "no") or sender.partition("@")[0] in SYSTEM_SENDERS,
    )


# ---- filing --------------------------------------------------------------------------------


def _own_addresses() -> set[str]:
    return {
        addr.lower()
        for _name, addr in getaddresses(
            [settings.SUPPORT_EMAIL, settings.DEFAULT_FROM_EMAIL, settings.IMAP_USER]
        )
        if "@" in addr
    }


def contact_for(address: str) -> Contact | None:
    """The contact with this address, if it belongs to exactly one company."""
    contacts = list(
        Contact.objects.filter(email__iexact=address)
        .select_related("client", "user")
        .order_by("-is_primary", "pk")
    )
    if len({c.client_id for c in contacts}) != 1:
        return None  # unknown, or shared by two companies: a person triages it
    return contacts[0]


def _belongs_to(ticket: Ticket, sender: str) -> bool:
    """A subject number is easy to guess: only the ticket's own people may use it."""
    if ticket.requester_email and ticket.requester_email.lower() == sender:
        return True
    if ticket.contact_id and ticket.contact.email.lower() == sender:
        return True
    return bool(
        ticket.client_id
        and Contact.objects.filter(client_id=ticket.client_id, email__iexact=sender).exists()
    )


def thread_of(mail: IncomingMail) -> Ticket | None:
    """The ticket a mail answers: by its threading headers, else by ``[#123]``."""
    if mail.references:
        known = (
            TicketMessage.objects.filter(email_message_id__in=mail.references)
            .select_related("ticket")
            .order_by("-created_at", "-id")
            .first()
        )
        if known is not None:
            return known.ticket
    for number in TICKET_TAG.findall(mail.subject):
        ticket = Ticket.objects.select_related("contact").filter(pk=int(number)).first()
        if ticket is not None and _belongs_to(ticket, mail.sender):
            return ticket
    return None


def may_write_into(ticket: Ticket, sender: str) -> bool:
    """Whether a mail from ``sender`` may join ``ticket``: only when that person may still be
    told about the ticket's company, by the one rule for every mail to a company's people
    (`clients.queries.may_be_told`). Someone who moved to another company (their contact row,
    or their portal login, now belongs to it) would otherwise keep writing into the old
    company's tickets by answering an old mail; someone known to no company (who wrote in
    and is not a contact yet) still may."""
    writes_as_contact = ticket.contact_id and ticket.contact.email.lower() == sender
    return may_be_told(
        ticket.client_id, sender, contact_id=ticket.contact_id if writes_as_contact else None
    )


def _can_reopen(ticket: Ticket, now: dt.datetime) -> bool:
    window = dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)
    return ticket.resolved_at is not None and now - ticket.resolved_at <= window


def _clean_subject(subject: str) -> str:
    subject = TICKET_TAG.sub("", REPLY_PREFIX.sub("", subject))
    return " ".join(subject.split()) or _("(no subject)")


def _note(ticket: Ticket, text: str, now: dt.datetime) -> None:
    actions.do_add_message(
        None,
        ticket,
        text,
        internal=True,
        from_staff=True,
        is_automatic=True,
        source=TicketMessage.Source.SYSTEM,
        at=now,
    )


def _file(mail: IncomingMail, now: dt.datetime) -> str:
    """Add the mail to its ticket or open a new one; returns "reply" or "created"."""
    contact = contact_for(mail.sender)
    actor = contact.user if contact and contact.user_id else None
    body = mail.body or ("" if mail.attachments else _("(empty message)"))
    ticket = thread_of(mail)
    follows = diverted = None
    if ticket is not None and not may_write_into(ticket, mail.sender):
        # Not added to the old company's ticket, nor reopened: a new ticket in the triage
        # queue, with no company, since the mail (and the old thread it quotes) is about the
        # old company's matter — a person decides where it belongs.
        diverted, ticket = ticket, None
        contact = actor = None
    if ticket is not None and ticket.status == TicketStatus.RESOLVED and _can_reopen(ticket, now):
        ticket = actions.do_reopen(actor, ticket, at=now, reason=_("The client replied by email."))
    if ticket is not None and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        follows, ticket = ticket, None
    if ticket is not None:
        actions.do_add_message(
            actor,
            ticket,
            body,
            from_staff=False,
            source=TicketMessage.Source.EMAIL,
            author_email=mail.sender,
            email_message_id=mail.message_id,
            attachments=mail.attachments,
            at=now,
        )
        outcome = "reply"
    else:
        ticket = actions.do_create_ticket(
            actor,
            client=contact.client if contact else None,
            contact=contact,
            requester_email=mail.sender,
            subject=_clean_subject(mail.subject),
            body=body,
            type=TicketType.STANDARD,
            channel=Channel.EMAIL,
            source=TicketMessage.Source.EMAIL,
            email_message_id=mail.message_id,
            attachments=mail.attachments,
            created_at=now,
        )
        outcome = "created"
        if diverted is not None:
            _note(
                ticket,
                _(
                    "This mail answers ticket #%(number)s, but its sender no longer belongs to "
                    "that ticket's company, so it was not added there. Decide which company it "
                    "concerns before assigning it."
                )
                % {"number": diverted.pk},
                now,
            )
        if follows is not None:
            _note(
                ticket,
                _(
                    "A follow-up to ticket #%(number)s, which is closed or was resolved too long ago to reopen."
                )
                % {"number": follows.pk},
                now,
            )
    if mail.refused:
        _note(
            ticket,
            _("Attachments of the mail from %(sender)s were not accepted:")
            % {"sender": mail.sender}
            + "\n"
            + "\n".join(f"- {reason}" for reason in mail.refused),
            now,
        )
    return outcome


def receive(raw: bytes, now: dt.datetime | None = None) -> str:
    """File one mail (see the module docstring). Returns "created", "reply", "duplicate" or
    "skipped"; raises MalformedMail (or a ticket rule's error) for a mail that cannot be
    filed."""
    mail = parse_mail(raw)
    if TicketMessage.objects.filter(email_message_id=mail.message_id).exists():
        return "duplicate"
    if mail.automatic or mail.sender in _own_addresses():
        logger.info(
            "Mail %s from %s is automatic or our own: skipped", mail.message_id, mail.sender
        )
        return "skipped"
    now = now or timezone.now()
    try:
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            return _file(mail, now)
    except IntegrityError:
        # Another run filed the same Message-ID between our check and our insert.
        if TicketMessage.objects.filter(email_message_id=mail.message_id).exists():
            return "duplicate"
        raise


# ---- the mailbox ---------------------------------------------------------------------------


def connect() -> imaplib.IMAP4:
    """A logged-in connection to the support mailbox, its folder selected."""
    if settings.IMAP_SSL:
        imap = imaplib.IMAP4_SSL(
            settings.IMAP_HOST,
            settings.IMAP_PORT,
            ssl_context=ssl.create_default_context(),
            timeout=60,
        )
    else:
        imap = imaplib.IMAP4(settings.IMAP_HOST, settings.IMAP_PORT, timeout=60)
    imap.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
    status, detail = imap.select(_quoted(settings.IMAP_FOLDER))
    if status != "OK":
        imap.logout()
        raise imaplib.IMAP4.error(f"cannot open folder {settings.IMAP_FOLDER!r}: {detail}")
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _keywords_allowed(imap: imaplib.IMAP4) -> bool:
    _name, data = imap.response("PERMANENTFLAGS")
    return any(b"\\*" in item for item in data if isinstance(item, bytes))


def _pending(imap: imaplib.IMAP4, keywords: bool) -> list[bytes]:
    criteria = (f"UNKEYWORD {DONE}", f"UNKEYWORD {FAILED}") if keywords else ("UNSEEN",)
    status, data = imap.uid("SEARCH", *criteria)
    if status != "OK":
        raise imaplib.IMAP4.error(f"SEARCH failed: {data}")
    return sorted((data[0] or b"").split(), key=int)


def _fetch(imap: imaplib.IMAP4, uid: bytes) -> bytes | None:
    status, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")  # PEEK: do not mark it \Seen yet
    if status != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid!r} failed: {data}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None  # expunged meanwhile


def _store(imap: imaplib.IMAP4, uid: bytes, flags: str) -> None:
    status, data = imap.uid("STORE", uid, "+FLAGS.SILENT", f"({flags})")
    if status != "OK":
        raise imaplib.IMAP4.error(f"STORE {uid!r} failed: {data}")


def _mark_processed(imap: imaplib.IMAP4, uid: bytes, keywords: bool) -> None:
    _store(imap, uid, f"\\Seen {DONE}" if keywords else "\\Seen")


def _mark_failed(imap: imaplib.IMAP4, uid: bytes, keywords: bool) -> None:
    _store(imap, uid, f"\\Seen \\Flagged {FAILED}" if keywords else "\\Seen \\Flagged")


def fetch_mail(limit: int = 200) -> IntakeResult:
    """Handle up to ``limit`` new mails of the support mailbox (a background job)."""
    result = IntakeResult()
    if not settings.IMAP_HOST:
        return result
    imap = connect()
    try:
        keywords = _keywords_allowed(imap)
        for uid in _pending(imap, keywords)[:limit]:
            raw = _fetch(imap, uid)
            if raw is None:
                continue
            result.fetched += 1
            try:
                outcome = receive(raw)
            except (
                DatabaseError,
                OSError,
                imaplib.IMAP4.error,
                actions.AttachmentStorageError,  # the disk is full: not the mail's fault either
            ):
                raise  # not the mail's fault: stop, and try it again next run
            except Exception:
                logger.exception("Mail UID %s could not be filed; marked failed", uid.decode())
                _mark_failed(imap, uid, keywords)
                result.failed += 1
                continue
            # Only now, with the ticket committed: a crash before this line means the mail is
            # fetched again and found to be a duplicate.
            _mark_processed(imap, uid, keywords)
            if outcome == "created":
                result.created += 1
            elif outcome == "reply":
                result.replies += 1
            elif outcome == "duplicate":
                result.duplicates += 1
            else:
                result.skipped += 1
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
    return result
