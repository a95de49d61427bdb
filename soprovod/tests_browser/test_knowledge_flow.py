"""The knowledge base in the portal, in Chromium: a client types «не открывается шлагбаум» as
a new ticket's subject, the barrier article is suggested below the field (htmx, after a
pause in typing), and «Это помогло» records a deflection instead of a ticket. An agent
inserts the article suggested on a ticket's page into the reply being written."""

from __future__ import annotations

import pytest

from soprovod.knowledge import actions
from soprovod.knowledge.models import ArticleStatus, Audience, Deflection, TicketArticle
from soprovod.tests_browser.conftest import log_in
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Ticket, TicketType

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def articles(staff):
    barriers = actions.do_create_category(staff.head, "Шлагбаумы и ворота")
    rules = actions.do_create_category(staff.head, "Регламенты отдела")
    barrier = actions.do_create_article(
        staff.support,
        title="Не открывается шлагбаум",
        category=barriers,
        audience=Audience.CLIENT,
        summary="Питание, камера, пропуск, связь с контроллером.",
        body="1. Проверьте **питание**.\n2. Откройте шлагбаум из веб-кабинета.",
        status=ArticleStatus.PUBLISHED,
    )
    actions.do_create_article(
        staff.head,
        title="Регламент дежурств: шлагбаум ночью",
        category=rules,
        audience=Audience.INTERNAL,
        body="Только для сотрудников.",
        status=ArticleStatus.PUBLISHED,
    )
    return barrier


def test_a_client_is_suggested_the_barrier_article_and_it_helped(page, companies, articles):
    log_in(page, companies.client1.username)
    page.goto("/portal/new/")
    page.locator("#id_subject").press_sequentially("не открывается шлагбаум", delay=20)
    suggestions = page.locator("#kb-suggestions")
    suggestions.wait_for()
    assert suggestions.get_by_text("Не открывается шлагбаум").is_visible()
    assert "Регламент дежурств" not in suggestions.inner_text()
    suggestions.get_by_role("button", name="Это помогло").click()
    page.get_by_text("Рады, что статья помогла!").wait_for()
    deflection = Deflection.objects.get()
    assert deflection.article == articles and deflection.client == companies.a
    assert deflection.query == "не открывается шлагбаум"
    assert not Ticket.objects.exists()
    # The article opens in the portal on a phone, fitting the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/portal/kb/{articles.pk}/")
    assert page.locator("article strong").inner_text() == "питание"
    assert page.evaluate(
        "(() => { const m = document.querySelector('main');"
        " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
    )


def test_an_agent_inserts_the_suggested_article_into_the_reply(page, staff, companies, articles):
    ticket = ticket_actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject="Шлагбаум на въезде не открывается",
        body="С утра не пускает машины.",
        type=TicketType.EMERGENCY,
        channel=Channel.PORTAL,
    )
    log_in(page, staff.support.username)
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator("#id_body").fill("Добрый день!")
    panel = page.locator("#kb-panel")
    found = panel.locator(f"li[data-article='{articles.pk}']")
    found.get_by_role("link", name="Вставить ссылку и кратко").click()
    page.wait_for_function("document.querySelector('#id_body').value.includes('Питание, камера')")
    text = page.locator("#id_body").input_value()
    assert text.startswith("Добрый день!") and f"/portal/kb/{articles.pk}/" in text
    assert TicketArticle.objects.filter(ticket=ticket, article=articles).exists()
