"""A hand-off from sales end to end in Chromium: sales submits a won client from a phone
(390 px) → support returns it with a reason → sales fixes and resubmits → the head accepts →
the implementation project appears → a task is completed → go-live → the client is active."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from soprovod.clients.models import Client, ClientStatus
from soprovod.handoffs.models import Handoff
from soprovod.tests_browser.conftest import log_in, log_out

pytestmark = pytest.mark.django_db(transaction=True)

FITS_THE_SCREEN = (
    "(() => { const m = document.querySelector('main');"
    " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
)


def status(page) -> str:
    return page.locator("#handoff-status").inner_text()


def test_handoff_from_submission_to_a_live_client(page, staff, tmp_path, settings, time_machine):
    # A working Wednesday: the project starts today, so it can go live today.
    time_machine.move_to(dt.datetime(2026, 10, 14, 11, 0, tzinfo=ZoneInfo("Europe/Moscow")))
    settings.MEDIA_ROOT = tmp_path / "media"
    contract = tmp_path / "Договор.pdf"
    contract.write_bytes(b"%PDF-1.4 signed")

    # Sales, on a phone: the home page's «New hand-off», the checklist, save and submit.
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, staff.sales.username)
    with page.expect_navigation():
        page.locator("#home-handoffs a[href='/handoffs/new/']").click()
    form = page.locator("form.handoff-form")
    for name, value in {
        "client_name": "ООО «Гамма»",
        "inn": "7707083893",
        "contract_number": "Д-2026/117",
        "contract_date": "2026-10-01",
        "tariff": "Бизнес",
        "mrr_rub": "45000",
        "term_months": "12",
        "decision_maker_name": "Иванов Пётр",
        "decision_maker_phone": "+7 495 111-11-11",
        "technical_name": "Смирнов Олег",
        "technical_email": "it@gamma.test",
        "billing_name": "Козлова Анна",
        "billing_email": "buh@gamma.test",
        "passes_or_users": "800",
        "sites-0-name": "БЦ «Северный»",
        "sites-0-address": "г. Москва, ул. Лесная, д. 5",
        "sites-0-equipment": "2 турникета",
    }.items():
        form.locator(f"[name='{name}']").fill(value)
    form.locator("textarea[name=modules]").fill("Пропуска, Парковка")
    form.locator("input[name=document]").set_input_files(str(contract))
    with page.expect_navigation():
        form.locator("#save-and-submit").click()
    found = re.search(r"/handoffs/(\d+)/$", page.url)
    assert found, page.url
    number = int(found.group(1))
    assert status(page) == "На согласовании"
    assert page.evaluate(FITS_THE_SCREEN)
    log_out(page)

    # Support (a success manager): the inbox, then return it with a reason for the sites.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, staff.csm.username)
    page.goto("/handoffs/inbox/")
    with page.expect_navigation():
        page.locator(f"a[href='/handoffs/{number}/']").click()
    back = page.locator("#return-form")
    back.locator("input[name=reason_sites]").fill("Нет оборудования второго входа")
    with page.expect_navigation():
        back.locator("button[type=submit]").click()
    assert status(page) == "Возвращена в ОП"
    log_out(page)

    # Sales sees the reason, fixes the site and resubmits: a second round.
    log_in(page, staff.sales.username)
    page.goto(f"/handoffs/{number}/")
    assert page.get_by_text("Нет оборудования второго входа").first.is_visible()
    with page.expect_navigation():
        page.locator(f"a[href='/handoffs/{number}/edit/']").click()
    page.locator("[name='sites-0-equipment']").fill("2 турникета; вход Б: 1 турникет")
    with page.expect_navigation():
        page.locator("#save-and-submit").click()
    assert status(page) == "На согласовании"
    assert page.locator("#rounds tbody tr").count() == 2
    log_out(page)

    # The head accepts: the client is onboarding and its project is open.
    log_in(page, staff.head.username)
    page.goto(f"/handoffs/{number}/")
    accept = page.locator("#accept-form")
    accept.locator("select[name=success_manager]").select_option(str(staff.csm.pk))
    accept.locator("select[name=implementation_manager]").select_option(
        str(staff.implementation.pk)
    )
    with page.expect_navigation():
        accept.locator("button[type=submit]").click()
    assert status(page) == "Принята"
    client = Client.objects.get(handoffs__pk=number)
    assert client.status == ClientStatus.ONBOARDING
    project_id = Handoff.objects.get(pk=number).project_id
    log_out(page)

    # The implementation manager finds the project, completes a task and takes it live.
    log_in(page, staff.implementation.username)
    page.goto(f"/handoffs/{number}/")
    with page.expect_navigation():
        page.locator("#project-link").click()
    assert page.url.endswith(f"/projects/{project_id}/")
    with page.expect_navigation():
        page.locator("form[action*='/tasks/'][action$='/done/'] button").first.click()
    assert page.locator("td.done-task").count() == 1
    with page.expect_navigation():
        page.locator(f"form[action='/projects/{project_id}/go-live/'] button").click()
    client.refresh_from_db()
    assert client.status == ClientStatus.ACTIVE
    assert client.status_history.filter(status=ClientStatus.ACTIVE).exists()
