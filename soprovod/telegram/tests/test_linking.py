from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from soprovod.telegram import actions
from soprovod.telegram.models import LinkCode, TelegramChat
from soprovod.telegram.tests.helpers import link_contact, poll, texts
from soprovod.tickets.models import Ticket

CHAT = 555001


def test_unknown_chat_gets_instructions_and_no_access(
    fake_telegram, companies, django_capture_on_commit_callbacks
):
    fake_telegram.user_message(CHAT, "У нас не работает шлагбаум!")
    poll(django_capture_on_commit_callbacks)
    answer = texts(fake_telegram, CHAT)
    assert len(answer) == 1
    assert "привяжите" in answer[0].lower() or "привязк" in answer[0].lower()
    assert not Ticket.objects.exists()
    chat = TelegramChat.objects.get(chat_id=CHAT)
    assert not chat.is_linked


def test_a_wrong_code_links_nothing(fake_telegram, companies, django_capture_on_commit_callbacks):
    fake_telegram.user_message(CHAT, "ABCD-EF2H")
    poll(django_capture_on_commit_callbacks)
    assert not TelegramChat.objects.get(chat_id=CHAT).is_linked
    assert "не подходит" in texts(fake_telegram, CHAT)[0]


def test_a_code_links_once(fake_telegram, companies, django_capture_on_commit_callbacks):
    code, _row = actions.do_issue_code(None, contact=companies.contact_a)
    fake_telegram.user_message(CHAT, code.lower().replace("-", " "))
    poll(django_capture_on_commit_callbacks)
    chat = TelegramChat.objects.get(chat_id=CHAT)
    assert chat.contact == companies.contact_a
    assert "привязан" in texts(fake_telegram, CHAT)[0]
    # Used: another chat cannot take the same code.
    fake_telegram.user_message(CHAT + 1, code)
    poll(django_capture_on_commit_callbacks)
    assert not TelegramChat.objects.get(chat_id=CHAT + 1).is_linked
    assert LinkCode.objects.get().used_at is not None


def test_start_with_a_code_links(fake_telegram, companies, django_capture_on_commit_callbacks):
    code, _row = actions.do_issue_code(None, contact=companies.contact_b)
    fake_telegram.user_message(CHAT, f"/start {code.replace('-', '')}")
    poll(django_capture_on_commit_callbacks)
    assert TelegramChat.objects.get(chat_id=CHAT).contact == companies.contact_b


def test_an_expired_code_does_not_link(
    fake_telegram, companies, django_capture_on_commit_callbacks
):
    code, row = actions.do_issue_code(None, contact=companies.contact_a)
    LinkCode.objects.filter(pk=row.pk).update(expires_at=row.created_at)
    fake_telegram.user_message(CHAT, code)
    poll(django_capture_on_commit_callbacks)
    assert not TelegramChat.objects.get(chat_id=CHAT).is_linked


def test_a_new_code_retires_the_old_one(
    fake_telegram, companies, django_capture_on_commit_callbacks
):
    old, _row = actions.do_issue_code(None, contact=companies.contact_a)
    actions.do_issue_code(None, contact=companies.contact_a)
    fake_telegram.user_message(CHAT, old)
    poll(django_capture_on_commit_callbacks)
    assert not TelegramChat.objects.get(chat_id=CHAT).is_linked


def test_unlink_from_the_bot(fake_telegram, companies, django_capture_on_commit_callbacks):
    chat = link_contact(
        fake_telegram, django_capture_on_commit_callbacks, companies.contact_a, CHAT
    )
    assert chat.is_linked
    fake_telegram.user_message(CHAT, "/unlink")
    poll(django_capture_on_commit_callbacks)
    chat.refresh_from_db()
    assert not chat.is_linked
    # After unlinking, the chat is a stranger again.
    fake_telegram.user_message(CHAT, "Где моя заявка?")
    poll(django_capture_on_commit_callbacks)
    assert not Ticket.objects.exists()


def test_code_is_stored_hashed(companies):
    code, row = actions.do_issue_code(None, contact=companies.contact_a)
    assert actions.normalise_code(code) not in row.code_hash
    assert row.code_hash == actions.hash_code(code)


def test_an_ordinary_word_is_not_a_code():
    assert not actions.looks_like_code("Passport")
    assert not actions.looks_like_code("Telegram")
    assert actions.looks_like_code("k7m4-qx9a")


# ---- both ways to a code: the portal page and an email ---------------------------------------

BAD_CODE = "не подходит"


def _code_in(text: str) -> str:
    return next(word for word in text.split() if actions.looks_like_code(word))


def test_a_code_from_the_portal_page_links_the_chat(
    client, fake_telegram, companies, django_capture_on_commit_callbacks
):
    client.force_login(companies.client1)
    client.post(reverse("telegram:code"))
    page = client.get(reverse("telegram:home")).content.decode()
    code = page.split('id="link-code" class="link-code">')[1].split("<")[0]
    fake_telegram.user_message(CHAT, code)
    poll(django_capture_on_commit_callbacks)
    assert TelegramChat.objects.get(chat_id=CHAT).contact == companies.contact_a
    assert "ООО «Альфа»" in texts(fake_telegram, CHAT)[-1]  # the contact's own company


def test_a_code_from_an_email_links_the_chat(
    client, fake_telegram, staff, companies, django_capture_on_commit_callbacks
):
    """A colleague mails the code to a contact (no portal login needed); the contact sends
    the code from the mail to the bot."""
    client.force_login(staff.support)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("telegram:contact_code"), {"email": companies.contact_b.email})
    code = _code_in(mail.outbox[-1].body)
    fake_telegram.user_message(CHAT, code)
    poll(django_capture_on_commit_callbacks)
    assert TelegramChat.objects.get(chat_id=CHAT).contact == companies.contact_b
    # Single use: the same mailed code links no second chat, and says so.
    fake_telegram.user_message(CHAT + 1, code)
    poll(django_capture_on_commit_callbacks)
    assert not TelegramChat.objects.get(chat_id=CHAT + 1).is_linked
    refusal = texts(fake_telegram, CHAT + 1)[-1]
    assert BAD_CODE in refusal
    assert companies.contact_b.full_name not in refusal and "Бета" not in refusal


def test_an_emailed_code_lives_longer_than_one_on_the_page(
    fake_telegram, companies, django_capture_on_commit_callbacks
):
    """A code on the page works for a day; a mailed one for three (mail is read later)."""
    capture = django_capture_on_commit_callbacks
    day_ago = timezone.now() - dt.timedelta(hours=actions.CODE_HOURS + 1)
    page_code, _row = actions.do_issue_code(None, contact=companies.contact_a, now=day_ago)
    fake_telegram.user_message(CHAT, page_code)
    poll(capture)
    assert not TelegramChat.objects.get(chat_id=CHAT).is_linked
    assert BAD_CODE in texts(fake_telegram, CHAT)[-1]

    with capture(execute=True):
        actions.do_email_code(None, companies.contact_a, now=day_ago)
    fake_telegram.user_message(CHAT, _code_in(mail.outbox[-1].body))
    poll(capture)
    assert TelegramChat.objects.get(chat_id=CHAT).contact == companies.contact_a

    too_old = timezone.now() - dt.timedelta(hours=actions.EMAIL_CODE_HOURS + 1)
    with capture(execute=True):
        actions.do_email_code(None, companies.contact_b, now=too_old)
    fake_telegram.user_message(CHAT + 1, _code_in(mail.outbox[-1].body))
    poll(capture)
    assert not TelegramChat.objects.get(chat_id=CHAT + 1).is_linked
    assert BAD_CODE in texts(fake_telegram, CHAT + 1)[-1]


def test_wrong_used_and_expired_codes_get_one_answer_that_names_nobody(
    fake_telegram, companies, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    used, _row = actions.do_issue_code(None, contact=companies.contact_a)
    link_contact(fake_telegram, capture, companies.contact_b, CHAT + 9)  # uses another code
    fake_telegram.user_message(CHAT + 8, used)
    poll(capture)  # CHAT + 8 takes it: now it is used
    expired, row = actions.do_issue_code(None, contact=companies.contact_b)
    LinkCode.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    for code in ("ABCD-EF2H", used, expired):
        fake_telegram.sent.clear()
        fake_telegram.user_message(CHAT, code)
        poll(capture)
        (answer,) = texts(fake_telegram, CHAT)
        assert BAD_CODE in answer
        for secret in ("Альфа", "Бета", companies.contact_a.full_name, "№"):
            assert secret not in answer
    assert not TelegramChat.objects.get(chat_id=CHAT).is_linked


def test_a_contact_without_an_email_gets_no_mailed_code(companies):
    companies.contact_a.email = ""
    with pytest.raises(actions.TelegramError):
        actions.do_email_code(None, companies.contact_a)
    assert not LinkCode.objects.exists()
