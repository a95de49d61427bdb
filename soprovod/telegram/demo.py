"""Demo step: the Telegram channel alive without a bot or a network. Two portal contacts
(client1's and client2's) link their Telegram with one-time codes, client1's contact opens
a ticket by writing to the bot and choosing its type, a support manager answers and the
contact replies to that answer — every update through the real handler
(`intake.handle_update`), exactly as the bot would receive it. The bot's messages are
recorded as sent (there is no bot in the demo). A support manager links a work Telegram and
the duty rota covers the next two weeks round the clock."""

from __future__ import annotations

import datetime as dt
import itertools
import time

from django.db.models import F
from django.utils import timezone

from soprovod.accounts.roles import Role
from soprovod.clients.models import Contact
from soprovod.core.demo import PORTAL_USERNAMES, DemoContext
from soprovod.telegram import actions, intake
from soprovod.telegram.models import Draft, DutyShift, OutgoingMessage, TelegramChat
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Category

FIRST_CHAT = 880_000_001
_update_ids = itertools.count(1)


def _message(chat_id: int, text: str, name: str, reply_to: int | None = None) -> dict:
    message = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": name},
        "from": {"id": chat_id, "is_bot": False, "first_name": name},
        "text": text,
    }
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": "…",
        }
    return {"update_id": -next(_update_ids), "message": message}


def _button(chat_id: int, data: str, name: str) -> dict:
    return {
        "update_id": -next(_update_ids),
        "callback_query": {
            "id": f"demo{next(_update_ids)}",
            "from": {"id": chat_id, "is_bot": False, "first_name": name},
            "chat_instance": "demo",
            "data": data,
            "message": {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"}},
        },
    }


def _mark_sent() -> None:
    """No bot in the demo: what it would have sent is recorded as sent."""
    OutgoingMessage.objects.filter(status=OutgoingMessage.Status.PENDING).update(
        status=OutgoingMessage.Status.SENT,
        sent_at=timezone.now(),
        parts_sent=1,
        telegram_message_id=F("pk") + 1_000_000,
    )


def _handle(update: dict) -> str:
    # The demo's update ids are negative so they never meet a real bot's.
    outcome = intake.handle_update(update)
    _mark_sent()
    return outcome


def create_telegram(ctx: DemoContext) -> None:
    contacts = list(
        Contact.objects.filter(user__username__in=PORTAL_USERNAMES)
        .select_related("client", "user")
        .order_by("user__username")
    )
    chats = []
    for number, contact in enumerate(contacts):
        chat_id = FIRST_CHAT + number
        code, _row = actions.do_issue_code(contact.user, contact=contact)
        name = contact.full_name.split()[0]
        _handle(_message(chat_id, code, name))
        chats.append((TelegramChat.objects.get(chat_id=chat_id), name))
    if not chats:
        return
    chat, name = chats[0]
    # A new ticket by writing to the bot: /new, the description, the type from the buttons.
    _handle(_message(chat.chat_id, "/new", name))
    _handle(
        _message(
            chat.chat_id,
            "На КПП-2 не печатаются гостевые пропуска\n"
            "С утра принтер на посту охраны выдаёт пустые листы, пропуска по QR проходят. "
            "Подскажите, что проверить?",
            name,
        )
    )
    draft = Draft.objects.filter(chat=chat, filed_at__isnull=True).latest("pk")
    _handle(_button(chat.chat_id, f"type:{draft.pk}:standard", name))
    draft.refresh_from_db()
    ticket = draft.ticket
    managers = ctx.users_with_role(Role.SUPPORT_MANAGER)
    if ticket is None or not managers:
        return
    manager = managers[0]
    category = (
        Category.objects.filter(is_active=True, name__icontains="пропуск").first()
        or Category.objects.filter(is_active=True).first()
    )
    if category is not None:
        ticket = ticket_actions.do_update_ticket(manager, ticket, category=category)
    answer = ticket_actions.do_add_message(
        manager,
        ticket,
        "Добрый день! Похоже, в принтере закончилась лента или сбился шаблон. Откройте "
        "«Настройки → Печать пропусков» и нажмите «Пробная печать»: что получится?",
        take=True,
    )
    _mark_sent()
    sent = OutgoingMessage.objects.get(ticket_message=answer, chat=chat)
    _handle(
        _message(
            chat.chat_id,
            "Пробная печать прошла, шаблон сбросился после обновления. Восстановили — всё печатается, спасибо!",
            name,
            reply_to=sent.telegram_message_id,
        )
    )
    # A colleague on duty with a linked work Telegram, and the rota for two weeks.
    code, _row = actions.do_issue_code(manager, user=manager)
    _handle(_message(FIRST_CHAT + 100, code, manager.first_name or manager.username))
    head = (ctx.users_with_role(Role.HEAD) or [None])[0]
    people = managers + ctx.users_with_role(Role.SENIOR_ENGINEER)
    start = timezone.make_aware(dt.datetime.combine(ctx.today, dt.time(9)))
    for shift in range(28):  # twelve-hour shifts, day and night, in turn
        begins = start + dt.timedelta(hours=12 * shift) - dt.timedelta(hours=12)
        if not DutyShift.objects.filter(starts_at=begins).exists():
            actions.do_add_shift(
                head,
                user=people[shift % len(people)],
                starts_at=begins,
                ends_at=begins + dt.timedelta(hours=12),
                note="ночь" if shift % 2 else "день",
            )
    ctx.log(f"  telegram: {len(chats)} contacts linked, ticket #{ticket.pk} came in by Telegram")
