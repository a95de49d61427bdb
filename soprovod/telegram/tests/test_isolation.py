"""Nobody reaches a ticket through the bot that they could not see in the portal: an unknown
chat gets instructions and learns nothing (no ticket numbers, no company or contact names,
no files fetched); a linked contact never writes into, rates or hears of another company's
ticket."""

from __future__ import annotations

import pytest

from soprovod.telegram.models import (
    Draft,
    LinkCode,
    OutgoingMessage,
    ProcessedUpdate,
    TelegramChat,
)
from soprovod.telegram.tests.helpers import link_contact, poll, portal_ticket, texts
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import TicketStatus

CHAT_A = 610001
CHAT_B = 610002
STRANGER = 610099


def _ticket(companies, company: str, subject: str):
    return portal_ticket(companies, subject, company=company, body="подробности")


@pytest.fixture
def world(fake_telegram, companies, staff, django_capture_on_commit_callbacks):
    """Company A's contact linked, with an open ticket answered in Telegram, a resolved one
    with its rating buttons and a draft waiting for its ticket; B's contact linked too."""
    capture = django_capture_on_commit_callbacks
    link_contact(fake_telegram, capture, companies.contact_a, CHAT_A)
    link_contact(fake_telegram, capture, companies.contact_b, CHAT_B)
    open_one = _ticket(companies, "a", "Шлагбаум на складе Альфы")
    other_open = _ticket(companies, "a", "Пропуска подрядчиков")
    resolved = _ticket(companies, "a", "Гостевые пропуска")
    with capture(execute=True):
        ticket_actions.do_add_message(staff.support, open_one, "Пришлите фото контроллера")
        ticket_actions.do_change_status(staff.support, resolved, TicketStatus.RESOLVED)
    fake_telegram.user_message(CHAT_A, "Уточнение")  # two open tickets: a draft asks which
    poll(capture)
    return {
        "tickets": [open_one, other_open, resolved],
        "reply": next(
            item
            for item in fake_telegram.sent_to(CHAT_A)
            if "Пришлите фото контроллера" in item.get("text", "")
        ),
        "notice": resolved.messages.get(source="resolution"),
        "draft": Draft.objects.get(chat__chat_id=CHAT_A),
    }


def test_an_unknown_chat_gets_instructions_and_learns_nothing(
    fake_telegram, companies, world, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    open_one, other_open, resolved = world["tickets"]
    draft, notice = world["draft"], world["notice"]
    counts = {t.pk: t.messages.count() for t in world["tickets"]}
    getfile_calls = fake_telegram.calls.count("getFile")
    fake_telegram.sent.clear()
    fake_telegram.callback_answers.clear()
    # Everything a stranger can try: ask about a ticket by number, commands, files, a reply
    # to someone else's message, and made-up buttons naming real tickets, drafts and ratings.
    fake_telegram.user_message(STRANGER, f"Что с заявкой #{open_one.pk}?")
    for command in ("/start", "/help", "/new", f"/start {open_one.pk}"):
        fake_telegram.user_message(STRANGER, command)
    fake_telegram.user_photo(STRANGER, b"\xff\xd8PHOTO", caption="фото")
    fake_telegram.user_document(STRANGER, b"%PDF", "act.pdf", "application/pdf")
    fake_telegram.user_message(STRANGER, "Ответ", reply_to=world["reply"]["message_id"])
    for data in (
        f"rate:{notice.pk}:1",
        f"to:{draft.pk}:{open_one.pk}",
        f"type:{draft.pk}:emergency",
        f"to:{draft.pk}:new",
    ):
        fake_telegram.user_callback(STRANGER, data)
    poll(capture)

    answers = texts(fake_telegram, STRANGER)
    assert len(answers) == 12  # every update answered with the instructions, nothing else
    assert all("привяж" in answer.lower() for answer in answers)
    said = "\n".join(answers + [a["text"] or "" for a in fake_telegram.callback_answers])
    for secret in (
        "№",
        f"#{open_one.pk}",
        "Альфа",
        "Бета",
        companies.contact_a.full_name,
        companies.contact_b.full_name,
        open_one.subject,
        "Пришлите фото",
    ):
        assert secret not in said
    assert not any(item.get("buttons") for item in fake_telegram.sent_to(STRANGER))
    # Nothing was touched or fetched.
    assert {t.pk: t.messages.count() for t in world["tickets"]} == counts
    resolved.refresh_from_db()
    assert resolved.csat_score is None
    draft.refresh_from_db()
    assert draft.filed_at is None
    assert fake_telegram.calls.count("getFile") == getfile_calls
    assert not TelegramChat.objects.get(chat_id=STRANGER).is_linked
    outcomes = set(
        ProcessedUpdate.objects.filter(chat_id=STRANGER).values_list("outcome", flat=True)
    )
    assert outcomes == {"instructions"}
    # Later staff replies do not reach the stranger either.
    assert not OutgoingMessage.objects.filter(chat__chat_id=STRANGER, ticket__isnull=False)


def test_another_companys_contact_cannot_use_as_buttons_what_a_sees(
    fake_telegram, companies, world, django_capture_on_commit_callbacks
):
    """B's contact presses A's buttons (made up: the draft, the ticket, the rating) and
    replies to A's message id: refused, nothing changes, nothing is told."""
    capture = django_capture_on_commit_callbacks
    open_one, _other, resolved = world["tickets"]
    draft, notice = world["draft"], world["notice"]
    fake_telegram.sent.clear()
    fake_telegram.callback_answers.clear()
    fake_telegram.user_callback(CHAT_B, f"to:{draft.pk}:{open_one.pk}")
    fake_telegram.user_callback(CHAT_B, f"type:{draft.pk}:emergency")
    fake_telegram.user_callback(CHAT_B, f"rate:{notice.pk}:1")
    poll(capture)
    draft.refresh_from_db()
    resolved.refresh_from_db()
    assert draft.filed_at is None and resolved.csat_score is None
    assert open_one.messages.count() == 2  # the first message and the staff reply
    answers = [a["text"] for a in fake_telegram.callback_answers]
    assert "Эта оценка недоступна." in answers
    said = "\n".join(texts(fake_telegram, CHAT_B) + [a or "" for a in answers])
    for secret in (f"№{open_one.pk}", f"№{resolved.pk}", "Альфа", open_one.subject):
        assert secret not in said
    # A reply to A's message id (B's chat never had it) opens a ticket of B's own instead.
    fake_telegram.user_message(CHAT_B, "Ответ", reply_to=world["reply"]["message_id"])
    poll(capture)
    assert open_one.messages.count() == 2
    assert Draft.objects.filter(chat__chat_id=CHAT_B, text="Ответ").exists()


def test_staff_replies_reach_only_the_tickets_own_company(
    fake_telegram, companies, staff, world, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    theirs = _ticket(companies, "b", "Турникет Беты")
    fake_telegram.sent.clear()
    with capture(execute=True):
        ticket_actions.do_add_message(staff.support, theirs, "Ответ для Беты")
        ticket_actions.do_add_message(staff.support, world["tickets"][0], "Заметка", internal=True)
    assert any("Ответ для Беты" in text for text in texts(fake_telegram, CHAT_B))
    assert texts(fake_telegram, CHAT_A) == []


def test_a_contact_who_moved_to_another_company_hears_nothing_more_of_the_old_one(
    fake_telegram, companies, staff, world, django_capture_on_commit_callbacks
):
    """The contact's old tickets stay with the old company: once the contact belongs to
    another company, their replies and resolution notices no longer reach that chat, and
    the chat cannot write into them."""
    capture = django_capture_on_commit_callbacks
    open_one, _other, resolved = world["tickets"]
    companies.contact_a.client = companies.b
    companies.contact_a.save(update_fields=["client"])
    fake_telegram.sent.clear()
    with capture(execute=True):
        ticket_actions.do_add_message(staff.support, open_one, "Ответ старой компании")
        ticket_actions.do_change_status(staff.support, open_one, TicketStatus.RESOLVED)
    assert texts(fake_telegram, CHAT_A) == []
    assert not OutgoingMessage.objects.filter(
        chat__chat_id=CHAT_A, ticket_message__body="Ответ старой компании"
    ).exists()
    fake_telegram.user_callback(CHAT_A, f"rate:{world['notice'].pk}:5")
    fake_telegram.user_message(CHAT_A, "Ещё вопрос", reply_to=world["reply"]["message_id"])
    poll(capture)
    resolved.refresh_from_db()
    assert resolved.csat_score is None
    assert not open_one.messages.filter(body="Ещё вопрос").exists()


def test_a_person_whose_login_moved_to_another_company_hears_nothing_more_of_the_old_one(
    fake_telegram, companies, staff, world, django_capture_on_commit_callbacks
):
    """The contact row stays at the old company but the person's portal login now belongs to
    the new company's contact: the chat linked to the old row is told nothing more about the
    old company's tickets, while the old company's colleague is still told theirs."""
    from soprovod.clients.tests.factories import ContactFactory

    capture = django_capture_on_commit_callbacks
    open_one, other_open, _resolved = world["tickets"]
    login = companies.contact_a.user
    companies.contact_a.user = None
    companies.contact_a.save(update_fields=["user"])
    ContactFactory(client=companies.b, email=companies.contact_a.email, user=login)
    fake_telegram.sent.clear()
    with capture(execute=True):
        ticket_actions.do_add_message(staff.support, open_one, "Ответ старой компании")
    assert texts(fake_telegram, CHAT_A) == []
    # Writing into the old ticket from that chat: nothing is filed, the chat is unlinked and
    # told how to link again (a new code links it to the new company's contact).
    fake_telegram.user_message(CHAT_A, "Ещё вопрос", reply_to=world["reply"]["message_id"])
    poll(capture)
    assert not open_one.messages.filter(body="Ещё вопрос").exists()
    assert not other_open.messages.filter(body="Ещё вопрос").exists()
    assert not TelegramChat.objects.get(chat_id=CHAT_A).is_linked
    assert len(texts(fake_telegram, CHAT_A)) == 1


def test_no_link_code_is_mailed_to_an_address_that_moved_with_its_login(
    companies, django_capture_on_commit_callbacks
):
    from django.core import mail

    from soprovod.clients.tests.factories import ContactFactory
    from soprovod.telegram import actions

    login = companies.contact_a.user
    companies.contact_a.user = None
    companies.contact_a.save(update_fields=["user"])
    new_row = ContactFactory(client=companies.b, email=companies.contact_a.email, user=login)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(actions.TelegramError):
            actions.do_email_code(None, companies.contact_a)
        assert not LinkCode.objects.filter(contact=companies.contact_a).exists()
        assert actions.do_email_code(None, new_row) == new_row.email
    [sent] = mail.outbox
    assert sent.to == [new_row.email]
