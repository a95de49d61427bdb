from __future__ import annotations

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
