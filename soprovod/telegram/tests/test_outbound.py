"""Staff replies reach the client's Telegram through the tickets' outbound job, once; 429s
wait their retry_after; internal notes never leave; ratings count in CSAT."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from soprovod.surveys.models import SurveyLink
from soprovod.telegram import outbox
from soprovod.telegram.models import OutgoingMessage
from soprovod.telegram.tests.helpers import link_contact, poll, portal_ticket
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets import outbound
from soprovod.tickets.models import TicketStatus

CHAT = 800001


@pytest.fixture
def ticket(fake_telegram, companies, django_capture_on_commit_callbacks):
    link_contact(fake_telegram, django_capture_on_commit_callbacks, companies.contact_a, CHAT)
    fake_telegram.sent.clear()
    return portal_ticket(companies, "Шлагбаум")


def test_a_staff_reply_goes_to_telegram_and_by_mail(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_actions.do_add_message(staff.support, ticket, "Перезагрузите контроллер")
    sent = fake_telegram.sent_to(CHAT)
    assert len(sent) == 1
    assert "Перезагрузите контроллер" in sent[0]["text"] and f"№{ticket.pk}" in sent[0]["text"]
    row = OutgoingMessage.objects.get(ticket_message=message)
    assert row.status == OutgoingMessage.Status.SENT
    assert row.telegram_message_id == sent[0]["message_id"]
    assert any("Перезагрузите контроллер" in m.body for m in mail.outbox)  # mail as before


def test_internal_notes_never_leave(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_actions.do_add_message(staff.support, ticket, "Клиент путает КПП", internal=True)
    assert fake_telegram.sent_to(CHAT) == []
    assert not OutgoingMessage.objects.filter(ticket=ticket).exists()


def test_the_job_run_again_sends_nothing_twice(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    from soprovod.tickets import tasks

    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_actions.do_add_message(staff.support, ticket, "Готово")
    tasks.send_message.delay(message.pk)
    outbox.flush()
    assert len(fake_telegram.sent_to(CHAT)) == 1


def test_a_429_waits_its_retry_after_then_sends(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    fake_telegram.fail_next("sendMessage", 429, retry_after=7)
    now = timezone.now()
    message = ticket_actions.do_add_message(staff.support, ticket, "Ответ")
    row = OutgoingMessage.objects.get(ticket_message=message)
    with pytest.raises(outbound.RetryLater) as waited:
        outbox.deliver_ticket_message(message.pk)
    assert waited.value.seconds == 7
    row.refresh_from_db()
    assert row.status == OutgoingMessage.Status.PENDING
    assert row.next_attempt_at >= now + dt.timedelta(seconds=7)
    assert fake_telegram.sent_to(CHAT) == []
    # Too early: the sweep leaves it; after the wait it goes, once.
    assert outbox.flush(now) == 0
    assert outbox.flush(row.next_attempt_at + dt.timedelta(seconds=1)) == 1
    assert len(fake_telegram.sent_to(CHAT)) == 1


def test_the_outbound_job_retries_on_429(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    """Through the tickets' own job: it asks to run again after retry_after; run again
    then, it sends the Telegram message once and does not mail twice."""
    import time_machine
    from celery.exceptions import Retry

    from soprovod.tickets import tasks

    fake_telegram.fail_next("sendMessage", 429, retry_after=4)
    with pytest.raises(Retry) as retry, django_capture_on_commit_callbacks(execute=True):
        message = ticket_actions.do_add_message(staff.support, ticket, "Ответ после 429")
    assert retry.value.when == 4
    message = ticket.messages.get(body="Ответ после 429")
    assert fake_telegram.sent_to(CHAT) == []
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        tasks.send_message.delay(message.pk)
    assert len(fake_telegram.sent_to(CHAT)) == 1
    row = OutgoingMessage.objects.get(ticket_message=message)
    assert row.status == OutgoingMessage.Status.SENT and row.attempts == 2
    assert sum("Ответ после 429" in m.body for m in mail.outbox) == 1  # mailed once


def test_files_of_a_reply_are_sent_as_documents(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("инструкция.pdf", b"%PDF-1.4", "application/pdf")
    fake_telegram.fail_next("sendDocument", 429, retry_after=2)
    message = ticket_actions.do_add_message(
        staff.support, ticket, "Инструкция", attachments=[upload]
    )
    with pytest.raises(outbound.RetryLater):
        outbox.deliver_ticket_message(message.pk)
    row = OutgoingMessage.objects.get(ticket_message=message)
    assert row.parts_sent == 1  # the text went; the file waits
    outbox.flush(timezone.now() + dt.timedelta(seconds=5))
    methods = [item["method"] for item in fake_telegram.sent_to(CHAT)]
    assert methods == ["sendMessage", "sendDocument"]  # the text once, then the file
    assert fake_telegram.sent_to(CHAT)[1]["content"] == b"%PDF-1.4"


def test_a_chat_that_blocked_the_bot_fails_without_retrying(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    fake_telegram.fail_next(
        "sendMessage", 403, description="Forbidden: bot was blocked by the user"
    )
    message = ticket_actions.do_add_message(staff.support, ticket, "Ответ")
    outbox.deliver_ticket_message(message.pk)
    row = OutgoingMessage.objects.get(ticket_message=message)
    assert row.status == OutgoingMessage.Status.FAILED
    assert "blocked" in row.last_error


def test_rating_buttons_count_in_csat(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        ticket_actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    notice = fake_telegram.sent_to(CHAT)[-1]
    assert "решено" in notice["text"]
    scores = [button[1] for button in notice["buttons"][0]]
    assert len(scores) == 5
    fake_telegram.user_callback(CHAT, scores[3], message_id=notice["message_id"])
    poll(capture)
    ticket.refresh_from_db()
    assert ticket.csat_score == 4
    # Through the surveys' rating link: it is used, so CSAT counts it once.
    link = SurveyLink.objects.get(ticket=ticket, kind=SurveyLink.Kind.CSAT)
    assert link.used_at is not None
    fake_telegram.user_callback(CHAT, scores[0], message_id=notice["message_id"])
    poll(capture)
    ticket.refresh_from_db()
    assert ticket.csat_score == 4
    assert "уже оценено" in fake_telegram.sent_to(CHAT)[-1]["text"]


def test_another_companys_rating_button_does_nothing(
    fake_telegram, ticket, companies, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    theirs = portal_ticket(companies, "Чужое", company="b")
    with capture(execute=True):
        ticket_actions.do_change_status(staff.support, theirs, TicketStatus.RESOLVED)
    notice = theirs.messages.get(source="resolution")
    fake_telegram.user_callback(CHAT, f"rate:{notice.pk}:1")
    poll(capture)
    theirs.refresh_from_db()
    assert theirs.csat_score is None


def test_the_acknowledgement_is_not_repeated_in_telegram(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    from soprovod.tickets import mail as ticket_mail

    with django_capture_on_commit_callbacks(execute=True):
        ticket_mail.acknowledge(ticket.pk)
    assert fake_telegram.sent_to(CHAT) == []


def test_a_ticket_reopened_since_cannot_be_rated_until_resolved_again(
    fake_telegram, ticket, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        ticket_actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    notice = fake_telegram.sent_to(CHAT)[-1]
    fake_telegram.user_message(CHAT, "Снова не работает", reply_to=notice["message_id"])
    poll(capture)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    # The old notice's button: refused, with the reason, and nothing counted in CSAT.
    fake_telegram.user_callback(CHAT, notice["buttons"][0][4][1], message_id=notice["message_id"])
    poll(capture)
    ticket.refresh_from_db()
    assert ticket.csat_score is None
    assert not SurveyLink.objects.filter(ticket=ticket, used_at__isnull=False).exists()
    answer = fake_telegram.sent_to(CHAT)[-1]["text"]
    assert f"№{ticket.pk}" in answer and "только решённое" in answer
    # Resolved again: the new notice's buttons count.
    with capture(execute=True):
        ticket_actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    again = fake_telegram.sent_to(CHAT)[-1]
    fake_telegram.user_callback(CHAT, again["buttons"][0][4][1], message_id=again["message_id"])
    poll(capture)
    ticket.refresh_from_db()
    assert ticket.csat_score == 5


def test_the_bots_own_answers_wait_out_a_429_too(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    """An answer to an update (not a staff reply) goes through the same queue: its job asks
    to run again after retry_after, and the sweep sends it only once the wait is over."""
    from celery.exceptions import Retry

    fake_telegram.fail_next("sendMessage", 429, retry_after=9)
    update = fake_telegram.user_message(CHAT, "/help")
    with pytest.raises(Retry) as retry:
        poll(django_capture_on_commit_callbacks)
    assert retry.value.when == 9
    row = OutgoingMessage.objects.get(key__startswith=f"upd:{update['update_id']}:")
    assert row.status == OutgoingMessage.Status.PENDING and row.attempts == 1
    assert fake_telegram.sent_to(CHAT) == []
    asked = fake_telegram.calls.count("sendMessage")
    assert outbox.flush(row.next_attempt_at - dt.timedelta(seconds=1)) == 0
    assert fake_telegram.calls.count("sendMessage") == asked  # not asked again before the wait
    assert outbox.flush(row.next_attempt_at) == 1
    assert "/new" in fake_telegram.sent_to(CHAT)[0]["text"]
