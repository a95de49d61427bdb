"""A request to development end to end in Chromium: support files it from a ticket, the
development user accepts it from the inbox (on a 390 px phone screen) and marks it released,
and the ticket page shows development's internal note and the request's status."""

from __future__ import annotations

import re

import pytest

from soprovod.devrequests.models import DevRequest, RequestStatus
from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketType

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Гостевые пропуска не печатаются на длинных ФИО"


@pytest.fixture
def ticket(staff, companies):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject="Не печатается гостевой пропуск",
        body="На ресепшене пропуск обрезается на фамилии.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
    )


def test_support_files_development_accepts_and_releases_the_ticket_shows_it(page, staff, ticket):
    # Support, on the ticket page: «Request to development».
    log_in(page, staff.support.username)
    page.goto(f"/tickets/{ticket.pk}/")
    with page.expect_navigation():
        page.locator(f"a[href='/devrequests/new/?ticket={ticket.pk}']").click()
    form = page.locator("form:has(input[name=title])")
    form.locator("select[name=kind]").select_option("bug")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill("Шаблон пропуска не переносит строки.")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    found = re.search(r"/devrequests/(\d+)/$", page.url)
    assert found, page.url
    number = int(found.group(1))
    assert page.locator("#dev-status").inner_text() == "Ждёт решения"
    log_out(page)

    # Development, on a phone: the home page's inbox, then accept, start, release.
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, staff.dev.username)
    inbox = page.locator("#dev-inbox")
    assert inbox.get_by_text(TITLE).is_visible()
    with page.expect_navigation():
        inbox.locator(f"a[href='/devrequests/{number}/']").click()
    # The request page fits the phone: nothing in its content runs off the screen (the
    # shared top bar is the shell's own business).
    assert page.evaluate(
        "(() => { const m = document.querySelector('main');"
        " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
    )
    accept = page.locator(f"form[action='/devrequests/{number}/accept/']")
    accept.locator("input[name=planned_release]").fill("3.14")
    with page.expect_navigation():
        accept.locator("button[type=submit]").click()
    assert page.locator("#dev-status").inner_text() == "Принят"
    with page.expect_navigation():
        page.locator(f"form[action='/devrequests/{number}/start/'] button").click()
    with page.expect_navigation():
        page.locator(f"form[action='/devrequests/{number}/release/'] button").click()
    assert page.locator("#dev-status").inner_text() == "Выпущен"
    assert DevRequest.objects.get(pk=number).status == RequestStatus.RELEASED
    log_out(page)

    # Support sees development's note and the request's status on the ticket page.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, staff.support.username)
    page.goto(f"/tickets/{ticket.pk}/")
    assert page.get_by_text(f"Разработка выпустила DEV-{number}").first.is_visible()
    panel = page.locator("#dev-requests-panel")
    assert panel.locator(f"a[href='/devrequests/{number}/']").is_visible()
    assert panel.locator(".dev-request-status").inner_text() == "Выпущен"
