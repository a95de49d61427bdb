"""The Bitrix24 sync in Chromium against the local fake portal: the head starts a sync from
the log, sees the run with its counts (the webhook masked), opens the review list on a
390 px phone, and ignores a conflict from the keyboard; the page fits the screen."""

from __future__ import annotations

import pytest

from soprovod.bitrix.fake import FakeBitrix24
from soprovod.bitrix.models import Conflict, ConflictStatus
from soprovod.tests_browser.conftest import log_in
from soprovod.tests_browser.crawl import problems_at_widths

pytestmark = pytest.mark.django_db(transaction=True)

FITS = (
    "(() => { const m = document.querySelector('main') || document.body;"
    " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
)


def test_the_head_syncs_and_ignores_a_conflict(page, live_server, staff, settings):
    with FakeBitrix24() as fake:
        settings.BITRIX24_WEBHOOK_URL = fake.url
        settings.BITRIX24_APP_TOKEN = fake.application_token
        fake.add_company("ООО «Альфа»", "7707083893")
        fake.add_company("ООО «Опечатка»", "7707083894")

        log_in(page, staff.head.username)
        page.goto("/bitrix/")
        assert "/rest/1/•••/" in page.locator("#bx-connection").inner_text()
        assert fake.code not in page.content()
        with page.expect_navigation():
            page.get_by_role("button", name="Синхронизировать сейчас").click()
        row = page.locator("#bx-runs tbody tr[data-pk]").first
        cells = row.locator("td").all_inner_texts()
        assert cells[2] == "Завершена" and cells[4] == "1" and cells[6] == "1", cells
        assert problems_at_widths(page) == []  # desk and phone: no overflow, axe clean
        page.goto("/bitrix/conflicts/")
        assert problems_at_widths(page) == []
        page.set_viewport_size({"width": 1280, "height": 900})

        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate(FITS)
        form = page.locator("#bx-conflicts form.bx-decide").first
        form.locator("input[name=note]").fill("Не наш клиент")
        ignore = form.get_by_role("button", name="Пропустить")
        ignore.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Конфликт пропущен" in page.content()
        conflict = Conflict.objects.get()
        assert (conflict.status, conflict.note) == (ConflictStatus.IGNORED, "Не наш клиент")
