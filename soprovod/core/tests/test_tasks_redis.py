"""With REDIS_URL set (production and the PostgreSQL + Redis CI run), background jobs really
travel through the Redis broker to a worker: not eager, not in the caller's thread."""

import datetime as dt
import threading
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections
from django.utils import timezone

from soprovod.celery import app
from soprovod.sla import clocks
from soprovod.sla.models import Metric, SlaClock
from soprovod.tickets.models import Escalation
from soprovod.tickets.tasks import check_sla as check
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = [
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="REDIS_URL is not set: the embedded (SQLite, file broker) run has no Redis",
    ),
    # The worker thread has its own database connection: it sees committed data only.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis_worker(settings):
    """An in-process worker (solo pool) consuming a queue of its own on the real broker."""
    # Read before changing the settings: the app's configuration is loaded lazily, so read
    # afterwards it would already say False and later tests would queue jobs nobody runs.
    saved = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False  # the app read the settings once; override it too
    assert app.conf.broker_url.startswith("redis")
    queue = f"soprovod-test-{uuid.uuid4().hex}"
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
            yield queue
    finally:
        app.conf.task_always_eager = saved
        # Leave the shared Redis database as we found it: the queue and its binding keys.
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)


def test_sla_check_runs_in_a_worker_through_redis(redis_worker):
    ticket = TicketFactory(created_at=timezone.now() - dt.timedelta(days=30))
    clocks.start_clocks(ticket, now=ticket.created_at)
    finished = threading.Event()
    seen = {}
    task_id = str(uuid.uuid4())

    def on_finished(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs):
        if task_id != seen["id"]:
            return
        seen.update(
            state=state,
            retval=retval,
            thread=threading.get_ident(),
            eager=task.request.is_eager,
            queue=(task.request.delivery_info or {}).get("routing_key"),
        )
        connections.close_all()  # the worker thread's own connections
        finished.set()

    seen["id"] = task_id
    task_postrun.connect(on_finished, weak=False)
    try:
        check.apply_async(queue=redis_worker, task_id=task_id)
        assert finished.wait(timeout=60), "the worker did not run the task"
    finally:
        task_postrun.disconnect(on_finished)

    assert seen["state"] == "SUCCESS"
    assert seen["eager"] is False and seen["thread"] != threading.get_ident()
    assert seen["queue"] == redis_worker
    assert seen["retval"]["breaches"] >= 2  # first response and resolution, long overdue
    first = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert Escalation.objects.filter(
        key=f"sla:{first.pk}:{int(first.due_at.timestamp())}:head"
    ).exists()
