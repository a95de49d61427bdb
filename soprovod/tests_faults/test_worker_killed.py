"""The Celery worker's pool process is killed (SIGKILL, as the OOM killer does) in the middle
of a batch — while it hands a mail to the SMTP server, and while it renders a report. The
worker is real (its own process, prefork pool, Redis broker of the test's own), the SMTP
server too (aiosmtpd). Jobs are acknowledged late and given back when their process dies
(settings: CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST), so the job in hand
runs again: every mail arrives exactly once, and the report is produced once, complete."""

from __future__ import annotations

import asyncio
import email
import io
import shutil
import threading
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType

from soprovod.audit.models import AuditEvent
from soprovod.celery import app
from soprovod.lib.periods import Period
from soprovod.reports import actions as report_actions
from soprovod.reports.models import Report, ReportKind, ReportStatus
from soprovod.tests_faults.conftest import wait_for
from soprovod.tests_faults.services import RedisServer
from soprovod.tests_faults.worker import Worker
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketMessage, TicketType
from soprovod.tickets.tests.conftest import free_port
from soprovod.tickets.tests.factories import CategoryFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
    pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc"),
]


class HoldingSink:
    """An SMTP server that keeps what it is given, and holds the ``hold``-th mail at RCPT
    until released (the worker is killed meanwhile, so that mail is never completed)."""

    def __init__(self, hold: int) -> None:
        self.hold = hold
        self.rcpts = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self.received: list[email.message.Message] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        self.rcpts += 1
        if self.rcpts == self.hold:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.received]


@pytest.fixture
def holding_sink():
    from aiosmtpd.controller import Controller

    handler = HoldingSink(hold=3)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


@pytest.fixture
def broker(tmp_path, settings):
    """Jobs go to a redis-server of the test's own, for a worker in another process."""
    server = RedisServer(tmp_path)
    server.start()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = server.url
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    yield server
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    for key, value in saved.items():
        app.conf[key] = value
    server.kill()


@pytest.fixture
def worker(shared_database, broker, tmp_path, settings):
    settings.SUPPORT_EMAIL = "support@example.test"
    process = Worker(
        {
            "DJANGO_SETTINGS_MODULE": "soprovod.settings",
            "SECRET_KEY": "faults-worker-only",
            "DATABASE_URL": shared_database,
            "REDIS_URL": broker.url,
            "SOPROVOD_DATA_DIR": str(tmp_path / "worker-data"),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SUPPORT_EMAIL": "support@example.test",
            "DEFAULT_FROM_EMAIL": "Support <support@example.test>",
            "CELERY_TASK_ALWAYS_EAGER": "0",
        },
        tmp_path / "worker.log",
    )
    yield process
    process.stop()


def test_every_mail_of_a_batch_is_sent_exactly_once(companies, staff, holding_sink, worker):
    sink, port = holding_sink
    worker.env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)})
    ticket = actions.do_create_ticket(  # queues the acknowledgement (one mail)
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум на въезде не реагирует на пропуск.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=CategoryFactory(),
    )
    for number in range(1, 6):  # five replies: five more mails, queued before the worker runs
        actions.do_add_message(staff.support, ticket, f"Ответ №{number}")

    worker.start()
    assert sink.held.wait(timeout=90), "the third mail never reached the SMTP server"
    killed = worker.kill_child()  # mid-conversation: the third mail is never completed
    sink.release.set()

    def mailed():
        return (
            TicketMessage.objects.filter(
                ticket=ticket, from_staff=True, kind="public", email_message_id__isnull=True
            ).count()
            == 0
            and TicketMessage.objects.filter(ticket=ticket, from_staff=True).count() == 6
        )

    wait_for(mailed, seconds=90, what="every message to be mailed")
    assert killed not in worker.children()  # a new pool process did the rest
    expected = sorted(
        TicketMessage.objects.filter(ticket=ticket, from_staff=True).values_list(
            "email_message_id", flat=True
        )
    )
    assert len(set(expected)) == 6
    assert sorted(sink.message_ids()) == expected  # each once: none lost, none doubled
    assert sink.rcpts == 7  # the held attempt plus six deliveries


def test_the_report_is_produced_once_and_complete(staff, worker, settings):
    # The media folder is the whole session's: reports of the same month made by other tests
    # lie there already. Only what appears during this test is this report's.
    media = Path(settings.MEDIA_ROOT)
    before = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    worker.start()
    report = report_actions.do_request_report(
        staff.head, ReportKind.MONTHLY, Period(*_last_month())
    )  # queued after commit
    wait_for(
        lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.GENERATING).exists(),
        seconds=60,
        what="the generation to start",
    )
    worker.kill_child()
    wait_for(
        lambda: (
            Report.objects.filter(pk=report.pk).exclude(status=ReportStatus.GENERATING).exists()
        ),
        seconds=120,
        what="the report to be produced after the kill",
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.READY, report.error
    from openpyxl import load_workbook
    from pypdf import PdfReader

    with report.pdf.open("rb") as pdf:
        assert len(PdfReader(io.BytesIO(pdf.read())).pages) >= 1  # whole: it parses
    with report.xlsx.open("rb") as xlsx:
        assert load_workbook(io.BytesIO(xlsx.read())).sheetnames
    folder = Path(report.pdf.path).parent
    mine = sorted(
        p.name
        for p in folder.iterdir()
        if p.name.startswith(report.file_stem()) and p not in before
    )
    assert mine == sorted([Path(report.pdf.name).name, Path(report.xlsx.name).name])
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Report), object_id=str(report.pk)
    )
    ready = [e for e in events if e.changes.get("status") == [None, ReportStatus.READY]]
    assert len(ready) == 1  # produced once


def _last_month():
    import datetime as dt

    from django.utils import timezone

    first = timezone.localdate().replace(day=1)
    end = first - dt.timedelta(days=1)
    return end.replace(day=1), end
