"""The Telegram channel in Chromium: a client contact gets a one-time code on the portal's
Telegram page (on a 390 px phone), sends it to the bot (the local fake Bot API), sees the
chat linked and writes in a ticket; the head sets the duty rota."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from soprovod.telegram import intake
from soprovod.telegram.fake import FakeTelegram
from soprovod.telegram.models import DutyShift, TelegramChat
from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 313131


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_link_telegram_from_the_portal_and_set_the_rota(
    page, js_errors, staff, companies, settings
):
    with FakeTelegram() as fake:
        settings.TELEGRAM_BOT_TOKEN = fake.token
        settings.TELEGRAM_API_BASE_URL = fake.base_url
        settings.TELEGRAM_WEBHOOK_URL = ""
        cache.delete(intake.POLL_LOCK)
        ticket = ticket_actions.do_create_ticket(
            None,
            subject="Шлагбаум",
            body="…",
            type="standard",
            channel=Channel.PORTAL,
            client=companies.a,
            contact=companies.contact_a,
        )
        page.set_viewport_size({"width": 390, "height": 844})
        log_in(page, "client1")
        page.goto("/telegram/")
        assert _fits(page)
        with page.expect_navigation():
            page.locator("#telegram-link button[type=submit]").first.click()
        code = page.locator("#link-code").inner_text()
        assert _fits(page)

        fake.user_message(CHAT, code)
        fake.user_message(CHAT, "На въезде снова не читаются пропуска")
        intake.poll_once(0)
        chat = TelegramChat.objects.get(chat_id=CHAT)
        assert chat.contact == companies.contact_a
        assert ticket.messages.filter(body="На въезде снова не читаются пропуска").exists()

        page.reload()
        assert page.locator("#telegram-chats li").count() == 1
        log_out(page)

        page.set_viewport_size({"width": 1440, "height": 900})
        log_in(page, "head")
        page.goto("/telegram/duty/")
        form = page.locator("#add-shift")
        form.locator("select[name=user]").select_option(str(staff.support.pk))
        form.locator("input[name=starts_at]").fill("2030-03-01T21:00")
        form.locator("input[name=ends_at]").fill("2030-03-02T09:00")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert DutyShift.objects.get().user == staff.support
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert _fits(page)
    js_errors.assert_none()
