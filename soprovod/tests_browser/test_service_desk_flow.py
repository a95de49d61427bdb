"""The service desk end to end in a real browser: a client files a ticket in the portal, the
support manager answers and resolves it from the queue, the client rates it, and the ticket
page shows the SLA outcome (met in time, breached for a ticket filed long ago)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from soprovod.sla.models import SlaClock
from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets import actions
from soprovod.tickets.models import Category, Channel, Ticket, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECT = "Турникет на проходной не пускает по пропускам"
BODY = "С утра турникет №2 не реагирует на карты сотрудников, приходится открывать вручную."
REPLY = "Перезагрузили контроллер турникета удалённо, проверьте, пожалуйста."


def file_ticket_in_portal(page) -> int:
    """client1 files a standard ticket through /portal/new/; returns its number."""
    page.goto("/portal/")
    with page.expect_navigation():
        page.locator("a[href='/portal/new/']").first.click()
    form = page.locator("form:has(input[name=subject])")
    form.locator(f"input[name=type][value='{TicketType.STANDARD}']").check()
    form.locator("input[name=subject]").fill(SUBJECT)
    form.locator("textarea[name=body]").fill(BODY)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    found = re.search(r"/portal/tickets/(\d+)/$", page.url)
    assert found, f"the portal did not open the new ticket: {page.url}"
    assert page.locator("h1").inner_text().endswith(SUBJECT)
    return int(found.group(1))


def open_from_queue(page, number: int) -> None:
    page.goto("/tickets/")
    link = page.locator(f"a[href='/tickets/{number}/']").first
    assert link.is_visible(), f"ticket #{number} is not in the support manager's queue"
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(f"/tickets/{number}/")


def reply_publicly_and_resolve(page, number: int) -> None:
    """On the staff ticket page: a public reply (which takes the unassigned ticket), then
    «Resolve», which first asks for the category the portal did not set."""
    reply = page.locator("#reply form")
    reply.locator("textarea[name=body]").fill(REPLY)
    reply.locator("input[name=kind][value='public']").check()
    assert reply.locator("input[name=take]").is_checked()  # offered ticked
    with page.expect_navigation():
        reply.locator("button[type=submit]").click()
    assert page.locator(".conversation").get_by_text(REPLY).is_visible()
    assert Ticket.objects.get(pk=number).assignee.username == "support"
    resolve = page.locator(
        f"form:has(input[name=status][value='{TicketStatus.RESOLVED}']) button[type=submit]"
    )
    with page.expect_navigation():
        resolve.click()
    assert page.locator(".messages").get_by_text("Укажите категорию обращения").is_visible()
    properties = page.locator(f"form[action='/tickets/{number}/update/']")
    category = Category.objects.get(name="Пропуска")
    properties.locator("select[name=category]").select_option(value=str(category.pk))
    with page.expect_navigation():
        properties.locator("button[type=submit]").click()
    with page.expect_navigation():
        resolve.click()
    assert page.locator(f".badge.status-{TicketStatus.RESOLVED}").is_visible()
    assert Ticket.objects.get(pk=number).status == TicketStatus.RESOLVED


def clock_badge(page, metric: str):
    """The status badge (met|breached|pending) of one SLA clock on the staff ticket page."""
    return page.locator(f"#sla-timers tr.clock-{metric} .badge:not(.paused)")


def test_client_files_support_resolves_client_rates_sla_met(page, js_errors, staff, companies):
    CategoryFactory(name="Пропуска")
    # The login page is Russian by default.
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("label[for=id_password]").inner_text() == "Пароль"

    # client1 files a ticket in the portal and signs out.
    log_in(page, "client1")
    assert page.url.endswith("/portal/")
    number = file_ticket_in_portal(page)
    log_out(page)

    # The support manager finds it in the queue, answers publicly and resolves it.
    log_in(page, "support")
    open_from_queue(page, number)
    assert page.locator("h1").inner_text() == f"#{number} {SUBJECT}"
    reply_publicly_and_resolve(page, number)
    log_out(page)

    # client1 reads the answer in the portal and rates it 5 with a comment.
    log_in(page, "client1")
    page.goto(f"/portal/tickets/{number}/")
    assert page.locator(".conversation .from-staff").get_by_text(REPLY).is_visible()
    rating = page.locator("#rating form")
    five = rating.locator("input[name=score][value='5']")
    rating.locator(f"label[for='{five.get_attribute('id')}']").click()  # the fifth star
    assert five.is_checked()
    rating.locator("textarea[name=comment]").fill("Быстро и по делу, спасибо!")
    with page.expect_navigation():
        rating.locator("button[type=submit]").click()
    assert page.locator("#rating .rated").inner_text() == "★★★★★"
    ticket = Ticket.objects.get(pk=number)
    assert (ticket.csat_score, ticket.csat_comment) == (5, "Быстро и по делу, спасибо!")
    log_out(page)

    # The support manager's ticket page: both clocks met, and the rating.
    log_in(page, "support")
    page.goto(f"/tickets/{number}/")
    for metric in ("first_response", "resolution"):
        badge = clock_badge(page, metric)
        assert badge.get_attribute("class").split() == ["badge", "met"], metric
        assert badge.inner_text() == "Соблюдено"
    assert "5 / 5" in page.locator(".ticket-main dl.kv").inner_text()
    js_errors.assert_none()


def test_ticket_filed_long_ago_shows_breached(page, js_errors, staff, companies):
    CategoryFactory(name="Пропуска")
    # A ticket filed 30 days ago (well past any holidays): the browser cannot travel in time,
    # so it is created through the action layer, with its clocks started back then.
    filed_at = timezone.now() - dt.timedelta(days=30)
    ticket = actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject="Не выгружается отчёт о проходах",
        body="Отчёт за прошлый месяц выгружается пустым.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        created_at=filed_at,
    )
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("metric", flat=True)) >= {
        "first_response",
        "resolution",
    }

    log_in(page, "support")
    open_from_queue(page, ticket.pk)
    reply_publicly_and_resolve(page, ticket.pk)

    for metric in ("first_response", "resolution"):
        badge = clock_badge(page, metric)
        assert badge.get_attribute("class").split() == ["badge", "breached"], metric
        assert badge.inner_text() == "Нарушено"
    statuses = dict(SlaClock.objects.filter(ticket=ticket).values_list("metric", "status"))
    assert statuses["first_response"] == statuses["resolution"] == "breached"
    js_errors.assert_none()
