"""A mass incident end to end in Chromium: support ticks two clients' tickets in the queue
and opens an incident from them, sends one update to both clients and resolves it (on a
390 px phone screen); each ticket is resolved, and a client contact sees the update and the
resolution on their own ticket in the portal, nothing of the incident itself."""

from __future__ import annotations

import re

import pytest

from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, Ticket, TicketType

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tickets(staff, companies):
    made = []
    for company, contact in (
        (companies.a, companies.contact_a),
        (companies.b, companies.contact_b),
    ):
        made.append(
            actions.do_create_ticket(
                contact.user,
                client=company,
                contact=contact,
                subject="Не открывается шлагбаум",
                body="Шлагбаум не реагирует на пропуска.",
                type=TicketType.EMERGENCY,
                channel=Channel.PORTAL,
            )
        )
    return made


def test_support_links_updates_and_resolves_the_clients_see_their_own(
    page, staff, companies, tickets
):
    first, second = tickets
    log_in(page, staff.support.username)
    page.goto("/tickets/")
    for ticket in tickets:
        page.locator(f"input[name=tickets][value='{ticket.pk}']").check()
    page.locator("select[name=incident]").select_option("new")
    with page.expect_navigation():
        page.get_by_role("button", name="Привязать к инциденту").click()
    page.locator("input[name=title]").fill("Облачный сервис шлагбаумов не отвечает")
    with page.expect_navigation():
        page.get_by_role("button", name="Открыть инцидент").click()
    found = re.search(r"/incidents/(\d+)/$", page.url)
    assert found, page.url
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(
        "(() => { const m = document.querySelector('main');"
        " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
    )
    page.locator("textarea[name=body]").fill("Мы знаем о сбое и уже восстанавливаем сервис.")
    with page.expect_navigation():
        page.get_by_role("button", name="Отправить всем клиентам").click()
    page.locator("textarea[name=resolution]").fill("Сервис восстановлен.")
    with page.expect_navigation():
        page.get_by_role("button", name="Решить инцидент и его обращения").click()
    assert Ticket.objects.filter(pk__in=[first.pk, second.pk], status="resolved").count() == 2
    log_out(page)

    log_in(page, companies.client1.username)
    page.goto(f"/portal/tickets/{first.pk}/")
    body = page.locator("main").inner_text()
    assert "Мы знаем о сбое" in body and "Сервис восстановлен." in body
    assert "Облачный сервис шлагбаумов" not in body
