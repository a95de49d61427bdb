"""Benchmark: development's inbox and the KPI document with many requests (PostgreSQL).

    python bench/devrequests.py            # 2,000 requests: fast, for `make bench`
    DEVREQUESTS_BENCH_N=50000 python bench/devrequests.py   # issue 10: 50,000 requests

Creates its own database (``soprovod_bench_devrequests`` on postgres://postgres@127.0.0.1:5432,
or the one ``BENCH_DATABASE_URL`` names), dropped and recreated on every run, migrates it and
bulk-loads: 400 clients, one ticket per request (a tenth emergencies, 12 categories), and
the requests over the last twelve months — each linked to its ticket and client, a third to
a second client, with one agreement round each (most decided within 48 hours, some late,
the recent ones open: about a tenth of all requests sit in the inbox).

The load happens in two steps, a tenth first. After each, it counts the queries of the inbox
page (``/devrequests/`` for a development user, rendered by Django's test client) and of the
KPI document of last month: the counts must not grow with the data (exit 1 if they do).

Then, best of five after a warm-up, each timed against the **baseline** — one plain scan of
every request, ``SELECT status, count(*) FROM devrequests_devrequest GROUP BY status`` — and
printed as a multiple of it (lower is better):

    devrequests.inbox: 3.1x
    devrequests.kpi: 1.2x

Absolute times and query counts go to stderr. Not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import datetime as dt  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402

from bench._common import bench_url, log, recreate, setup_django  # noqa: E402

BENCH_DB = "soprovod_bench_devrequests"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
REQUESTS = int(os.environ.get("DEVREQUESTS_BENCH_N", "2000"))
CLIENTS = 400
REPEATS = 5
SEED = 2026
BASELINE_SQL = "SELECT status, count(*) FROM devrequests_devrequest GROUP BY status"


# ---- data ------------------------------------------------------------------------------------


def create_base(rng: random.Random) -> dict:
    from django.utils import timezone

    from soprovod.accounts.models import User, UserRole
    from soprovod.clients.models import Client
    from soprovod.tickets.models import Category

    def person(username: str, role: str) -> User:
        user = User.objects.create(username=username, first_name=username.title())
        UserRole.objects.create(user=user, role=role)
        return user

    dev = person("bench-dev", "development")
    person("bench-support", "support_manager")
    today = timezone.localdate()
    clients = Client.objects.bulk_create(
        Client(
            name=f"Клиент {i}",
            inn=f"{7700000000 + i}",
            mrr_rub=Decimal(rng.choice((15000, 40000, 90000, 250000))),
            status="active",
            contract_start=today - dt.timedelta(days=900),
        )
        for i in range(CLIENTS)
    )
    categories = Category.objects.bulk_create(Category(name=f"Категория {i}") for i in range(12))
    return {"dev": dev, "clients": clients, "categories": categories}


def load(rng: random.Random, base: dict, count: int, now: dt.datetime) -> None:
    """``count`` more requests, each with its ticket, links and one round."""
    from soprovod.devrequests.models import AgreementRound, DevRequest
    from soprovod.tickets.models import Ticket

    clients, categories = base["clients"], base["categories"]
    span = 365 * 24 * 3600
    created = [now - dt.timedelta(seconds=rng.randrange(span)) for _ in range(count)]
    tickets = Ticket.objects.bulk_create(
        (
            Ticket(
                client=rng.choice(clients),
                category=rng.choice(categories),
                type="emergency" if rng.random() < 0.1 else "standard",
                subject=f"Обращение {i}",
                status="closed",
                created_at=at - dt.timedelta(days=rng.randint(0, 10)),
            )
            for i, at in enumerate(created)
        ),
        batch_size=5000,
    )
    requests, rounds = [], []
    for ticket, at in zip(tickets, created, strict=True):
        age = (now - at).total_seconds() / 3600
        hours = rng.uniform(2, 44) if rng.random() < 0.85 else rng.uniform(50, 120)
        decided = age > hours and rng.random() < 0.97
        status = (
            rng.choice(("accepted", "declined", "in_progress", "released", "released"))
            if decided
            else "submitted"
        )
        requests.append(
            DevRequest(
                kind=rng.choice(("bug", "improvement", "feature")),
                title=ticket.subject,
                category_id=ticket.category_id,
                status=status,
                votes=rng.randint(1, 4),
                created_at=at,
            )
        )
        rounds.append((at, decided, hours, status))
    requests = DevRequest.objects.bulk_create(requests, batch_size=5000)
    DevRequest.tickets.through.objects.bulk_create(
        (
            DevRequest.tickets.through(devrequest_id=r.pk, ticket_id=t.pk)
            for r, t in zip(requests, tickets, strict=True)
        ),
        batch_size=10000,
    )
    client_links = []
    for request, ticket in zip(requests, tickets, strict=True):
        client_links.append((request.pk, ticket.client_id))
        second = rng.choice(clients).pk
        if rng.random() < 0.33 and second != ticket.client_id:
            client_links.append((request.pk, second))
    DevRequest.clients.through.objects.bulk_create(
        (DevRequest.clients.through(devrequest_id=r, client_id=c) for r, c in client_links),
        batch_size=10000,
    )
    AgreementRound.objects.bulk_create(
        (
            AgreementRound(
                request=request,
                number=1,
                submitted_at=at,
                target_seconds=48 * 3600,
                due_at=at + dt.timedelta(hours=48),
                warn_at=at + dt.timedelta(hours=38.4),
                ended_at=at + dt.timedelta(hours=hours) if decided else None,
                outcome=("declined" if status == "declined" else "accepted") if decided else "",
                elapsed_seconds=int(hours * 3600) if decided else None,
            )
            for request, (at, decided, hours, status) in zip(requests, rounds, strict=True)
        ),
        batch_size=5000,
    )


# ---- measuring -----------------------------------------------------------------------------


def last_month():
    from django.utils import timezone

    from soprovod.lib.periods import Period, add_months, calendar_month

    first = add_months(timezone.localdate().replace(day=1), -1)
    return Period(first, calendar_month(first).end)


def query_counts(client) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from soprovod.kpi.engine import compute

    # Warm up first: the session's and the caches' one-off queries are not the page's.
    client.get("/devrequests/")
    compute(last_month())
    with CaptureQueriesContext(connection) as inbox:
        assert client.get("/devrequests/").status_code == 200
    with CaptureQueriesContext(connection) as document:
        compute(last_month())
    return len(inbox), len(document)


def best(func) -> float:
    func()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    url = bench_url(DEFAULT_URL)
    data_dir = tempfile.mkdtemp(prefix="soprovod-bench-")
    try:
        recreate(url, "devrequests bench")
        setup_django(url, data_dir)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from soprovod.kpi.engine import compute

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        log(f"# migrate: {time.perf_counter() - started:.1f} s")
        rng = random.Random(SEED)
        now = timezone.now()
        base = create_base(rng)
        logging.getLogger("axes").setLevel(logging.WARNING)  # no "successful login" lines
        client = Client(SERVER_NAME="localhost")
        client.force_login(base["dev"])
        first = max(1, REQUESTS // 10)
        started = time.perf_counter()
        load(rng, base, first, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        small = query_counts(client)
        load(rng, base, REQUESTS - first, now)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"# load {REQUESTS} requests: {time.perf_counter() - started:.1f} s")
        large = query_counts(client)
        log(f"# queries (inbox, KPI document): {small} at {first} requests, {large} at {REQUESTS}")

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_SQL)
                cursor.fetchall()

        base_time = best(baseline)
        inbox_time = best(lambda: client.get("/devrequests/"))
        period = last_month()
        kpi_time = best(lambda: compute(period))
        log(
            f"# baseline (status count of all requests) {base_time * 1000:.1f} ms, "
            f"inbox {inbox_time * 1000:.1f} ms, KPI document {kpi_time * 1000:.1f} ms"
        )
        print(f"devrequests.inbox: {inbox_time / base_time:.1f}x")
        print(f"devrequests.kpi: {kpi_time / base_time:.1f}x")
        if small != large:
            log("# FAILED: the query counts grew with the data")
            return 1
        return 0
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
