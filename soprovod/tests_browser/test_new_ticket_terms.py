"""The staff «new ticket» form in Chromium: choosing a client with its own SLA policy (SLA по
договору) swaps in that policy's first-response times over htmx, the chosen type kept, and
the ticket created from the form runs the policy the form showed."""

from __future__ import annotations

import pytest

from soprovod.sla.tests.helpers import premium_policy
from soprovod.tests_browser.conftest import log_in
from soprovod.tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db(transaction=True)


def _premium_for(client, head):
    return premium_policy(head, client=client)


def test_choosing_a_client_shows_its_own_first_response_times(page, staff, companies):
    premium = _premium_for(companies.a, staff.head)
    log_in(page, "support")
    page.goto("/tickets/new/")
    types = page.locator("#ticket-types")
    assert "4 ч 00 мин рабочего времени" in types.inner_text()
    types.locator(f"input[name=type][value='{TicketType.EMERGENCY}']").check()
    page.locator("#client-q").fill("Альфа")
    page.locator(f"#client-matches input[name=client][value='{companies.a.pk}']").check()
    page.wait_for_function(
        "() => document.querySelector('#ticket-types').innerText.includes('Премиум 24/7')"
    )
    text = types.inner_text()
    assert "1 ч 00 мин, круглосуточно" in text and "рабочего времени" not in text
    assert types.locator(f"input[name=type][value='{TicketType.EMERGENCY}']").is_checked()
    page.locator("input[name=subject]").fill("Не работает турникет")
    page.locator("textarea[name=body]").fill("Звонок охраны: турникет заблокирован")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]:not([name])").click()
    ticket = Ticket.objects.get()
    assert (ticket.policy, ticket.type) == (premium, TicketType.EMERGENCY)
