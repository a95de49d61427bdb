"""The portal's home: the company's tickets, what each one waits for, and its cost."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.portal import queries
from soprovod.portal.tests.helpers import msk
from soprovod.tickets import actions
from soprovod.tickets.models import TicketStatus, TicketType

pytestmark = pytest.mark.django_db


def row_of(page: str, ticket) -> str:
    match = re.search(
        rf"<tr[^>]*>\s*<td class=\"num\"><a href=\"/portal/tickets/{ticket.pk}/\">.*?</tr>",
        page,
        re.S,
    )
    assert match, f"no row for ticket {ticket.pk}"
    return match.group(0)


def test_unanswered_ticket_says_when_we_will_answer(as_user, companies, file_ticket, clock):
    standard = file_ticket(type=TicketType.STANDARD)
    emergency = file_ticket(type=TicketType.EMERGENCY)
    page = as_user(companies.client1).get(reverse("portal:home")).content.decode()
    # sla.md defaults: standard 4 working hours, emergency 15 minutes round the clock.
    assert "We'll answer by 14:00, today" in row_of(page, standard)
    assert "We'll answer by 10:15, today" in row_of(page, emergency)


def test_answered_ticket_says_when_resolution_is_expected(
    as_user, companies, staff, file_ticket, clock
):
    ticket = file_ticket(type=TicketType.STANDARD)
    actions.do_add_message(staff.support, ticket, "Смотрим.")
    page = as_user(companies.client1).get(reverse("portal:home")).content.decode()
    # 24 working hours from Monday 10:00 (09:00–18:00 weekdays): Wednesday 16:00.
    assert "Resolution expected by 16:00, 4 March 2026" in row_of(page, ticket)


def test_overdue_answer_is_admitted(as_user, companies, file_ticket, clock):
    ticket = file_ticket(type=TicketType.STANDARD)
    clock.move_to(msk(2026, 3, 2, 15, 0))
    page = as_user(companies.client1).get(reverse("portal:home")).content.decode()
    assert "We should have answered by 14:00, today: we are on it" in row_of(page, ticket)


def test_waiting_for_the_client_comes_first_and_says_so(
    as_user, companies, staff, file_ticket, clock
):
    older = file_ticket(subject="Старое")
    clock.move_to(msk(2026, 3, 2, 10, 30))
    newer = file_ticket(subject="Новое")
    done = file_ticket(subject="Решённое")
    actions.do_change_status(staff.support, done, TicketStatus.RESOLVED)
    asks_us = file_ticket(subject="Ждём клиента")
    actions.do_add_message(staff.support, asks_us, "Пришлите фото считывателя.")
    actions.do_change_status(staff.support, asks_us, TicketStatus.WAITING_CLIENT)

    listed = list(queries.company_tickets(companies.client1))
    assert listed == [asks_us, newer, older, done]

    page = as_user(companies.client1).get(reverse("portal:home")).content.decode()
    assert "Awaits your answer" in row_of(page, asks_us)
    assert "We are waiting for your answer" in row_of(page, asks_us)
    assert "Awaits your answer" not in row_of(page, newer)
    assert "Resolved at 10:30, today" in row_of(page, done)
    assert "Rate our work" in row_of(page, done)


def make_tickets(file_ticket, staff, count):
    for n in range(count):
        ticket = file_ticket(subject=f"Обращение {n}")
        if n % 3 == 1:
            actions.do_add_message(staff.support, ticket, "Смотрим.")
        if n % 3 == 2:
            actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)


def queries_for_home(browser, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(reverse("portal:home"), params)
    assert response.status_code == 200
    return len(captured)


def test_home_costs_the_same_queries_for_3_and_30_tickets(
    as_user, companies, staff, file_ticket, clock
):
    browser = as_user(companies.client1)
    make_tickets(file_ticket, staff, 3)
    with_3 = queries_for_home(browser)
    make_tickets(file_ticket, staff, 27)
    with_30 = queries_for_home(browser)
    assert with_3 == with_30
    assert queries_for_home(browser, page=2) == with_30


def test_home_pages_the_list(as_user, companies, staff, file_ticket, clock):
    make_tickets(file_ticket, staff, queries.PAGE_SIZE + 3)
    browser = as_user(companies.client1)
    first = browser.get(reverse("portal:home")).content.decode()
    assert first.count('<td class="num">') == queries.PAGE_SIZE
    assert "Page 1 of 2" in first
    second = browser.get(reverse("portal:home"), {"page": 2}).content.decode()
    assert second.count('<td class="num">') == 3


def test_empty_list_invites_to_create_a_ticket(as_user, companies):
    page = as_user(companies.client1).get(reverse("portal:home")).content.decode()
    assert "Your company has no tickets yet." in page
    assert reverse("portal:create") in page
