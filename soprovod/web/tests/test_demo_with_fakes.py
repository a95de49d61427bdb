"""The demo with fakes (`soprovod demo --with-fakes`, soprovod/web/fakes.py): both fakes
answer, the app is pointed at them for the run only, «Sync now» runs a real sync against the
seeded portal, and a conversation typed in the chat page becomes a ticket whose staff reply
shows up in the page. Everything here goes over real HTTP to the fakes on 127.0.0.1."""

from __future__ import annotations

import os

import httpx
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import CommandError, call_command

from soprovod.bitrix.client import Portal
from soprovod.bitrix.models import Conflict, RunStatus, SyncRun
from soprovod.clients.models import Client
from soprovod.clients.tests.factories import ClientFactory
from soprovod.handoffs.models import Handoff
from soprovod.telegram import intake
from soprovod.telegram.actions import hash_code
from soprovod.telegram.models import LinkCode, TelegramChat
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Ticket
from soprovod.web import fakes as demo_fakes

pytestmark = pytest.mark.django_db


@pytest.fixture
def fakes(companies):
    started = demo_fakes.start_fakes(delay=0)
    try:
        with demo_fakes.pointed_at(started):
            cache.delete(intake.POLL_LOCK)
            yield started
    finally:
        started.stop()


def chat_page(fakes, path: str, body: dict | None = None) -> httpx.Response:
    url = fakes.telegram.base_url + path
    answer = httpx.post(url, json=body, timeout=5) if body is not None else httpx.get(url)
    assert answer.status_code == 200, (path, answer.text)
    return answer


def poll(capture) -> None:
    """What the worker's polling job does, with the outbound jobs it queues run too."""
    with capture(execute=True):
        intake.poll_once(0)


def test_both_fakes_answer_and_only_this_run_is_pointed_at_them(fakes, companies):
    assert os.environ["BITRIX24_WEBHOOK_URL"] == fakes.portal.url
    assert os.environ["TELEGRAM_API_BASE_URL"] == fakes.telegram.base_url
    assert django_settings.TELEGRAM_BOT_TOKEN == demo_fakes.BOT_TOKEN
    # The portal serves its companies; the chat page is there and plays the first contact.
    assert Portal.from_settings().count("crm.company.list") == fakes.expected["companies"]
    page = chat_page(fakes, "/chat/").text
    assert companies.contact_a.full_name in page and "<script>" in page
    # The contact was not linked: the page sent the one-time code as its first message.
    sent = chat_page(fakes, "/chat/transcript").json()[-1]
    assert sent["who"] == "me"
    assert LinkCode.objects.filter(code_hash=hash_code(sent["text"]), used_at=None).exists()


def test_nothing_is_left_pointed_at_the_fakes_afterwards(companies):
    before = {name: os.environ.get(name) for name in ("BITRIX24_WEBHOOK_URL", "TELEGRAM_BOT_TOKEN")}
    started = demo_fakes.start_fakes(delay=0)
    url = started.portal.url
    with demo_fakes.pointed_at(started):
        assert url == django_settings.BITRIX24_WEBHOOK_URL
    started.stop()
    assert url != django_settings.BITRIX24_WEBHOOK_URL
    assert {name: os.environ.get(name) for name in before} == before


def test_sync_now_on_the_log_page_runs_against_the_seeded_portal(fakes, staff, client):
    client.force_login(staff.head)
    assert client.post("/bitrix/sync/").status_code == 302
    run = SyncRun.objects.get()
    assert run.status == RunStatus.DONE and run.error_count == 0
    assert run.companies_seen == fakes.expected["companies"]
    assert run.clients_created == 2  # the two new companies with a valid INN
    assert run.clients_updated == 1  # the second client, renamed in the CRM
    assert Client.objects.filter(name="ООО «УК Новый горизонт»").exists()
    assert run.conflicts == Conflict.objects.count() == fakes.expected["conflicts"]
    assert run.handoffs_created == Handoff.objects.count() == fakes.expected["won_deals"]
    assert f'data-pk="{run.pk}"' in client.get("/bitrix/").content.decode()
    # The next start seeds the same portal: a second sync finds everything in place.
    fakes.stop()
    again = demo_fakes.start_fakes(delay=0)
    try:
        with demo_fakes.pointed_at(again):
            client.post("/bitrix/sync/")
    finally:
        again.stop()
    second = SyncRun.objects.latest("pk")
    assert second.status == RunStatus.DONE and second.companies_seen == run.companies_seen
    assert (second.clients_created, second.clients_updated, second.handoffs_created) == (0, 0, 0)
    assert Conflict.objects.count() == fakes.expected["conflicts"]


def test_the_log_page_follows_a_running_sync(staff, client):
    client.force_login(staff.head)
    run = SyncRun.objects.create(kind="manual", started_by=staff.head)
    assert 'http-equiv="refresh"' in client.get("/bitrix/").content.decode()
    run.status = RunStatus.DONE
    run.save()
    assert 'http-equiv="refresh"' not in client.get("/bitrix/").content.decode()


def test_a_chat_page_conversation_becomes_a_ticket_and_the_reply_shows_up(
    fakes, companies, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    poll(capture)  # the code the page sent links the chat
    chat = TelegramChat.objects.get(chat_id=fakes.telegram.chat_id)
    assert chat.contact == companies.contact_a
    chat_page(fakes, "/chat/send", {"text": "/new"})
    chat_page(fakes, "/chat/send", {"text": "Не печатаются пропуска\nПринтер на КПП-2 молчит."})
    poll(capture)
    asked = [m for m in chat_page(fakes, "/chat/transcript").json() if m.get("buttons")][-1]
    label, data = next(b for row in asked["buttons"] for b in row if b[1].endswith(":standard"))
    chat_page(
        fakes, "/chat/press", {"data": data, "label": label, "message_id": asked["message_id"]}
    )
    poll(capture)
    ticket = Ticket.objects.get(channel=Channel.TELEGRAM)
    assert ticket.subject == "Не печатаются пропуска"
    assert ticket.contact == companies.contact_a
    with capture(execute=True):
        ticket_actions.do_add_message(staff.support, ticket, "Проверьте ленту принтера.")
    shown = chat_page(fakes, "/chat/transcript").json()
    assert any(m["who"] == "bot" and "Проверьте ленту принтера." in m["text"] for m in shown)
    assert [m["text"] for m in shown if m["who"] == "me"][-1] == f"[{label}]"


def test_the_chat_page_refuses_an_empty_message(fakes):
    answer = httpx.post(fakes.telegram.base_url + "/chat/send", json={"text": " "}, timeout=5)
    assert answer.status_code == 400
    assert fakes.telegram.pending()[-1]["message"]["text"] != " "


def test_with_fakes_refuses_a_database_that_is_not_the_demo(settings):
    settings.DEBUG = True  # the embedded demo
    ClientFactory()  # a real client, no demo logins
    with pytest.raises(CommandError, match="needs the demo data"):
        call_command("demo", "--with-fakes")
    with pytest.raises(CommandError, match="goes with --with-fakes"):
        call_command("demo", "--check")


def test_the_instructions_say_where_to_go_as_whom_and_who_the_chat_plays(fakes, companies, staff):
    text = demo_fakes.instructions(fakes, "http://127.0.0.1:8000")
    assert fakes.telegram.chat_url in text and "http://127.0.0.1:8000/bitrix/" in text
    assert "«head»" in text and "«support»" in text
    assert companies.contact_a.full_name in text and companies.a.name in text
