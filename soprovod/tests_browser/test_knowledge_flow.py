"""The knowledge base in the portal, in Chromium: a client types «не открывается шлагбаум» as
a new ticket's subject, the barrier article is suggested below the field (htmx, after a
pause in typing), and «Это помогло» records a deflection instead of a ticket."""

from __future__ import annotations

import pytest

from soprovod.knowledge import actions
from soprovod.knowledge.models import ArticleStatus, Audience, Deflection
from soprovod.tests_browser.conftest import log_in
from soprovod.tickets.models import Ticket

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
