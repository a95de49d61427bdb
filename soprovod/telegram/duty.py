"""Emergencies at night: the colleague on duty (the head's rota, `DutyShift`) hears in
Telegram of a new emergency ticket and of each SLA warning and breach of an emergency
ticket, so the 15-minute first response round the clock is met when nobody watches the queue.

Hooked from above: the tickets' SLA checker sends `tickets.sla_checker.sla_notice` inside
the transaction of each notice, and a new ticket is seen through ``post_save``; the message
is queued (`outbox.queue`) in that same transaction, keyed by the notice, so it is sent
once, and not at all if the notice rolled back.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.sla.models import Metric, SlaNotification, TicketType
from soprovod.telegram import outbox
from soprovod.telegram.models import DutyShift, TelegramChat


def shifts_at(at: dt.datetime) -> QuerySet[DutyShift]:
    return DutyShift.objects.filter(starts_at__lte=at, ends_at__gt=at).select_related("user")


def on_duty(at: dt.datetime | None = None) -> list:
    """The colleagues on duty at ``at`` (active ones)."""
    at = at or timezone.now()
    return [shift.user for shift in shifts_at(at) if shift.user.is_active]


def duty_chats(at: dt.datetime) -> list[TelegramChat]:
    """The linked staff chats of whoever is on duty at ``at``."""
    people = [user.pk for user in on_duty(at)]
    return list(TelegramChat.objects.filter(user_id__in=people).order_by("pk"))


def _link(ticket_id: int) -> str:
    return f"{settings.SITE_URL}{reverse('tickets:detail', args=[ticket_id])}"


def _tell_duty(key: str, text: str, ticket, at: dt.datetime) -> int:
    chats = duty_chats(at)
    for chat in chats:
        outbox.queue(chat, f"{key}:{chat.pk}", text, ticket=ticket)
    return len(chats)


def ticket_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A new open emergency ticket: whoever is on duty hears of it at once."""
    if not created or raw or instance.type != TicketType.EMERGENCY or not instance.is_open:
        return
    if timezone.now() - instance.created_at > dt.timedelta(hours=1):
        return  # imported or replayed history
    with translation.override(settings.LANGUAGE_CODE):
        text = _("🚨 New emergency ticket #%(number)s: %(subject)s\n%(client)s\n%(link)s") % {
            "number": instance.pk,
            "subject": instance.subject,
            "client": instance.client.name if instance.client_id else _("client not known"),
            "link": _link(instance.pk),
        }
    _tell_duty(f"duty:new:{instance.pk}", text, instance, timezone.now())


def sla_notice_sent(sender, clock, threshold: str, due_at: dt.datetime, key: str, **kwargs):
    """An SLA warning or breach of an emergency ticket: whoever is on duty hears of it."""
    ticket = clock.ticket
    if ticket.type != TicketType.EMERGENCY:
        return
    with translation.override(settings.LANGUAGE_CODE):
        words = {
            "number": ticket.pk,
            "metric": Metric(clock.metric).label,
            "due": timezone.localtime(due_at).strftime("%d.%m %H:%M"),
            "subject": ticket.subject,
            "link": _link(ticket.pk),
        }
        if threshold == SlaNotification.Threshold.WARNING:
            text = _(
                "⏰ SLA warning, emergency ticket #%(number)s: %(metric)s due %(due)s.\n"
                "%(subject)s\n%(link)s"
            )
        else:
            text = _(
                "❗ SLA breached, emergency ticket #%(number)s: %(metric)s was due %(due)s.\n"
                "%(subject)s\n%(link)s"
            )
        text = text % words
    _tell_duty(f"duty:{key}", text, ticket, timezone.now())


def coverage(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The gaps in the rota between ``start`` and ``end``: nobody on duty then."""
    shifts = DutyShift.objects.filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at")
    gaps = []
    cursor = start
    for shift_start, shift_end in shifts.values_list("starts_at", "ends_at"):
        if shift_start > cursor:
            gaps.append((cursor, shift_start))
        cursor = max(cursor, shift_end)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps
