"""Each update is handled exactly once: committed before it is acknowledged. Both crash
points: during the handling (nothing committed: it comes again and is handled then), and
after the commit but before the acknowledgement (it comes again and is skipped)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.models.signals import post_save
from django.urls import reverse

from soprovod.telegram import bot, intake, outbox
from soprovod.telegram.models import PollState, ProcessedUpdate
from soprovod.telegram.tests.helpers import link_contact, poll, portal_ticket, texts
from soprovod.tickets.models import TicketMessage

CHAT = 900001


@pytest.fixture
def ticket(fake_telegram, companies, django_capture_on_commit_callbacks):
    link_contact(fake_telegram, django_capture_on_commit_callbacks, companies.contact_a, CHAT)
    return portal_ticket(companies, "Шлагбаум")


@pytest.fixture
def database_dies_on(db):
    """The database connection is lost while a client's message is being written (a real
    receiver of the real signal; the update's transaction then rolls back)."""
    bodies: set[str] = set()

    def crash(sender, instance, created, **kwargs):
        if created and instance.body in bodies:
            raise OperationalError("server closed the connection unexpectedly")

    post_save.connect(crash, sender=TicketMessage, dispatch_uid="test.crash")
    yield bodies
    post_save.disconnect(sender=TicketMessage, dispatch_uid="test.crash")


def _client_messages(ticket, body):
    return ticket.messages.filter(body=body, from_staff=False).count()


def test_a_crash_while_handling_loses_nothing(
    fake_telegram, ticket, database_dies_on, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake_telegram.user_message(CHAT, "первое")
    second = fake_telegram.user_message(CHAT, "второе")
    database_dies_on.add("второе")
    with pytest.raises(OperationalError):
        poll(capture)
    # The first update committed and the cursor is past it; the second left no trace.
    assert _client_messages(ticket, "первое") == 1
    assert _client_messages(ticket, "второе") == 0
    assert not ProcessedUpdate.objects.filter(update_id=second["update_id"]).exists()
    assert PollState.objects.get().offset == second["update_id"]
    # The worker comes back: the second update is delivered again and handled, once.
    database_dies_on.clear()
    poll(capture)
    assert _client_messages(ticket, "первое") == 1
    assert _client_messages(ticket, "второе") == 1
    poll(capture)  # acknowledges it
    assert fake_telegram.pending() == []


def test_a_crash_after_commit_before_acknowledging_doubles_nothing(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    update = fake_telegram.user_message(CHAT, "один раз")
    # The worker takes the update and commits it, then dies before the next getUpdates
    # (which would acknowledge it): the cursor it stored is lost with it too.
    taken = [u for u in bot.get_updates(offset=0) if u["update_id"] == update["update_id"]]
    with capture(execute=True):
        assert intake.handle_update(taken[0], polling=True) == "reply"
    PollState.objects.update(offset=0)
    assert update in fake_telegram.pending()
    # Telegram delivers it again; the stored update_id skips it.
    result = poll(capture)
    assert result.handled == 0 and result.duplicates == result.fetched >= 1
    assert _client_messages(ticket, "один раз") == 1
    poll(capture)
    assert fake_telegram.pending() == []


def test_the_offset_acknowledges_only_committed_updates(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = fake_telegram.user_message(CHAT, "a")
    poll(capture)
    assert PollState.objects.get().offset == first["update_id"] + 1
    assert first in fake_telegram.pending()  # not acknowledged until the next call
    poll(capture)
    assert first not in fake_telegram.pending()


def test_a_failed_download_is_tried_again(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake_telegram.fail_next("getFile", 502, description="Bad Gateway")
    update = fake_telegram.user_photo(CHAT, b"\xff\xd8PHOTO", caption="фото")
    with pytest.raises(bot.TelegramError):
        poll(capture)
    assert not ProcessedUpdate.objects.filter(update_id=update["update_id"]).exists()
    poll(capture)
    message = ticket.messages.get(body="фото")
    assert message.attachments.count() == 1


# ---- the webhook ---------------------------------------------------------------------------


@pytest.fixture
def webhook(fake_telegram, settings):
    settings.TELEGRAM_WEBHOOK_URL = "https://soprovod.example/telegram/webhook/"
    settings.TELEGRAM_WEBHOOK_SECRET = "s3cret-Token_1"
    return reverse("telegram:webhook")


def _post(client, url, update, secret="s3cret-Token_1"):  # noqa: S107 - a test secret
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(url, json.dumps(update), content_type="application/json", headers=headers)


def test_webhook_takes_an_update_once(
    client, fake_telegram, ticket, webhook, django_capture_on_commit_callbacks
):
    update = {
        "update_id": 424201,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Иван"},
            "text": "по вебхуку",
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, webhook, update)
        again = _post(client, webhook, update)  # Telegram retries it
    assert first.status_code == 200 and first.json()["outcome"] == "reply"
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert _client_messages(ticket, "по вебхуку") == 1


def test_webhook_refuses_a_wrong_or_missing_secret(client, fake_telegram, ticket, webhook):
    update = {"update_id": 1, "message": {"chat": {"id": CHAT, "type": "private"}, "text": "x"}}
    assert _post(client, webhook, update, secret="wrong").status_code == 403
    assert _post(client, webhook, update, secret=None).status_code == 403
    assert not ProcessedUpdate.objects.filter(update_id=1).exists()


def test_webhook_answers_500_when_the_database_fails(
    client, fake_telegram, ticket, webhook, database_dies_on, django_capture_on_commit_callbacks
):
    update = {
        "update_id": 424202,
        "message": {
            "message_id": 2,
            "date": 0,
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Иван"},
            "text": "сбой",
        },
    }
    database_dies_on.add("сбой")
    assert _post(client, webhook, update).status_code == 500  # Telegram sends it again
    database_dies_on.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, webhook, update).status_code == 200
    assert _client_messages(ticket, "сбой") == 1


def test_webhook_is_off_without_a_public_url(client, fake_telegram, settings):
    settings.TELEGRAM_WEBHOOK_URL = ""
    response = client.post(reverse("telegram:webhook"), "{}", content_type="application/json")
    assert response.status_code == 404


def test_polling_stays_off_with_a_webhook(
    fake_telegram, webhook, django_capture_on_commit_callbacks
):
    fake_telegram.user_message(CHAT, "x")
    assert poll(django_capture_on_commit_callbacks).fetched == 0
    assert "getUpdates" not in fake_telegram.calls


def test_webhook_command_registers_the_secret(fake_telegram, webhook):
    from django.core.management import call_command

    call_command("telegram", "webhook")
    assert fake_telegram.webhook == {
        "url": "https://soprovod.example/telegram/webhook/",
        "secret_token": "s3cret-Token_1",
    }


def test_a_file_telegram_will_not_hand_over_does_not_block_the_updates(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    """A 400 from getFile (the file is gone, or over the Bot API's download limit) comes back
    the same every time: the file is named as refused and the message and the updates after
    it go through, instead of the poller stopping at it for ever."""
    capture = django_capture_on_commit_callbacks
    fake_telegram.fail_next("getFile", 400, description="Bad Request: file is too big")
    fake_telegram.user_document(CHAT, b"%PDF", "scan.pdf", "application/pdf", caption="скан")
    fake_telegram.user_message(CHAT, "и ещё")
    poll(capture)
    assert ticket.messages.get(body="скан").attachments.count() == 0
    assert _client_messages(ticket, "и ещё") == 1
    refusal = next(t for t in texts(fake_telegram, CHAT) if "не приняты" in t)
    assert "scan.pdf" in refusal and "почт" in refusal


@pytest.fixture
def code_fails_on(db):
    """Handling a client's message fails for a reason of its own (a real receiver of the
    real signal raises what a bug would), every time it is tried."""
    bodies: set[str] = set()

    def fail(sender, instance, created, **kwargs):
        if created and instance.body in bodies:
            raise ValueError("something in this message the code cannot handle")

    post_save.connect(fail, sender=TicketMessage, dispatch_uid="test.bug")
    yield bodies
    post_save.disconnect(sender=TicketMessage, dispatch_uid="test.bug")


def test_an_update_that_always_fails_is_passed_after_a_few_tries(
    fake_telegram, ticket, code_fails_on, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    code_fails_on.add("ломает")
    broken = fake_telegram.user_message(CHAT, "ломает")
    fake_telegram.user_message(CHAT, "следом")
    for _try in range(intake.MAX_FAILURES - 1):
        with pytest.raises(ValueError):
            poll(capture)
        # Nothing of it committed, nothing after it handled, nothing acknowledged.
        assert not ProcessedUpdate.objects.filter(update_id=broken["update_id"]).exists()
        assert _client_messages(ticket, "следом") == 0
        assert broken in fake_telegram.pending()
    poll(capture)  # the last try: recorded as failed, and the queue moves on
    assert ProcessedUpdate.objects.get(update_id=broken["update_id"]).outcome == "failed"
    assert _client_messages(ticket, "ломает") == 0
    assert _client_messages(ticket, "следом") == 1
    assert any("пришлите его ещё раз" in text for text in texts(fake_telegram, CHAT))
    poll(capture)
    assert fake_telegram.pending() == []
    # The operator sees it.
    out = io.StringIO()
    call_command("telegram", "status", stdout=out)
    assert f"updates given up after {intake.MAX_FAILURES} failures: 1" in out.getvalue()


def test_a_database_outage_is_never_given_up_on(
    fake_telegram, ticket, database_dies_on, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    database_dies_on.add("в аварию")
    update = fake_telegram.user_message(CHAT, "в аварию")
    for _try in range(intake.MAX_FAILURES + 1):
        with pytest.raises(OperationalError):
            poll(capture)
    assert not ProcessedUpdate.objects.filter(update_id=update["update_id"]).exists()
    database_dies_on.clear()
    poll(capture)
    assert _client_messages(ticket, "в аварию") == 1


def test_polling_is_the_default_and_clears_a_webhook_left_from_before(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    """No TELEGRAM_WEBHOOK_URL: updates come by long polling. A webhook still registered
    with Telegram (the public URL was removed from the settings) would make Telegram refuse
    getUpdates for ever; the poller removes it and takes the updates."""
    from django.core.management import call_command

    fake_telegram.webhook = {"url": "https://old.example/telegram/webhook/", "secret_token": "x"}
    fake_telegram.user_message(CHAT, "после вебхука")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("telegram", "poll", "--once", "--timeout", "0", stdout=io.StringIO())
    assert fake_telegram.webhook is None
    assert "deleteWebhook" in fake_telegram.calls
    assert _client_messages(ticket, "после вебхука") == 1


def test_answers_committed_with_an_update_go_out_once_even_if_their_job_is_lost(
    fake_telegram, ticket, django_capture_on_commit_callbacks
):
    """The worker dies after the update committed and before the job that sends the bot's
    answer ran: the answer is in the queue, and the sweep sends it, once."""
    fake_telegram.sent.clear()
    fake_telegram.user_message(CHAT, "без ответа?")
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        intake.poll_once(0)
    assert jobs  # the send job was due on commit, and is lost with the worker
    assert _client_messages(ticket, "без ответа?") == 1
    assert fake_telegram.sent_to(CHAT) == []
    assert outbox.flush() == 1
    assert outbox.flush() == 0
    (answer,) = texts(fake_telegram, CHAT)
    assert f"№{ticket.pk}" in answer
