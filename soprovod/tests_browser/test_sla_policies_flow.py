"""SLA по договору in Chromium (issue 15): the head's policy, rule and client pages and the
portal's service terms fit a desk and a phone, log no JavaScript error and have no serious or
critical axe-core violation; the head gives a client its own policy from the client page and
the client's contact reads the new terms in the portal."""

from __future__ import annotations

import datetime as dt

import pytest

from soprovod.clients.models import Contact
from soprovod.core.demo import DEMO_PASSWORD, PORTAL_USERNAMES
from soprovod.sla.models import PolicyRule, SlaPolicy
from soprovod.tests_browser.crawl import CrawlReport, check_page, sign_in
from soprovod.web.demo import build_demo

pytestmark = pytest.mark.django_db(transaction=True)


def _page(context, errors):
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def test_policies_rules_and_terms_pages(chromium, live_server):
    build_demo(clients=12, months=1, seed=42, today=dt.date(2026, 11, 18))
    contact = Contact.objects.select_related("client").get(user__username=PORTAL_USERNAMES[0])
    premium = SlaPolicy.objects.get(name="Премиум 24/7")
    default = SlaPolicy.objects.get(is_default=True)
    browser = chromium.browser()
    report = CrawlReport()
    errors: list[str] = []

    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    context.set_default_timeout(15_000)
    page = _page(context, errors)
    sign_in(page, "head", DEMO_PASSWORD)
    for path in (
        "/sla/",
        "/sla/rules/",
        "/sla/policies/new/",
        f"/sla/policies/{premium.pk}/",
        f"/sla/policies/{default.pk}/",
        f"/clients/{contact.client_id}/",
    ):
        assert check_page(page, report, "head", path, errors), path
    # The default policy greets the head without a warning about itself (issue 16).
    page.goto(f"/sla/policies/{default.pk}/")
    assert page.locator(".ceiling-warning").count() == 0
    # The head gives the contact's company the premium terms from the client page.
    page.goto(f"/clients/{contact.client_id}/")
    panel = page.locator("#sla-terms-panel")
    panel.locator("select[name=policy]").select_option(str(premium.pk))
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()
    assert PolicyRule.objects.get(client=contact.client).policy == premium
    assert "Премиум 24/7" in page.locator("#sla-terms-panel").inner_text()
    context.close()

    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    context.set_default_timeout(15_000)
    page = _page(context, errors)
    sign_in(page, PORTAL_USERNAMES[0], DEMO_PASSWORD)
    assert check_page(page, report, PORTAL_USERNAMES[0], "/portal/sla/", errors)
    text = page.locator("main").inner_text()
    assert "Первый ответ в течение 10 минут, круглосуточно" in text
    context.close()

    assert not report.problems, "\n".join(str(p) for p in report.problems)
