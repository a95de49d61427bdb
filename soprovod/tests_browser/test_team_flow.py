"""The team and escalations in Chromium (issue 12): the head gives a role on the team page
and records their own absence with a deputy → a ticket is escalated to the head meanwhile →
it shows in the deputy's inbox (with the count in the menu) → the deputy acknowledges it and
resolves it with a decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from soprovod.accounts.roles import Role
from soprovod.tests_browser.conftest import log_in, log_out, menu_link
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, Escalation, TicketType

pytestmark = pytest.mark.django_db(transaction=True)

FITS_THE_SCREEN = (
    "(() => { const m = document.querySelector('main');"
    " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
)


@pytest.fixture
def ticket(staff, companies):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        site=companies.site_a,
        subject="Турникеты не пропускают сотрудников",
        body="С утра на проходной ни одна карта не срабатывает.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
    )


def test_deputy_takes_the_heads_escalation_during_an_absence(page, staff, ticket, live_server):
    today = timezone.localdate()

    # The head gives the support manager a second role on the team page.
    log_in(page, staff.head.username)
    page.goto("/team/")
    with page.expect_navigation():
        page.locator(f"#team tr[data-pk='{staff.support.pk}'] a").first.click()
    page.locator("#give-role").select_option(Role.SENIOR_ENGINEER)
    with page.expect_navigation():
        page.locator("#roles button", has_text="Выдать роль").click()
    assert "Старший инженер" in page.locator("#roles").inner_text()
    assert staff.support.role_rows.filter(role=Role.SENIOR_ENGINEER).exists()

    # Then records their own absence from today, with the senior engineer as deputy.
    page.goto(f"/team/{staff.head.pk}/")
    page.locator("#absences summary", has_text="Отметить отсутствие").click()
    form = page.locator(f"form[action='/team/{staff.head.pk}/absences/']")
    form.locator("input[name=starts_on]").fill(today.isoformat())
    form.locator("input[name=ends_on]").fill((today + dt.timedelta(days=6)).isoformat())
    form.locator("select[name=deputy]").select_option(str(staff.engineer.pk))
    form.locator("input[name=reason]").fill("Отпуск")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert str(staff.engineer) in page.locator("#absences").inner_text()
    log_out(page)

    # Meanwhile support escalates a ticket to the head.
    log_in(page, staff.support.username)
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator("summary", has_text="Эскалировать").click()
    escalate = page.locator(f"form[action='/tickets/{ticket.pk}/escalate/']")
    escalate.locator("select[name=level]").select_option("head")
    escalate.locator("textarea[name=reason]").fill("Клиент требует выезд инженера сегодня")
    with page.expect_navigation():
        escalate.locator("button[type=submit]").click()
    log_out(page)
    escalation = Escalation.objects.get()
    assert escalation.addressed_to == staff.engineer

    # The deputy, on a phone: the menu counts it, the inbox shows it.
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, staff.engineer.username)
    menu_entry = menu_link(page, "/escalations/")
    assert menu_entry.locator(".nav-count").inner_text().split()[-1] == "1"
    with page.expect_navigation():
        menu_entry.click()
    row = page.locator(f"#escalations tr[data-pk='{escalation.pk}']")
    assert "Клиент требует выезд инженера сегодня" in row.inner_text()
    assert "ждёт" in row.inner_text()
    assert page.evaluate(FITS_THE_SCREEN)
    with page.expect_navigation():
        row.locator("a").first.click()
    with page.expect_navigation():
        page.locator("button", has_text="Принять").click()
    assert page.locator("#escalation-status").inner_text() == "Принята"
    page.locator("textarea[name=decision]").fill("Инженер выезжает к клиенту в 15:00")
    with page.expect_navigation():
        page.locator("button", has_text="Закрыть с этим решением").click()
    assert page.locator("#escalation-status").inner_text() == "Решено"
    assert "Инженер выезжает" in page.locator("#escalation-decision").inner_text()

    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.RESOLVED
    assert escalation.acknowledged_by == staff.engineer
    assert escalation.resolved_by == staff.engineer
