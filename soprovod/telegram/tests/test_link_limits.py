"""Guessing a link code: a chat that sent five wrong codes is told, in Russian, how long to
wait, and no code is looked at meanwhile — a right one neither; after the wait a right code
links. Other chats are not held up by one chat's guesses, until all chats together send
more wrong codes in an hour than people ever mistype (a run from many accounts)."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.utils import timezone

from soprovod.telegram import actions
from soprovod.telegram.models import TelegramChat
from soprovod.telegram.tests.helpers import poll, texts

CHAT = 556001
OTHER = 556002
WRONG = ["ABCD-EF2H", "ABCD-EF3H", "ABCD-EF4H", "ABCD-EF5H", "ABCD-EF6H"]
WAIT = re.compile(r"Попробуйте снова через (\d+) минут")


def send(fake, capture, chat_id, text) -> str:
    fake.sent.clear()
    fake.user_message(chat_id, text)
    poll(capture)
    [answer] = texts(fake, chat_id)
    return answer


def test_five_wrong_codes_make_the_chat_wait_and_a_right_code_links_after_it(
    fake_telegram, companies, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    code, _row = actions.do_issue_code(None, contact=companies.contact_a)
    answers = [send(fake_telegram, capture, CHAT, wrong) for wrong in WRONG]
    assert all("не подходит" in answer for answer in answers)
    assert not any(WAIT.search(answer) for answer in answers[:4])
    minutes = int(WAIT.search(answers[4]).group(1))
    assert 1 <= minutes <= 15
    # Meanwhile the right code is not looked at: the chat stays unlinked, the code unused.
    answer = send(fake_telegram, capture, CHAT, code)
    assert answer.startswith("Слишком много неверных кодов.")
    assert WAIT.search(answer)
    assert not TelegramChat.objects.get(chat_id=CHAT).is_linked
    # Another chat is not held up by this one's guesses.
    other_code, _row = actions.do_issue_code(None, contact=companies.contact_b)
    assert "привязан" in send(fake_telegram, capture, OTHER, other_code)
    # After the wait the right code links.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert "привязан" in send(fake_telegram, capture, CHAT, code)
    assert TelegramChat.objects.get(chat_id=CHAT).contact == companies.contact_a


def test_four_wrong_codes_do_not_stop_a_right_one(
    fake_telegram, companies, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    code, _row = actions.do_issue_code(None, contact=companies.contact_a)
    for wrong in WRONG[:4]:
        send(fake_telegram, capture, CHAT, wrong)
    assert "привязан" in send(fake_telegram, capture, CHAT, code)


def test_many_chats_guessing_together_pause_linking_for_everyone_for_the_hour(
    fake_telegram, companies, settings, django_capture_on_commit_callbacks
):
    settings.TELEGRAM_LINK_ATTEMPTS_PER_HOUR = 3
    capture = django_capture_on_commit_callbacks
    for offset, wrong in enumerate(WRONG[:3]):
        send(fake_telegram, capture, 557000 + offset, wrong)
    code, _row = actions.do_issue_code(None, contact=companies.contact_a)
    answer = send(fake_telegram, capture, CHAT, code)
    assert answer.startswith("Слишком много неверных кодов.")
    assert 1 <= int(WAIT.search(answer).group(1)) <= 60
    assert not TelegramChat.objects.get(chat_id=CHAT).is_linked
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        assert "привязан" in send(fake_telegram, capture, CHAT, code)
