"""The weekly team meeting in Chromium: the head opens this week's meeting → its agenda shows
last week's SLA breaches → the head gives an action item to `support` about the breached
ticket → `support` finds it under «Мои поручения» and closes it with a result → the next
meeting's agenda shows it done, with the result."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.meetings.models import ActionItem, MeetingKind
from soprovod.meetings.tests import factories as f
from soprovod.sla.models import ClockStatus
from soprovod.tests_browser.conftest import log_in, log_out, menu_link
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

MSK = ZoneInfo("Europe/Moscow")
FITS_THE_SCREEN = (
    "(() => { const m = document.querySelector('main');"
    " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
)


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


def test_team_meeting_action_item_closed_by_support(page, staff, time_machine):
    time_machine.move_to(msk(2026, 10, 19, 9, 55))  # Monday, five minutes before the meeting
    team = f.series(
        MeetingKind.TEAM, chair=staff.head, participants=[staff.head, staff.support, staff.csm]
    )
    f.meeting(team, msk(2026, 10, 12, 10, 0), status="closed")
    this_week = f.meeting(team, msk(2026, 10, 19, 10, 0))
    next_week = f.meeting(team, msk(2026, 10, 26, 10, 0))
    breached = TicketFactory(subject="Не срабатывает шлагбаум на въезде")
    f.clock(
        breached,
        due_at=msk(2026, 10, 15, 12, 0),
        stopped_at=msk(2026, 10, 15, 16, 0),
        status=ClockStatus.BREACHED,
    )

    # The head: Meetings → this week's team meeting → start it; the breach is on the agenda.
    log_in(page, staff.head.username)
    with page.expect_navigation():
        menu_link(page, "/meetings/").click()
    with page.expect_navigation():
        page.locator(f"#this-week a[href='/meetings/{this_week.pk}/']").click()
    with page.expect_navigation():
        page.locator("#start-meeting").click()
    assert page.locator("#meeting-status").inner_text() == "Идёт"
    breaches = page.locator("[data-section='sla_breaches']")
    assert "Нарушения SLA за неделю" in breaches.locator("h3").inner_text()
    entry = breaches.locator(f"li[data-record='ticket:{breached.pk}']")
    assert "Не срабатывает шлагбаум на въезде" in entry.inner_text()
    assert entry.locator("a.record").get_attribute("href") == f"/tickets/{breached.pk}/"

    # «+ поручение» next to the breach fills in what the item is about.
    with page.expect_navigation():
        entry.locator("a[href*='kind=ticket']").click()
    form = page.locator("#new-item")
    assert form.locator("select[name=record_kind]").input_value() == "ticket"
    assert form.locator("input[name=record_id]").input_value() == str(breached.pk)
    form.locator("input[name=title]").fill("Разобрать причину нарушения и написать клиенту")
    form.locator("select[name=owner]").select_option(str(staff.support.pk))
    form.locator("input[name=due_on]").fill("2026-10-22")
    with page.expect_navigation():
        form.locator("#add-item").click()
    item = ActionItem.objects.get()
    row = page.locator(f"#item-{item.pk}")
    assert "Разобрать причину нарушения" in row.inner_text()
    assert row.locator(f"a[href='/tickets/{breached.pk}/']").count() == 1
    log_out(page)

    # Support, on a phone: «Мои поручения» lists it; close it with a result.
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, staff.support.username)
    page.goto("/meetings/")
    with page.expect_navigation():
        page.locator("#my-items-link").click()
    mine = page.locator(f"#open-items #item-{item.pk}")
    assert "Разобрать причину нарушения" in mine.inner_text()
    assert page.evaluate(FITS_THE_SCREEN)
    time_machine.move_to(msk(2026, 10, 21, 15, 0))
    mine.locator("textarea").fill("Заменили контроллер, клиент подтвердил")
    with page.expect_navigation():
        mine.locator("button[type=submit]").click()
    assert page.locator(f"#open-items #item-{item.pk}").count() == 0
    assert "Заменили контроллер" in page.locator(f"#closed-items #item-{item.pk}").inner_text()
    log_out(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The head: the next meeting's agenda shows the item done, with its result.
    time_machine.move_to(msk(2026, 10, 26, 9, 50))
    log_in(page, staff.head.username)
    page.goto(f"/meetings/{this_week.pk}/")
    with page.expect_navigation():
        page.locator("#next-meeting").click()
    assert page.url.endswith(f"/meetings/{next_week.pk}/")
    carried = page.locator(f"[data-section='action_items'] li[data-record='action_item:{item.pk}']")
    assert carried.get_attribute("data-state") == "closed"
    text = carried.inner_text()
    assert "выполнено" in text and "Заменили контроллер, клиент подтвердил" in text
