"""Every write of the Telegram channel outside the conversation itself: one-time link codes
(from the portal page or by email), linking and unlinking a chat, the duty rota. Each runs in
one transaction and is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.clients.queries import may_be_told
from soprovod.telegram import throttle
from soprovod.telegram.models import DutyShift, LinkCode, TelegramChat

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or retyped
CODE_LENGTH = 8
CODE_HOURS = 24
EMAIL_CODE_HOURS = 72


class TelegramError(ValueError):
    """A change the rules refuse; the message says why (shown to the user)."""


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def looks_like_code(text: str) -> bool:
    """Eight characters of the code alphabet, digits and letters both (so an ordinary word
    such as «Passport» is a message, not a code)."""
    if len((text or "").strip()) > CODE_LENGTH + 2:
        return False
    code = normalise_code(text)
    return (
        len(code) == CODE_LENGTH
        and all(ch in CODE_ALPHABET for ch in code)
        and any(ch.isdigit() for ch in code)
        and any(ch.isalpha() for ch in code)
    )


def _new_code() -> str:
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if looks_like_code(raw):
            return f"{raw[:4]}-{raw[4:]}"


@transaction.atomic
def do_issue_code(
    actor, *, contact=None, user=None, hours: int = CODE_HOURS, now=None
) -> tuple[str, LinkCode]:
    """A new one-time code for a contact or a colleague (earlier unused ones stop working).
    Returns the code itself (shown once; only its hash is kept) and its row."""
    now = now or timezone.now()
    owner = {"contact": contact} if contact is not None else {"user": user}
    LinkCode.objects.filter(used_at__isnull=True, **owner).update(expires_at=now)
    code = _new_code()
    row = LinkCode.objects.create(
        code_hash=hash_code(code), expires_at=now + dt.timedelta(hours=hours), **owner
    )
    target = contact if contact is not None else user
    record(actor, target, AuditEvent.Action.OTHER, {"telegram": [None, _("link code issued")]})
    return code, row


def do_email_code(actor, contact, now=None) -> str:
    """Mail a contact a code that links their Telegram (valid longer than one shown on a
    page: mail is read later). Returns the address it went to."""
    if not contact.email:
        raise TelegramError(_("The contact has no email address to send the code to."))
    if not may_be_told(contact.client_id, contact.email, contact_id=contact.pk):
        # The address is now another company's person's (their portal login moved there): a
        # code would link that person's Telegram to this company's tickets.
        raise TelegramError(
            _(
                "This address now belongs to a contact of another company: the code is not "
                "sent. Correct the contact's address first."
            )
        )
    code, _row = do_issue_code(actor, contact=contact, hours=EMAIL_CODE_HOURS, now=now)
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(
            "telegram/email/link_code.txt",
            {
                "contact": contact,
                "code": code,
                "hours": EMAIL_CODE_HOURS,
                "site_url": settings.SITE_URL,
            },
        )
        subject = _("Your code to link Telegram to PASS24 support")
    transaction.on_commit(
        lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [contact.email])
    )
    return contact.email


class LinkThrottled(Exception):  # noqa: N818 - a refusal to look, not an error
    """Too many wrong codes (`throttle`): no code is looked at for ``seconds`` (0: unknown).
    ``wrong_code``: the code just sent was wrong and started the wait."""

    def __init__(self, seconds: int, *, wrong_code: bool = False) -> None:
        super().__init__(f"wait {seconds} s")
        self.seconds = seconds
        self.wrong_code = wrong_code


def do_link(chat: TelegramChat, code_text: str, now=None) -> TelegramChat | None:
    """Link ``chat`` by a code it sent. Returns the chat linked, or None for a wrong,
    used or expired code (the caller says so, without telling which). Raises LinkThrottled
    while the chat (or every chat) has sent too many wrong codes, right ones included."""
    wait = throttle.wait_for(chat.chat_id)
    if wait is not None:
        raise LinkThrottled(wait)
    now = now or timezone.now()
    code = (
        LinkCode.objects.select_for_update(of=("self",))
        .select_related("contact", "user")
        .filter(code_hash=hash_code(code_text), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if code is None:
        wait = throttle.count_wrong(chat.chat_id)
        if wait is not None:
            raise LinkThrottled(wait, wrong_code=True)
        return None
    code.used_at = now
    code.chat = chat
    code.save(update_fields=["used_at", "chat"])
    chat.contact = code.contact
    chat.user = code.user
    chat.linked_at = now
    chat.current_ticket = None
    chat.save(update_fields=["contact", "user", "linked_at", "current_ticket"])
    target = code.contact or code.user
    actor = code.contact.user if code.contact and code.contact.user_id else code.user
    record(actor, target, AuditEvent.Action.OTHER, {"telegram": [None, _("linked")]})
    return chat


@transaction.atomic
def do_unlink(actor, chat: TelegramChat) -> None:
    """The chat stops being linked: it gets instructions only from now on."""
    chat = TelegramChat.objects.select_for_update(of=("self",)).get(pk=chat.pk)
    target = chat.contact or chat.user
    if target is None:
        return
    chat.contact = None
    chat.user = None
    chat.linked_at = None
    chat.current_ticket = None
    chat.save(update_fields=["contact", "user", "linked_at", "current_ticket"])
    record(actor, target, AuditEvent.Action.OTHER, {"telegram": [_("linked"), None]})


# ---- the duty rota -----------------------------------------------------------------------


@transaction.atomic
def do_add_shift(actor, *, user, starts_at, ends_at, note: str = "") -> DutyShift:
    if not user.is_support_staff:
        raise TelegramError(_("Only a colleague of the support department can be on duty."))
    if ends_at <= starts_at:
        raise TelegramError(_("A shift must end after it starts."))
    if ends_at - starts_at > dt.timedelta(days=14):
        raise TelegramError(_("A shift is at most 14 days long."))
    shift = DutyShift.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, note=note.strip(), created_by=actor
    )
    record(
        actor,
        shift,
        AuditEvent.Action.CREATED,
        {
            "user": [None, str(user)],
            "starts_at": [None, starts_at.isoformat()],
            "ends_at": [None, ends_at.isoformat()],
        },
    )
    return shift


@transaction.atomic
def do_delete_shift(actor, shift: DutyShift) -> None:
    record(actor, shift, AuditEvent.Action.DELETED, {"user": [str(shift.user), None]})
    shift.delete()
