"""Surveys end to end in Chromium: a client contact answers the NPS email's one-time link
with a 3, a detractor task appears on the success manager's home page, the success manager
logs the call (a call note with its next step) and closes the loop; then a resolved ticket
is rated with one click from the resolution email. Mail is read from the test outbox
(locmem)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from soprovod.success.models import CallNote
from soprovod.surveys import actions as survey_actions
from soprovod.surveys.models import DetractorTask, SurveyResponse
from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Ticket, TicketStatus, TicketType

pytestmark = pytest.mark.django_db(transaction=True)

COMMENT = "Шлагбаум на въезде третью неделю открывается через раз."
CALL_NOTES = "Позвонил, извинился; инженер заменит контроллер шлагбаума в четверг."


def path_in(message, pattern: str) -> str:
    found = re.search(r"https?://[^/\s]+(" + pattern + r")", message.body)
    assert found, f"no link in the mail: {message.body}"
    return found.group(1)


def test_nps_detractor_loop_and_one_click_csat(page, js_errors, staff, companies):
    contact = companies.contact_a
    # The head starts a campaign; the invitation goes to the contact of company A.
    started = survey_actions.do_start_campaign(staff.head, name="NPS, декабрь", segment="")
    assert started.invited == 2
    [invitation] = [m for m in mail.outbox if m.to == [contact.email]]
    answer_path = path_in(invitation, r"/surveys/a/[A-Za-z0-9_-]+/")

    # The contact opens the link without logging in and answers 3 with a comment.
    page.goto(answer_path)
    assert page.locator("html").get_attribute("lang") == "ru"
    form = page.locator("#nps-answer")
    form.locator("input[name=score][value='3']").check()
    form.locator("textarea[name=comment]").fill(COMMENT)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("#survey-thanks h1").inner_text() == "Спасибо!"
    response = SurveyResponse.objects.get(kind="nps", contact=contact)
    assert (response.score, response.comment) == (3, COMMENT)

    # The link was for one answer: opening it again says so.
    page.goto(answer_path)
    assert page.locator("#link-problem").get_attribute("data-state") == "used"

    # The detractor task is on the success manager's home page.
    task = DetractorTask.objects.get(response=response)
    assert task.assignee == staff.csm
    log_in(page, "csm")
    row = page.locator(f"#home-detractor-tasks tr[data-task='{task.pk}']")
    assert row.is_visible()
    with page.expect_navigation():
        row.locator("a").click()
    assert COMMENT in page.locator(".nps-comment").inner_text()

    # The success manager logs the call (a call note linked to the task, with its next
    # step), comes back to the task, and closes the loop.
    with page.expect_navigation():
        page.locator("#log-call").click()
    note_form = page.locator("#call-note")
    assert note_form.locator(f"input[name=contacts][value='{contact.pk}']").is_checked()
    note_form.locator("textarea[name=summary]").fill(CALL_NOTES)
    note_form.locator("input[name=step1_text]").fill("Заменить контроллер шлагбаума")
    note_form.locator("select[name=step1_owner]").select_option(str(staff.csm.pk))
    with page.expect_navigation():
        note_form.locator("button[type=submit]").click()
    assert CALL_NOTES in page.locator("#task-call-notes").inner_text()
    note = CallNote.objects.get(detractor_task=task)
    assert (note.client, note.created_by, list(note.contacts.all())) == (
        companies.a,
        staff.csm,
        [contact],
    )
    assert note.next_steps.get().owner == staff.csm

    close = page.locator("#close-task")
    close.locator(f"input[name=outcome][value='{DetractorTask.Outcome.PLAN}']").check()
    close.locator("textarea[name=notes]").fill(CALL_NOTES)
    with page.expect_navigation():
        close.locator("button[type=submit]").click()
    assert page.locator(".task-status").inner_text() == "Закрыта"
    assert page.locator("#close-task").count() == 0
    task.refresh_from_db()
    assert (task.status, task.outcome, task.notes, task.closed_by) == (
        DetractorTask.Status.CLOSED,
        DetractorTask.Outcome.PLAN,
        CALL_NOTES,
        staff.csm,
    )
    page.goto("/")
    assert page.locator(f"#home-detractor-tasks tr[data-task='{task.pk}']").count() == 0
    log_out(page)

    # A ticket of the same contact is answered and resolved: the resolution email carries
    # the 1–5 rating links, and one click rates it.
    ticket = ticket_actions.do_create_ticket(
        None,
        client=companies.a,
        contact=contact,
        requester_email=contact.email,
        subject="Не печатается гостевой пропуск",
        body="Принтер на ресепшене не печатает пропуска.",
        type=TicketType.STANDARD,
        channel=Channel.EMAIL,
    )
    ticket_actions.do_add_message(staff.support, ticket, "Заменили картридж, проверьте.")
    ticket_actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    [notice] = [m for m in mail.outbox if "/surveys/a/" in m.body and m.subject.startswith("[#")]
    assert notice.to == [contact.email]
    rate_five = path_in(notice, r"/surveys/a/[A-Za-z0-9_-]+/5/")

    page.goto(rate_five)
    assert page.locator("#survey-thanks h1").inner_text() == "Спасибо!"
    assert "5 из 5" in page.locator("#survey-thanks").inner_text()
    assert Ticket.objects.get(pk=ticket.pk).csat_score == 5

    # The same email's link cannot rate again, with another score either.
    page.goto(rate_five.replace("/5/", "/1/"))
    assert page.locator("#link-problem").get_attribute("data-state") == "used"
    assert Ticket.objects.get(pk=ticket.pk).csat_score == 5
    js_errors.assert_none()
