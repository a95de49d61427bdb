"""The desk end to end in Chromium (issue 15, «Done when»): a client types «не открывается
шлагбаум» in the portal's new-ticket form and is suggested the barrier article, files the
ticket anyway; a routing rule assigns it to the senior engineer; the engineer answers with a
macro in one click (it also raises the priority); the ticket is attached to a mass incident
from its page; resolving the incident resolves the ticket, and the client reads the answer
and the resolution on their ticket in the portal."""

from __future__ import annotations

import re

import pytest

from soprovod.incidents.models import IncidentTicket
from soprovod.knowledge import actions as kb_actions
from soprovod.knowledge.models import ArticleStatus, Audience
from soprovod.macros import actions as macro_actions
from soprovod.routing import actions as routing_actions
from soprovod.routing.models import Assign
from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets.models import Priority, Ticket, TicketMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(staff):
    category = kb_actions.do_create_category(staff.head, "Шлагбаумы и ворота")
    article = kb_actions.do_create_article(
        staff.support,
        title="Не открывается шлагбаум",
        category=category,
        audience=Audience.CLIENT,
        summary="Питание, камера, пропуск, связь с контроллером.",
        body="1. Проверьте **питание**.\n2. Откройте шлагбаум из веб-кабинета.",
        status=ArticleStatus.PUBLISHED,
    )
    rule = routing_actions.do_save_rule(
        staff.head,
        name="Шлагбаумы — старшему инженеру",
        words="шлагбаум",
        assign=Assign.PERSON,
        assign_person=staff.engineer,
    )
    macro = macro_actions.do_save_macro(
        staff.head,
        title="Шлагбаум: первые шаги",
        body="Здравствуйте, {{ клиент }}! По обращению №{{ номер }} проверяем контроллер.",
        shared=True,
        set_priority=Priority.HIGH,
    )
    return article, rule, macro


def test_portal_to_incident_with_routing_and_a_macro(page, staff, companies, desk):
    article, rule, macro = desk
    # The client: a suggestion while typing, then the ticket filed anyway.
    log_in(page, companies.client1.username)
    page.goto("/portal/new/")
    page.locator("#id_subject").press_sequentially("не открывается шлагбаум", delay=20)
    suggestions = page.locator("#kb-suggestions")
    suggestions.wait_for()
    assert suggestions.get_by_text(article.title).is_visible()
    page.locator("#id_body").fill("Шлагбаум на въезде не открывается с утра.")
    with page.expect_navigation():
        page.get_by_role("button", name="Отправить обращение").click()
    ticket = Ticket.objects.get()
    # The routing rule assigned it, and the ticket's history says which rule did.
    assert ticket.assignee == staff.engineer
    log_out(page)

    # The engineer: the macro in one click, then the reply sent.
    log_in(page, staff.engineer.username)
    page.goto(f"/tickets/{ticket.pk}/")
    assert rule.name in page.locator("main").inner_text()
    with page.expect_navigation():
        page.locator("#macros-panel").get_by_role("button", name=macro.title).click()
    text = page.locator("#id_body").input_value()
    assert text == f"Здравствуйте, ООО «Альфа»! По обращению №{ticket.pk} проверяем контроллер."
    with page.expect_navigation():
        page.locator("#reply").get_by_role("button", name="Отправить").click()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    assert ticket.messages.filter(from_staff=True, kind=TicketMessage.Kind.PUBLIC, body=text)

    # Attached to a mass incident from the ticket's page, which is then resolved.
    with page.expect_navigation():
        page.locator("#incident-panel").get_by_role("link", name="Новый массовый инцидент").click()
    page.locator("input[name=title]").fill("Облачный сервис шлагбаумов не отвечает")
    with page.expect_navigation():
        page.get_by_role("button", name="Открыть инцидент").click()
    assert re.search(r"/incidents/(\d+)/$", page.url), page.url
    assert IncidentTicket.objects.filter(ticket=ticket).exists()
    page.locator("textarea[name=resolution]").fill("Сервис шлагбаумов восстановлен.")
    with page.expect_navigation():
        page.get_by_role("button", name="Решить инцидент и его обращения").click()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    log_out(page)

    # The client is told: the answer and the resolution on their ticket in the portal.
    log_in(page, companies.client1.username)
    page.goto(f"/portal/tickets/{ticket.pk}/")
    body = page.locator("main").inner_text()
    assert "проверяем контроллер" in body and "Сервис шлагбаумов восстановлен." in body
    assert "Облачный сервис шлагбаумов" not in body
