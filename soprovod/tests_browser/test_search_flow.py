"""The search in Chromium: support types a word form into the header's search box and finds
the ticket by a word of its message (highlighted, on a 390 px phone screen too), a ticket
number opens the ticket at once; the client contact's portal search finds their ticket but
never the internal note."""

from __future__ import annotations

import pytest

from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketType

pytestmark = pytest.mark.django_db(transaction=True)

# The results fit a phone: nothing in the page's content runs off the screen.
FITS = (
    "(() => { const m = document.querySelector('main');"
    " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
)


@pytest.fixture
def ticket(staff, companies):
    # Written through the actions and committed: the index is kept up to date on commit.
    ticket = actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject="Не пускает на въезде",
        body="Утром шлагбаум на въезде не открывается по пропускам.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
    )
    actions.do_add_message(staff.support, ticket, "Реле контроллера заменили", internal=True)
    return ticket


def test_staff_find_a_ticket_by_a_word_form_and_by_its_number(page, staff, ticket):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, staff.support.username)
    box = page.locator("form.topsearch input[name=q]")
    box.fill("шлагбаума")
    with page.expect_navigation():
        box.press("Enter")
    hit = page.locator("#group-ticket + .search-hits .search-hit").first
    assert hit.locator("mark").first.inner_text() == "шлагбаум"
    assert page.evaluate(FITS)
    with page.expect_navigation():
        hit.locator("a.search-title").click()
    assert page.url.endswith(f"/tickets/{ticket.pk}/")

    box = page.locator("form.topsearch input[name=q]")
    box.fill(f"#{ticket.pk}")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.endswith(f"/tickets/{ticket.pk}/")
    log_out(page)


def test_the_portal_search_finds_the_ticket_but_not_the_note(page, companies, ticket):
    log_in(page, companies.client1.username)
    page.goto("/portal/search/?q=открываются")
    assert page.locator(f"a[href='/portal/tickets/{ticket.pk}/']").count() == 1
    page.goto("/portal/search/?q=реле")
    assert page.locator(".search-hit").count() == 0
    assert "ничего не нашлось" in page.locator("main").inner_text()
