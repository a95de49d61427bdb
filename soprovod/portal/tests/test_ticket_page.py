"""One ticket in the portal: the conversation without internal notes, replies with files,
a reply written before news arrived, reopening within the window, and the CSAT rating."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.portal.tests.helpers import MONDAY_10, upload
from soprovod.tickets import actions
from soprovod.tickets.models import Attachment, Ticket, TicketMessage, TicketStatus

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def page_url(ticket) -> str:
    return reverse("portal:ticket", args=[ticket.number])


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def resolved(file_ticket, staff):
    ticket = file_ticket()
    actions.do_add_message(staff.support, ticket, "Перезагрузили контроллер.")
    return actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)


# ---- what the client sees ------------------------------------------------------------------


def test_internal_notes_and_their_files_never_reach_the_client(as_user, people, staff, file_ticket):
    ticket = file_ticket()
    actions.do_add_message(
        staff.support,
        ticket,
        "Внутреннее: клиент должен нам за два месяца",
        internal=True,
        attachments=[upload("debt.pdf", b"%PDF secret", "application/pdf")],
    )
    actions.do_add_message(
        staff.support,
        ticket,
        "Публичный ответ: проверьте питание считывателя",
        attachments=[upload("manual.pdf", b"%PDF manual", "application/pdf")],
    )
    internal_file = Attachment.objects.get(filename="debt.pdf")
    public_file = Attachment.objects.get(filename="manual.pdf")

    for user in (people.owner, people.colleague):
        browser = as_user(user)
        page = text(browser.get(page_url(ticket)))
        assert "Публичный ответ" in page
        assert "manual.pdf" in page
        assert "Внутреннее" not in page
        assert "debt.pdf" not in page
        assert reverse("portal:attachment", args=[internal_file.pk]) not in page
        assert browser.get(reverse("portal:attachment", args=[internal_file.pk])).status_code == 404
        assert browser.get(reverse("portal:attachment", args=[public_file.pk])).status_code == 200
    outsider = as_user(people.outsider)
    assert outsider.get(reverse("portal:attachment", args=[public_file.pk])).status_code == 404


def test_staff_answers_are_signed_by_the_support_team(as_user, people, staff, file_ticket):
    ticket = file_ticket()
    actions.do_add_message(staff.support, ticket, "Смотрим.")
    page = text(as_user(people.colleague).get(page_url(ticket)))
    assert f"{staff.support.get_full_name()}, support team" in page


# ---- replying ----------------------------------------------------------------------------


def test_client_replies_with_files(as_user, people, staff, file_ticket):
    ticket = file_ticket()
    actions.do_change_status(staff.support, ticket, TicketStatus.WAITING_CLIENT)
    ticket = fresh(ticket)
    browser = as_user(people.colleague)
    response = browser.post(
        reverse("portal:reply", args=[ticket.number]),
        {
            "body": "Фото считывателя во вложении",
            "version": ticket.version,
            "attachments": [upload("reader.jpg"), upload("reader2.jpg")],
        },
        follow=True,
    )
    assert response.redirect_chain == [(page_url(ticket), 302)]
    assert "Your message has been sent." in text(response)
    message = ticket.messages.get(body="Фото считывателя во вложении")
    assert message.author == people.colleague
    assert not message.from_staff
    assert message.kind == TicketMessage.Kind.PUBLIC
    assert message.source == TicketMessage.Source.PORTAL
    assert sorted(a.filename for a in message.attachments.all()) == ["reader.jpg", "reader2.jpg"]
    assert fresh(ticket).status == TicketStatus.OPEN  # the client's answer resumes the work


def test_reply_written_before_news_arrived_is_held_back_with_its_text(
    as_user, people, staff, file_ticket
):
    ticket = file_ticket()
    opened_at_version = ticket.version
    actions.do_add_message(staff.support, ticket, "Уточните номер шлагбаума.")
    browser = as_user(people.owner)
    reply_url = reverse("portal:reply", args=[ticket.number])
    response = browser.post(
        reply_url,
        {"body": "Мой длинный ответ", "version": opened_at_version, "attachments": [upload()]},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Not sent yet: there is news on this ticket" in page
    assert "Please attach your files again." in page
    assert "Уточните номер шлагбаума." in page
    assert "Мой длинный ответ</textarea>" in page
    assert not ticket.messages.filter(body="Мой длинный ответ").exists()
    assert f'name="version" value="{fresh(ticket).version}"' in page

    # Having read the news, the client sends the kept text again: now it goes through.
    again = browser.post(reply_url, {"body": "Мой длинный ответ", "version": fresh(ticket).version})
    assert again.status_code == 302
    assert ticket.messages.filter(body="Мой длинный ответ").count() == 1


def test_empty_reply_is_refused(as_user, people, file_ticket):
    ticket = file_ticket()
    response = as_user(people.owner).post(
        reverse("portal:reply", args=[ticket.number]), {"body": "  ", "version": ticket.version}
    )
    assert "Write a message or attach a file." in text(response)
    assert ticket.messages.count() == 1


def test_refused_file_in_a_reply_is_named_and_the_text_kept(as_user, people, file_ticket):
    ticket = file_ticket()
    response = as_user(people.owner).post(
        reverse("portal:reply", args=[ticket.number]),
        {
            "body": "Вот скрипт",
            "version": ticket.version,
            "attachments": [upload("run.bat", b"@echo")],
        },
    )
    page = text(response)
    assert "“run.bat”: files of this type are not accepted." in page
    assert "Вот скрипт</textarea>" in page
    assert ticket.messages.count() == 1


def test_closed_ticket_offers_a_new_ticket_instead_of_a_reply(as_user, people, staff, resolved):
    actions.do_change_status(staff.support, resolved, TicketStatus.CLOSED)
    ticket = fresh(resolved)
    browser = as_user(people.owner)
    page = text(browser.get(page_url(ticket)))
    assert reverse("portal:reply", args=[ticket.number]) not in page
    assert "This ticket is closed." in page
    response = browser.post(
        reverse("portal:reply", args=[ticket.number]), {"body": "Ещё", "version": ticket.version}
    )
    assert "The ticket is closed: open a new one instead." in text(response)
    assert not ticket.messages.filter(body="Ещё").exists()


# ---- reopening ---------------------------------------------------------------------------


def test_client_reopens_within_the_window_with_an_explanation(
    as_user, people, resolved, clock, settings
):
    browser = as_user(people.colleague)
    settings.REOPEN_WINDOW_DAYS = 7
    clock.move_to(MONDAY_10 + dt.timedelta(days=6))
    page = text(browser.get(page_url(resolved)))
    assert "You can reopen this ticket until 10:00, 9 March 2026." in page

    response = browser.post(
        reverse("portal:reopen", args=[resolved.number]),
        {"comment": "Снова не открывается"},
        follow=True,
    )
    assert "The ticket is open again." in text(response)
    ticket = fresh(resolved)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.reopened_count == 1
    assert ticket.messages.filter(body="Снова не открывается", from_staff=False).exists()


def test_reopening_after_the_window_is_refused_with_a_reason(
    as_user, people, resolved, clock, settings
):
    browser = as_user(people.owner)
    settings.REOPEN_WINDOW_DAYS = 7
    clock.move_to(MONDAY_10 + dt.timedelta(days=7, minutes=1))
    page = text(browser.get(page_url(resolved)))
    assert "This ticket was resolved more than 7 days ago and can no longer be reopened." in page
    assert reverse("portal:reopen", args=[resolved.number]) not in page

    response = browser.post(
        reverse("portal:reopen", args=[resolved.number]), {"comment": "Снова"}, follow=True
    )
    assert "The ticket was resolved more than 7 days ago: please open a new one." in text(response)
    ticket = fresh(resolved)
    assert ticket.status == TicketStatus.RESOLVED
    assert not ticket.messages.filter(body="Снова").exists()


def test_an_open_ticket_cannot_be_reopened(as_user, people, file_ticket):
    ticket = file_ticket()
    response = as_user(people.owner).post(
        reverse("portal:reopen", args=[ticket.number]), follow=True
    )
    assert "Only a resolved ticket can be reopened." in text(response)
    assert fresh(ticket).reopened_count == 0


# ---- rating ------------------------------------------------------------------------------


def test_client_rates_a_resolved_ticket_and_may_change_it_while_resolved(as_user, people, resolved):
    browser = as_user(people.owner)
    rate_url = reverse("portal:rate", args=[resolved.number])
    page = text(browser.get(page_url(resolved)))
    assert rate_url in page
    assert page.count('name="score"') == 5

    response = browser.post(rate_url, {"score": "4", "comment": "Быстро, спасибо"}, follow=True)
    assert "Thank you for your rating!" in text(response)
    ticket = fresh(resolved)
    assert (ticket.csat_score, ticket.csat_comment) == (4, "Быстро, спасибо")
    page = text(browser.get(page_url(ticket)))
    assert "4 of 5" in page
    assert "Быстро, спасибо" in page
    assert "Change your rating" in page
    assert 'value="4" id="rating_score_3" checked' in page.replace(" required", "")

    browser.post(rate_url, {"score": "5", "comment": ""})
    assert fresh(ticket).csat_score == 5


def test_rating_is_final_once_the_ticket_is_closed(as_user, people, staff, resolved):
    browser = as_user(people.owner)
    rate_url = reverse("portal:rate", args=[resolved.number])
    browser.post(rate_url, {"score": "3"})
    actions.do_change_status(staff.support, resolved, TicketStatus.CLOSED)
    page = text(browser.get(page_url(resolved)))
    assert "3 of 5" in page
    assert rate_url not in page

    response = browser.post(rate_url, {"score": "5"}, follow=True)
    assert "This ticket cannot be rated any more." in text(response)
    assert fresh(resolved).csat_score == 3


def test_closed_ticket_without_a_rating_can_still_be_rated(as_user, people, staff, resolved):
    actions.do_change_status(staff.support, resolved, TicketStatus.CLOSED)
    browser = as_user(people.owner)
    browser.post(reverse("portal:rate", args=[resolved.number]), {"score": "2", "comment": "Долго"})
    assert fresh(resolved).csat_score == 2


def test_open_ticket_and_bad_scores_are_not_rated(as_user, people, file_ticket, resolved):
    browser = as_user(people.owner)
    open_ticket = file_ticket()
    assert reverse("portal:rate", args=[open_ticket.number]) not in text(
        browser.get(page_url(open_ticket))
    )
    browser.post(reverse("portal:rate", args=[open_ticket.number]), {"score": "5"})
    assert fresh(open_ticket).csat_score is None
    for score in ("0", "6", "", "пять"):
        browser.post(reverse("portal:rate", args=[resolved.number]), {"score": score})
    assert fresh(resolved).csat_score is None


# ---- cost ----------------------------------------------------------------------------------


def test_ticket_page_costs_the_same_for_2_and_20_messages(as_user, people, staff, file_ticket):
    ticket = file_ticket()
    browser = as_user(people.owner)

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(page_url(ticket)).status_code == 200
        return len(captured)

    actions.do_add_message(staff.support, ticket, "Смотрим.", attachments=[upload()])
    with_2 = cost()
    for n in range(9):
        actions.do_add_message(staff.engineer, ticket, f"Ответ {n}", attachments=[upload()])
        actions.do_add_message(people.colleague, ticket, f"Вопрос {n}")
    assert cost() == with_2
