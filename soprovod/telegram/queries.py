"""Reads of the Telegram channel."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet

from soprovod.clients.models import Contact
from soprovod.telegram.models import DutyShift, TelegramChat


def chats_of(*, contact=None, user=None) -> QuerySet[TelegramChat]:
    """The chats linked to a contact or to a colleague."""
    if contact is not None:
        return TelegramChat.objects.filter(contact=contact).order_by("-linked_at")
    return TelegramChat.objects.filter(user=user).order_by("-linked_at")


def linked_contacts() -> QuerySet[TelegramChat]:
    """Chats linked to client contacts, most recent first (with contact and company)."""
    return (
        TelegramChat.objects.filter(contact__isnull=False)
        .select_related("contact", "contact__client")
        .order_by("-linked_at")
    )


def contact_by_email(email: str) -> Contact | None:
    """The contact with this address, when it belongs to exactly one company."""
    contacts = Contact.objects.filter(email__iexact=email.strip())
    if contacts.values("client_id").distinct().count() != 1:
        return None
    return contacts.select_related("client").order_by("-is_primary", "pk").first()


def rota(start: dt.datetime, end: dt.datetime) -> QuerySet[DutyShift]:
    """The shifts between ``start`` and ``end``, each with ``has_telegram``: whether the
    colleague linked a chat (without one, the emergency warnings of that shift reach nobody
    by Telegram)."""
    return (
        DutyShift.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("user")
        .annotate(has_telegram=Exists(TelegramChat.objects.filter(user_id=OuterRef("user_id"))))
        .order_by("starts_at")
    )
