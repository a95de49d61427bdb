"""The demo's chat page (`soprovod demo --with-fakes`) in Chromium: a client contact presses
«Новое обращение», writes, chooses the type with the bot's button, and reads the bot's answer
and a colleague's reply, each appearing on the page by itself. The page is served by the fake
Bot API; the polling round the worker would run is run here between the clicks."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from soprovod.telegram import intake
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Ticket
from soprovod.web import fakes as demo_fakes

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_contact_opens_a_ticket_in_the_chat_page_and_reads_the_reply(page, companies, staff):
    started = demo_fakes.start_fakes(delay=0)
    try:
        with demo_fakes.pointed_at(started):
            cache.delete(intake.POLL_LOCK)
            intake.poll_once(0)  # the one-time code the page sent first links the chat
            page.goto(started.telegram.chat_url)
            expect(
                page.get_by_text("этот Telegram привязан к контакту", exact=False)
            ).to_be_visible()

            page.get_by_role("button", name="Новое обращение").click()
            page.get_by_label("Сообщение").fill("Не работает считыватель\nКарты не читаются.")
            page.get_by_role("button", name="Отправить").click()
            expect(page.locator(".msg.me").last).to_contain_text("Карты не читаются.")
            intake.poll_once(0)
            page.get_by_role("button", name="Стандартное").click()
            expect(page.locator(".msg.me").last).to_have_text("[Стандартное]")
            intake.poll_once(0)
            ticket = Ticket.objects.get(channel=Channel.TELEGRAM)
            assert ticket.contact == companies.contact_a
            assert ticket.subject == "Не работает считыватель"
            expect(page.get_by_text(f"Обращение №{ticket.pk} зарегистрировано")).to_be_visible()

            ticket_actions.do_add_message(staff.support, ticket, "Проверьте ленту принтера.")
            expect(page.get_by_text("Проверьте ленту принтера.", exact=False)).to_be_visible()
    finally:
        started.stop()
