"""Redis goes away (killed, as in a crash) under a running app, on a redis-server the test
starts itself:

- a job queued while the broker is unreachable is not lost after its data committed (the
  request does not fail either): it runs at once in the process that queued it, once;
- a job queued before the crash waits in Redis (append-only file) and runs once after the
  restart, and the fallback leaves nothing behind to run a second time;
- signed-in pages still render with the cache (the same Redis) down.
"""

from __future__ import annotations

import shutil

import pytest
import redis
from django.core import mail
from django.urls import reverse

from soprovod.celery import app
from soprovod.tests_faults.services import RedisServer
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketMessage, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
]

QUEUE = "celery"  # the default queue, on the test's own Redis


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def broker(own_redis, settings):
    """The app queues its jobs on the test's Redis, for real (not eagerly)."""
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "broker_transport_options")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = own_redis.url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app.conf.task_always_eager = False
    app._pool = None  # the connection pools of the broker set before
    app.amqp._producer_pool = None
    yield redis.Redis.from_url(own_redis.url)
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    for key, value in saved.items():
        app.conf[key] = value


@pytest.fixture
def ticket(companies, settings):
    settings.SUPPORT_EMAIL = "support@example.test"
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум на въезде не реагирует на пропуск.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=CategoryFactory(),
    )


def reply(client, staff, ticket, capture, text):
    client.force_login(staff.support)
    with capture(execute=True):
        response = client.post(
            reverse("tickets:reply", args=[ticket.number]),
            {"body": text, "kind": "public", "version": ticket.version},
        )
    assert response.status_code == 302, "the reply was refused or failed"
    return TicketMessage.objects.get(body=text)


def mails_of(message: TicketMessage) -> list:
    return [m for m in mail.outbox if m.extra_headers.get("Message-ID") == message_id(message)]


def message_id(message: TicketMessage) -> str:
    from soprovod.tickets.mail import message_id_for

    return message_id_for(message)


def run_queued_jobs(own_redis) -> int:
    """What a worker does once Redis is back: take each queued job, run it, acknowledge it."""
    ran = 0
    with app.connection_for_read(own_redis.url) as connection:
        queue = connection.SimpleQueue(QUEUE)
        try:
            while True:
                try:
                    message = queue.get(block=True, timeout=1)
                except queue.Empty:
                    return ran
                args, kwargs, _embed = message.decode()
                app.tasks[message.headers["task"]].apply(args, kwargs, throw=True)
                message.ack()
                ran += 1
        finally:
            queue.close()


def test_a_reply_while_redis_is_down_is_saved_and_mailed_once(
    client, staff, ticket, own_redis, broker, django_capture_on_commit_callbacks
):
    own_redis.kill()
    message = reply(client, staff, ticket, django_capture_on_commit_callbacks, "Перезагрузите")

    message.refresh_from_db()
    assert message.email_message_id == message_id(message)
    assert len(mails_of(message)) == 1  # sent by the fallback, in the web process

    own_redis.start()  # Redis back: nothing was queued that would send it again
    assert broker.llen(QUEUE) == 0
    assert run_queued_jobs(own_redis) == 0
    assert len(mails_of(message)) == 1
    assert TicketMessage.objects.filter(body="Перезагрузите").count() == 1


def test_a_job_queued_before_a_redis_crash_runs_once_after_the_restart(
    client, staff, ticket, own_redis, broker, django_capture_on_commit_callbacks
):
    message = reply(client, staff, ticket, django_capture_on_commit_callbacks, "Проверьте питание")
    assert broker.llen(QUEUE) == 1 and mails_of(message) == []  # queued, not run here

    own_redis.kill()
    own_redis.start()
    assert broker.llen(QUEUE) == 1  # the job outlived the crash (append-only file)

    assert run_queued_jobs(own_redis) == 1
    assert len(mails_of(message)) == 1
    message.refresh_from_db()
    assert message.email_message_id == message_id(message)
    # A second delivery of the same job (a worker that died before its acknowledgement)
    # sends nothing: the message is marked as mailed.
    from soprovod.tickets.tasks import send_message

    assert send_message.apply([message.pk]).get() is False
    assert len(mails_of(message)) == 1


def test_pages_render_with_the_cache_down(client, staff, own_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    client.force_login(staff.support)
    assert client.get(reverse("tickets:queue")).status_code == 200
    own_redis.kill()
    assert client.get(reverse("tickets:queue")).status_code == 200
    assert client.get(reverse("home")).status_code == 200


def test_only_jobs_meant_to_run_now_fall_back(own_redis, broker):
    """A retry waiting for its turn and beat's periodic jobs are not run in the caller's
    process: the error is the caller's (beat logs it and sends the job at its next tick)."""
    from kombu.exceptions import OperationalError

    from soprovod.tickets.tasks import check_sla

    own_redis.kill()
    assert check_sla.delay().get()["failed"] == 0  # ran here, at once
    with pytest.raises(OperationalError):
        check_sla.apply_async(headers={"celery_beat_task": True})
    with pytest.raises(OperationalError):
        check_sla.apply_async(countdown=60)
