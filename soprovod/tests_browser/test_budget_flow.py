"""The budget plan end to end in Chromium: the head drafts and submits the plan, the CEO
returns it with a comment, the head edits and submits it again, the CEO approves it, and
the approved plan is locked: a save from a form opened before the approval is refused
with the reason."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from soprovod.budget import queries
from soprovod.budget.models import VersionStatus
from soprovod.tests_browser.conftest import TIMEOUT_MS, log_in

pytestmark = pytest.mark.django_db(transaction=True)

COMMENT = "Командировки в июне урезать"


def test_plan_is_returned_then_approved_and_locked(page, chromium, live_server, staff):
    year = timezone.localdate().year

    # The head drafts the plan and submits it.
    log_in(page, staff.head.username)
    page.goto("/budget/")
    with page.expect_navigation():
        page.locator(f"form[action='/budget/{year}/new-version/'] button").click()
    found = re.search(r"/budget/versions/(\d+)/$", page.url)
    assert found, page.url
    version_url = found.group(0)
    form = page.locator("#bud-plan-form")
    form.locator("input[name=m01_staff]").fill("1 200 000")
    form.locator("input[name=m06_travel]").fill("260 000")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    with page.expect_navigation():
        page.locator("#bud-submit").click()
    assert page.locator("#bud-status").inner_text() == "На согласовании"

    # The CEO returns it with a comment (own browser context: own session).
    ceo_context = chromium.browser().new_context(base_url=live_server.url, locale="ru-RU")
    ceo_context.set_default_timeout(TIMEOUT_MS)
    ceo = ceo_context.new_page()
    log_in(ceo, staff.ceo.username)
    ceo.goto(f"/budget/{year}/")
    with ceo.expect_navigation():
        ceo.locator(f"#bud-plan-status a[href='{version_url}']").click()
    decide = ceo.locator("#bud-decide-form")
    decide.locator("textarea[name=comment]").fill(COMMENT)
    with ceo.expect_navigation():
        decide.locator("button[value=return]").click()
    assert ceo.locator("#bud-status").inner_text() == "Возвращён с замечаниями"

    # The head reads the comment, changes June's travel and submits again; a second tab
    # keeps the form open as it was.
    page.reload()
    assert COMMENT in page.locator("#bud-decision").inner_text()
    stale = page.context.new_page()
    stale.goto(version_url)
    form = page.locator("#bud-plan-form")
    form.locator("input[name=m06_travel]").fill("140 000")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    with page.expect_navigation():
        page.locator("#bud-submit").click()

    # The CEO approves.
    ceo.reload()
    with ceo.expect_navigation():
        ceo.locator("#bud-decide-form button[value=approve]").click()
    assert ceo.locator("#bud-status").inner_text() == "Утверждён"
    ceo_context.close()

    # The plan is locked: no form, the reason shown; the old tab's save is refused.
    page.reload()
    assert page.locator("#bud-plan-form").count() == 0
    assert "закрыт для изменений" in page.locator("#bud-locked").inner_text()
    stale_form = stale.locator("#bud-plan-form")
    stale_form.locator("input[name=m06_travel]").fill("500 000")
    with stale.expect_navigation():
        stale_form.locator("button[type=submit]").click()
    assert stale.locator("#bud-error").inner_text() == (
        "Утверждённый план (версия 1) закрыт для изменений. "
        "Чтобы изменить его, начните новую версию."
    )
    approved = queries.approved_version(year)
    assert approved.status == VersionStatus.APPROVED
    assert queries.plan_grid(approved)[(6, "travel")] == 140_000
    assert queries.plan_grid(approved)[(1, "staff")] == 1_200_000
