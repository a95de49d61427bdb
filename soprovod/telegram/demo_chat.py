"""``soprovod telegram demo``: watch a Telegram conversation happen locally. A fake Bot API
server is started on 127.0.0.1, the channel is pointed at it for the run, and a client
contact of the demo (client1's) plays the other side: an unknown chat first, then linking
with a one-time code, a new ticket with its type chosen from the buttons, a colleague's
answer delivered through the tickets' outbound job, and a rating. Every step goes through
the real poller, handler and queue; the transcript is returned line by line."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.test.utils import override_settings

from soprovod.accounts.roles import Role
from soprovod.celery import app as celery_app
from soprovod.clients.models import Contact
from soprovod.core.demo import PORTAL_USERNAMES
from soprovod.telegram import actions, intake, outbox
from soprovod.telegram.fake import FakeTelegram
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import TicketStatus

CHAT = 880_000_777


def play() -> Iterator[str]:
    from soprovod.accounts.queries import users_with_role

    contact = (
        Contact.objects.select_related("client", "user")
        .filter(user__username=PORTAL_USERNAMES[0])
        .first()
    )
    manager = users_with_role(Role.SUPPORT_MANAGER).first()
    if contact is None or manager is None:
        yield "The demo data is not loaded: run `soprovod demo` first."
        return
    eager = celery_app.conf.task_always_eager
    with (
        FakeTelegram("000000:DEMO") as fake,
        override_settings(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            TELEGRAM_WEBHOOK_URL="",
            CELERY_TASK_ALWAYS_EAGER=True,
        ),
    ):
        celery_app.conf.task_always_eager = True
        cache.delete(intake.POLL_LOCK)
        shown = 0

        def exchange(label: str) -> Iterator[str]:
            nonlocal shown
            intake.poll_once(0)
            outbox.flush()
            yield f"\n— {label}"
            for item in fake.sent[shown:]:
                text = item.get("text") or f"[{item.get('filename')}]"
                yield "  бот → " + text.replace("\n", "\n         ")
                for row in item.get("buttons") or []:
                    yield "         [" + "] [".join(label for label, _data in row) + "]"
            shown = len(fake.sent)

        try:
            yield f"Fake Telegram Bot API at {fake.base_url} (settings: {settings.TELEGRAM_API_BASE_URL})"
            fake.user_message(CHAT, "Здравствуйте, не работает шлагбаум", name="Гость")
            yield from exchange("an unknown chat writes")
            code, _row = actions.do_issue_code(contact.user, contact=contact)
            fake.user_message(CHAT, code, name=contact.full_name)
            yield from exchange(f"{contact.full_name} sends the code {code} from the portal")
            fake.user_message(CHAT, "/new", name=contact.full_name)
            fake.user_message(
                CHAT,
                "Не срабатывает считыватель на въезде\nПропуска не читаются с 8 утра",
                name=contact.full_name,
            )
            yield from exchange("they write about a problem")
            choice = [item for item in fake.sent if item.get("buttons")][-1]["buttons"][0][0]
            fake.user_callback(CHAT, choice[1], name=contact.full_name)
            yield from exchange(f"they press «{choice[0]}»")
            chat_ticket = intake.TelegramChat.objects.get(chat_id=CHAT).current_ticket
            ticket_actions.do_add_message(
                manager,
                chat_ticket,
                "Перезапустите контроллер, пожалуйста, и напишите, помогло ли.",
            )
            yield from exchange(f"{manager.get_full_name()} answers on ticket #{chat_ticket.pk}")
            ticket_actions.do_change_status(manager, chat_ticket, TicketStatus.RESOLVED)
            yield from exchange("the ticket is resolved")
            rating = [item for item in fake.sent if item.get("buttons")][-1]["buttons"][0][4]
            fake.user_callback(CHAT, rating[1], name=contact.full_name)
            yield from exchange("they rate it 5")
            intake.poll_once(0)  # acknowledges the last update
            yield f"\nTicket #{chat_ticket.pk} (channel «{chat_ticket.get_channel_display()}») is in the queue."
        finally:
            celery_app.conf.task_always_eager = eager
