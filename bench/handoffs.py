"""Benchmark: support's hand-off inbox and the KPI document with many hand-offs (PostgreSQL).

    python bench/handoffs.py                          # 1,000 hand-offs: fast, for `make bench`
    HANDOFFS_BENCH_N=10000 python bench/handoffs.py   # issue 10: 10,000 hand-offs

Creates its own database (``soprovod_bench_handoffs`` on postgres://postgres@127.0.0.1:5432,
or the one ``BENCH_DATABASE_URL`` names), dropped and recreated on every run, migrates it and
bulk-loads hand-offs over the last twelve months from 8 salespeople, each with a site and one
agreement round (a fifth returned and resubmitted: a second round), most answered within
24 hours, some late, about one in a hundred still open (they sit in the inbox).

The load happens in two steps, a tenth first. After each it counts the queries of the inbox
page (``/handoffs/inbox/`` for the head, rendered by Django's test client), of the hand-off
list (``/handoffs/``) and of last month's KPI document: the counts must not grow with the
data (exit 1 if they do).

Then, best of five after a warm-up, each timed against the **baseline** — one plain scan of
every agreement round, ``SELECT outcome, count(*), avg(elapsed_seconds) FROM
handoffs_handoffround GROUP BY outcome`` — and printed as a multiple of it (lower is better;
bench/kpi.py's goal for the document is 3x of its own baseline):

    handoffs.inbox: 13.9x
    handoffs.kpi: 11.3x
    handoffs.kpi_source: 0.6x

``handoffs.kpi`` is the whole document: with no tickets loaded it is mostly the fixed cost of
the other KPIs' queries (a few milliseconds each, whatever the hand-off count), so its ratio
falls as N grows; ``handoffs.kpi_source`` is the hand-off KPIs' own aggregate query, which is
what grows with the data.

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

BENCH_DB = "soprovod_bench_handoffs"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
HANDOFFS = int(os.environ.get("HANDOFFS_BENCH_N", "1000"))
SELLERS = 8
REPEATS = 5
SEED = 2026
BASELINE_SQL = (
    "SELECT outcome, count(*), avg(elapsed_seconds) FROM handoffs_handoffround GROUP BY outcome"
)


# ---- data ------------------------------------------------------------------------------------


def create_base() -> dict:
    from soprovod.accounts.models import User, UserRole

    def person(username: str, role: str) -> User:
        user = User.objects.create(username=username, first_name=username.title())
        UserRole.objects.create(user=user, role=role)
        return user

    head = person("bench-head", "head")
    sellers = [person(f"bench-sales-{i}", "sales") for i in range(SELLERS)]
    return {"head": head, "sellers": sellers}


def load(rng: random.Random, base: dict, count: int, now: dt.datetime) -> None:
    """``count`` more hand-offs, each with a site and its rounds."""
    from soprovod.handoffs.models import Handoff, HandoffRound, HandoffSite

    span = 365 * 24 * 3600
    plans = []
    handoffs = []
    for i in range(count):
        # About one in a hundred submitted within the last hours: still waiting (the inbox).
        recent = i < max(3, count // 100)
        submitted = now - dt.timedelta(seconds=rng.randrange(20 * 3600 if recent else span))
        returned = rng.random() < 0.2
        rounds = []
        at = submitted
        for number in range(1, 3 if returned else 2):
            hours = rng.uniform(0.5, 22) if rng.random() < 0.85 else rng.uniform(25, 70)
            if recent:
                hours = 30.0  # not answered yet
            answered = at + dt.timedelta(hours=hours)
            last = number == (2 if returned else 1)
            if answered > now:
                rounds.append((number, at, None, ""))
                break
            rounds.append((number, at, answered, "returned" if not last else "accepted"))
            at = answered + dt.timedelta(hours=rng.uniform(2, 20))
            if at > now:
                break
        final = rounds[-1]
        status = {"returned": "returned", "accepted": "accepted", "": "submitted"}[final[3]]
        handoffs.append(
            Handoff(
                sales=rng.choice(base["sellers"]),
                client_name=f"ООО «Клиент {i}»",
                inn=f"{7700000000 + i}",
                status=status,
                contract_number=f"Д-{i}",
                contract_date=submitted.date(),
                tariff=rng.choice(("Бизнес", "Корпоративный")),
                mrr_rub=Decimal(rng.choice((25000, 45000, 90000))),
                term_months=12,
                modules="Пропуска",
                passes_or_users=500,
                created_at=submitted - dt.timedelta(hours=1),
            )
        )
        plans.append(rounds)
    handoffs = Handoff.objects.bulk_create(handoffs, batch_size=5000)
    HandoffSite.objects.bulk_create(
        (
            HandoffSite(handoff=h, name="Офис", address="г. Москва", equipment="2 турникета")
            for h in handoffs
        ),
        batch_size=5000,
    )
    HandoffRound.objects.bulk_create(
        (
            HandoffRound(
                handoff=handoff,
                number=number,
                submitted_at=at,
                target_seconds=24 * 3600,
                warn_at=at + dt.timedelta(hours=19.2),
                due_at=at + dt.timedelta(hours=24),
                answered_at=answered,
                outcome=outcome,
                elapsed_seconds=int((answered - at).total_seconds()) if answered else None,
            )
            for handoff, rounds in zip(handoffs, plans, strict=True)
            for number, at, answered, outcome in rounds
        ),
        batch_size=5000,
    )


# ---- measuring -----------------------------------------------------------------------------


def last_month():
    from django.utils import timezone

    from soprovod.lib.periods import Period, add_months, calendar_month

    first = add_months(timezone.localdate().replace(day=1), -1)
    return Period(first, calendar_month(first).end)


def query_counts(client) -> tuple[int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from soprovod.kpi.engine import compute

    with CaptureQueriesContext(connection) as inbox:
        assert client.get("/handoffs/inbox/").status_code == 200
    with CaptureQueriesContext(connection) as listing:
        assert client.get("/handoffs/").status_code == 200
    with CaptureQueriesContext(connection) as document:
        compute(last_month())
    if os.environ.get("HANDOFFS_BENCH_SQL"):
        for q in inbox.captured_queries:
            log("#   " + q["sql"][:160])
    return len(inbox), len(listing), len(document)


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
        recreate(url, "handoffs bench")
        setup_django(url, data_dir)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from soprovod.handoffs.models import Handoff
        from soprovod.kpi.engine import compute

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        log(f"# migrate: {time.perf_counter() - started:.1f} s")
        rng = random.Random(SEED)
        now = timezone.now()
        base = create_base()
        logging.getLogger("axes").setLevel(logging.WARNING)
        client = Client(SERVER_NAME="localhost")
        client.force_login(base["head"])
        first = max(1, HANDOFFS // 10)
        started = time.perf_counter()
        load(rng, base, first, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        client.get("/handoffs/inbox/")  # the session read once
        small = query_counts(client)
        load(rng, base, HANDOFFS - first, now)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"# load {Handoff.objects.count()} hand-offs: {time.perf_counter() - started:.1f} s")
        large = query_counts(client)
        log(f"# queries (inbox, list, KPI document): {small} at {first}, {large} at {HANDOFFS}")

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_SQL)
                cursor.fetchall()

        base_time = best(baseline)
        inbox_time = best(lambda: client.get("/handoffs/inbox/"))
        period = last_month()
        kpi_time = best(lambda: compute(period))
        from soprovod.kpi.coordination import handoff_values

        source_time = best(lambda: handoff_values(period, timezone.now()))
        log(
            f"# baseline (plain scan of the rounds) {base_time * 1000:.1f} ms, "
            f"inbox {inbox_time * 1000:.1f} ms, KPI document {kpi_time * 1000:.1f} ms, "
            f"its hand-off query {source_time * 1000:.1f} ms"
        )
        print(f"handoffs.inbox: {inbox_time / base_time:.1f}x")
        print(f"handoffs.kpi: {kpi_time / base_time:.1f}x")
        print(f"handoffs.kpi_source: {source_time / base_time:.1f}x")
        if small != large:
            log("# FAILED: the query counts grew with the data")
            return 1
        return 0
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
