"""A long unbroken subject (a 300-character word) or a long URL never widens the queue or the
ticket page (issue 16: one such word made the queue 5,317 px wide for everyone), at a desktop
width and on a phone. Queue rows stay one line each, the full subject in a tooltip."""

from __future__ import annotations

import pytest

from soprovod.tests_browser.conftest import log_in
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketType

pytestmark = pytest.mark.django_db(transaction=True)

WORD = "Н" + "е" * 298 + "т"  # 300 characters, no place to break
URL = "https://example.ru/" + "a" * 280 + "?q=" + "b" * 120


@pytest.fixture
def long_ticket(staff, companies):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject=WORD,
        body=f"Смотрите {URL} и {WORD}",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
    )


def _page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("width", [1440, 390])
def test_a_long_word_never_widens_the_queue_or_the_ticket(page, long_ticket, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "support")
    for path in ("/tickets/", f"/tickets/{long_ticket.pk}/"):
        page.goto(path)
        scroll, inner = _page_width(page)
        assert scroll <= inner, f"{path} at {width} px: the page is {scroll} px wide"


def test_queue_rows_are_one_line_with_the_subject_in_a_tooltip(page, long_ticket, companies):
    actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject="Короткая тема",
        body="Текст",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
    )
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "support")
    page.goto("/tickets/")
    link = page.locator(f"table.queue a[title='{WORD}']")
    assert link.count() == 1, "the full subject is not in a tooltip"
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('table.queue tbody tr'))"
        ".map(r => r.getBoundingClientRect().height)"
    )
    assert len(heights) == 2
    assert max(heights) - min(heights) < 2, f"rows differ in height: {heights}"
    assert max(heights) < 40, f"a row wraps: {heights}"


@pytest.mark.parametrize("width", [1440, 390])
def test_the_ticket_page_radios_sit_by_their_labels_and_the_sla_box_fits(page, long_ticket, width):
    """A general input rule (min-width 320 px) pushed each radio button 150 px away from its
    label; the SLA timers ran out of their card."""
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "support")
    page.goto(f"/tickets/{long_ticket.pk}/")
    gaps = page.evaluate(
        """Array.from(document.querySelectorAll('label > input[type=radio]')).map(r => {
             const range = document.createRange();
             range.selectNodeContents(r.parentElement);
             const text = Array.from(r.parentElement.childNodes).find(
               n => n.nodeType === 3 && n.textContent.trim());
             range.selectNodeContents(text);
             return range.getBoundingClientRect().left - r.getBoundingClientRect().right;
           })"""
    )
    assert gaps, "no radio buttons on the ticket page"
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('input[type=radio]'))"
        ".map(r => r.getBoundingClientRect().width)"
    )
    assert max(widths) < 24, f"radio buttons stretched to {widths} px"
    assert all(0 <= gap < 16 for gap in gaps), f"radio to label gaps: {gaps}"
    overflow = page.evaluate(
        """(() => { const box = document.getElementById('sla-timers');
             const card = box.closest('.card').getBoundingClientRect();
             return Array.from(box.querySelectorAll('*')).map(e => e.getBoundingClientRect())
               .filter(r => r.width > 0)
               .map(r => Math.max(r.right - card.right, card.left - r.left))
               .reduce((a, b) => Math.max(a, b), -1e9); })()"""
    )
    assert overflow <= 0, f"the SLA box runs {overflow} px out of its card"


@pytest.mark.parametrize("width", [1440, 390])
def test_a_long_word_never_widens_the_clients_portal(page, long_ticket, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "client1")
    for path in ("/portal/", f"/portal/tickets/{long_ticket.pk}/"):
        page.goto(path)
        scroll, inner = _page_width(page)
        assert scroll <= inner, f"{path} at {width} px: the page is {scroll} px wide"
