"""Every main page, as each kind of user opens it in Chromium: the pages of the user's role
render (in Russian, with htmx loaded), the others are refused or lead to the portal, and no
page raises a JavaScript error (interfaces.md «Web»). Sections that are not built yet (their
URL name does not resolve) are left out."""

from __future__ import annotations

import pytest

from soprovod.tests_browser.conftest import log_in, url_of
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketType

pytestmark = pytest.mark.django_db(transaction=True)

# (page, URL name). A page whose name does not resolve yet is not checked.
PAGES = [
    ("home", "home"),
    ("queue", "tickets:queue"),
    ("ticket", "tickets:detail"),
    ("clients", "clients:list"),
    ("client", "clients:detail"),
    ("kpi", "kpi:dashboard"),
    ("reports", "reports:archive"),
    ("sla", "sla:calendars"),
    ("health", "health:portfolio"),
    ("health client", "health:client"),
    ("meetings", "meetings:list"),
    ("my action items", "meetings:my_items"),
    ("portal", "portal:home"),
    ("portal ticket", "portal:ticket"),
]
STAFF_PAGES = {"home", "queue", "ticket", "clients", "client", "health", "health client"}
# What each user opens as a page of their own; anything else is refused (403 for a section,
# 404 for an object), except that a client contact who opens the home page, or the staff
# address of their own ticket or company, is taken to the same thing in the portal.
RENDERS = {
    "head": STAFF_PAGES | {"kpi", "reports", "sla", "meetings", "my action items"},
    "support": STAFF_PAGES | {"sla", "meetings", "my action items"},
    "csm": STAFF_PAGES | {"sla", "meetings", "my action items"},
    "ceo": STAFF_PAGES | {"kpi", "reports", "meetings", "my action items"},
    "client1": {"portal", "portal ticket"},
}
TO_PORTAL = {
    "client1": {
        "home": "portal",
        "ticket": "portal ticket",
        "client": "portal",
    }
}


@pytest.fixture
def ticket(staff, companies):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject="Не печатаются гостевые пропуска",
        body="Принтер на ресепшене пишет «нет связи с сервером».",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
    )


def args_for(page_key: str, ticket) -> tuple:
    if page_key in ("ticket", "portal ticket"):
        return (ticket.pk,)
    if page_key in ("client", "health client"):
        return (ticket.client_id,)
    return ()


def test_htmx_is_served(page, live_server):
    response = page.request.get(f"{live_server.url}/static/htmx.min.js")
    assert response.status == 200, "htmx.min.js is not served: run `npm ci` (node_modules)"
    assert "htmx" in response.text()[:2000]


@pytest.mark.parametrize("username", list(RENDERS))
def test_main_pages_render_without_js_errors(page, js_errors, live_server, ticket, username):
    log_in(page, username)
    checked = []
    for key, name in PAGES:
        args = args_for(key, ticket)
        path = url_of(name, *args)
        if path is None:
            continue  # the section is not built yet
        url = live_server.url + path
        portal_key = TO_PORTAL.get(username, {}).get(key)
        if key not in RENDERS[username] and not portal_key:
            js_errors.expected_failures.add(url)  # the refusal itself is logged as a failed load
        response = page.goto(path)
        status = response.status
        where = f"{username} → {path}"
        if portal_key:
            assert response.request.redirected_from is not None, f"{where}: not redirected"
            assert response.request.redirected_from.url == url
            target = url_of(dict(PAGES)[portal_key], *args_for(portal_key, ticket))
            assert page.url == live_server.url + target, f"{where}: ended at {page.url}"
            assert status == 200, f"{where}: {status} after the redirect"
        elif key in RENDERS[username]:
            assert status == 200, f"{where}: {status}"
            assert page.url == url, f"{where}: ended at {page.url}"
        else:
            assert status in (403, 404), f"{where}: {status}, expected a refusal"
            continue
        assert page.locator("html").get_attribute("lang") == "ru", where
        assert page.evaluate("typeof window.htmx") == "object", f"{where}: htmx did not load"
        assert page.locator("main h1").count() >= 1, f"{where}: no heading"
        checked.append(key)
    assert checked, f"{username} opened no page at all"
    js_errors.assert_none()
