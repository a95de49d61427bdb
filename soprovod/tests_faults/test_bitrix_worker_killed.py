"""The Celery worker's pool process is killed (SIGKILL) in the middle of a Bitrix24 sync
(issue 13): the nightly reconciliation has written its first page of companies and waits on
the second, which the fake portal holds. The worker is real (its own process, prefork pool,
a Redis broker of the test's own); the portal is the local fake. The job is acknowledged late
and given back when its process dies, so it runs again: the run left «running» is carried on
from its checkpoint, and every company becomes one client, none lost, none doubled."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from soprovod.bitrix.fake import FakeBitrix24
from soprovod.bitrix.models import CompanyLink, RunKind, RunStatus, SyncRun
from soprovod.bitrix.tasks import reconcile
from soprovod.clients.models import Client
from soprovod.lib.inn import generate_inn
from soprovod.tests_faults.conftest import wait_for
from soprovod.tests_faults.test_worker_killed import broker, worker  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
    pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc"),
]

COMPANIES = 130  # three pages of 50


@pytest.fixture
def portal():
    with FakeBitrix24() as fake:
        for n in range(COMPANIES):
            fake.add_company(f"Компания {n}", generate_inn(random.Random(5000 + n)))
        yield fake
        fake.release()


def test_a_sync_killed_mid_run_resumes_without_duplicates_or_lost_companies(
    portal,
    worker,  # noqa: F811 - the fixture imported above
):
    worker.env["BITRIX24_WEBHOOK_URL"] = portal.url
    arrived = portal.hold("crm.company.list", after=1)  # the second page waits
    worker.start()
    reconcile.delay()
    assert arrived.wait(timeout=90), "the sync never asked for its second page"
    run = SyncRun.objects.get()
    assert (run.status, run.company_cursor, Client.objects.count()) == (RunStatus.RUNNING, 50, 50)

    killed = worker.kill_child()  # while the worker waits on the portal
    portal.release()  # the held answer goes to a dead process
    wait_for(
        lambda: SyncRun.objects.filter(status=RunStatus.DONE).exists(),
        seconds=120,
        what="the job given back to run again and finish the sync",
    )
    assert killed not in worker.children()

    run = SyncRun.objects.get()  # the same run carried on, not a second one
    assert (run.kind, run.resumed, run.error_count) == (RunKind.NIGHTLY, 1, 0)
    assert (run.companies_seen, run.clients_created) == (COMPANIES, COMPANIES)
    assert Client.objects.count() == COMPANIES
    assert Client.objects.values("inn").distinct().count() == COMPANIES
    assert set(CompanyLink.objects.values_list("company_id", flat=True)) == set(portal.companies)
    cursors = [p["filter"][">ID"] for m, p in portal.calls if m == "crm.company.list"]
    assert cursors == [0, 50, 50, 100, 130]  # the held page asked again, page one not
