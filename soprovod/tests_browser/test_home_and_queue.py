"""The head's and the support manager's home pages and the queue in Chromium (issue 16): the
blocks are there with figures that open their records, nothing overflows at 390 px, the
queue's header stays in sight while the rows scroll, about 40 rows fit on 1440×900, and a
saved view comes back with its filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from soprovod.tests_browser.conftest import log_in
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, SavedView, TicketType

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(staff, companies):
    now = timezone.now()
    tickets = []
    for i in range(60):
        tickets.append(
            actions.do_create_ticket(
                companies.client1,
                client=companies.a if i % 2 else companies.b,
                contact=companies.contact_a if i % 2 else companies.contact_b,
                subject=f"Обращение {i}: шлагбаум не открывается по пропуску",
                body="Текст",
                type=TicketType.EMERGENCY if i % 10 == 0 else TicketType.STANDARD,
                channel=Channel.PORTAL,
                created_at=now - dt.timedelta(hours=i),
            )
        )
    for ticket in tickets[:5]:
        actions.do_assign(staff.support, ticket, staff.support)
    return tickets


def width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("viewport", [1440, 390])
@pytest.mark.parametrize(
    ("login", "blocks"),
    [
        ("head", ["sla_watch", "escalations", "kpi_month", "team_load", "agreements_due"]),
        ("support", ["my_queue", "breaching_soon", "unassigned", "client_replied"]),
    ],
)
def test_home_pages_show_their_blocks_and_fit_a_phone(page, desk, login, blocks, viewport):
    page.set_viewport_size({"width": viewport, "height": 900})
    log_in(page, login)
    page.goto("/")
    for key in blocks:
        assert page.locator(f"[data-block='{key}']").is_visible(), key
    scroll, inner = width(page)
    assert scroll <= inner, f"home of {login} at {viewport}: {scroll} px wide"


def test_a_figure_on_the_home_page_opens_its_records(page, desk):
    log_in(page, "support")
    page.goto("/")
    figure = page.locator("[data-block='my_queue'] a.hb-figure")
    assert figure.locator(".hb-value").inner_text() == "5"
    figure.click()
    page.wait_for_url("**/tickets/?view=mine")
    assert page.locator("table.queue tbody tr").count() == 5


def test_the_queue_header_stays_in_sight_and_about_40_rows_fit(page, desk):
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "support")
    page.goto("/tickets/")
    header = page.locator("table.queue thead th").first
    row_height = page.evaluate(
        "document.querySelector('table.queue tbody tr').getBoundingClientRect().height"
    )
    assert 900 / row_height >= 38, f"rows are {row_height} px high"
    page.mouse.wheel(0, 900)
    page.wait_for_function("window.scrollY > 400")
    top = header.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top <= 2, f"the header scrolled away (top {top})"


def test_the_queue_at_390_scrolls_inside_its_box_with_the_header(page, desk):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, "support")
    page.goto("/tickets/")
    scroll, inner = width(page)
    assert scroll <= inner
    box = page.locator(".queue-scroll")
    box.evaluate("el => el.scrollTo(0, 400)")
    offset = page.evaluate(
        "document.querySelector('table.queue thead th').getBoundingClientRect().top"
        " - document.querySelector('.queue-scroll').getBoundingClientRect().top"
    )
    assert abs(offset) <= 2, f"the header is {offset} px from the top of its box"


def test_a_saved_view_keeps_the_filters_and_comes_back(page, desk, staff):
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "support")
    page.goto("/tickets/?view=open&type=emergency")
    page.locator("details.queue-tool summary", has_text="Сохранить").click()
    page.locator("#queue-save input[name=name]").fill("Экстренные")
    with page.expect_navigation():
        page.locator("#queue-save button[type=submit]").click()
    view = SavedView.objects.get(owner=staff.support)
    assert "type=emergency" in view.query
    page.goto("/tickets/")
    with page.expect_navigation():
        page.locator(".saved-views a", has_text="Экстренные").click()
    assert "type=emergency" in page.url
    assert page.locator("table.queue tbody tr").count() == 6
    assert page.locator(".saved-view.current").count() == 1
