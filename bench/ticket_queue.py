"""Benchmark: the support manager's queue on a million tickets (PostgreSQL).

Creates its own database on the server of ``DATABASE_URL`` (when that is PostgreSQL) or of
postgres://postgres@127.0.0.1:5432, migrates it, bulk-loads 1,000,000 tickets with their SLA
clocks in a few INSERT ... SELECT generate_series statements, runs ANALYZE, then times the
query behind each queue tab (one page of 50 rows, as the page asks for it) and the per-tab
counts. Every time is printed as a ratio to a baseline measured in the same run, a full
``SELECT count(*) FROM tickets_ticket``, so the numbers compare across machines:

    queue.breached: 0.02x

Lower is better. The database is dropped at the end. Options: ``--tickets N`` (default
1,000,000), ``--explain`` (print EXPLAIN ANALYZE of each query), ``--keep`` (keep the database).
Run by ``make bench``; not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script from any directory: the project root goes on the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

BENCH_DB = "soprovod_bench_queue"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
REPEATS = 7


def server_url() -> str:
    raw = os.environ.get("DATABASE_URL", "")
    return raw if raw.startswith(("postgres://", "postgresql://")) else DEFAULT_SERVER


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = with_database(url, BENCH_DB)
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["SOPROVOD_DATA_DIR"] = tempfile.mkdtemp(prefix="soprovod-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "soprovod.settings"
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


# ---- data ------------------------------------------------------------------------------------


def load(tickets: int) -> dict:
    """People, clients and categories through the ORM; tickets and clocks in bulk SQL.

    Numbers grow with time over five years, as in life. The newest 2 % are the live part of
    the desk: half of them open (new / in progress / waiting, 10,000 of a million, a heavy
    backlog), the other half resolved or closed; everything older is closed. Open tickets'
    running clocks fall due from 6 hours ago to 30 hours ahead, so every tab has rows."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection

    from soprovod.accounts.models import User, UserRole
    from soprovod.clients.models import Client
    from soprovod.sla.models import WorkCalendar
    from soprovod.tickets.models import Category

    staff = []
    for i in range(8):
        user = User.objects.create(username=f"agent{i}", first_name="Agent", last_name=str(i))
        UserRole.objects.create(user=user, role="support_manager")
        staff.append(user.pk)
    clients = Client.objects.bulk_create(
        Client(
            name=f"Client {i:03d}",
            inn="7707083893",
            mrr_rub=Decimal(20000 + i * 100),
            status="active",
            contract_start=dt.date(2021, 1, 1),
        )
        for i in range(400)
    )
    categories = Category.objects.bulk_create(Category(name=f"Category {i}") for i in range(12))
    business = WorkCalendar.objects.filter(is_24x7=False).order_by("-is_default").first()
    always = WorkCalendar.objects.filter(is_24x7=True).first() or business
    params = {
        "n": tickets,
        "staff": staff,
        "client0": clients[0].pk,
        "category0": categories[0].pk,
        "business": business.pk,
        "always": always.pk,
    }
    with connection.cursor() as cursor:
        # Bulk load the usual way: secondary indexes dropped and rebuilt after, foreign keys
        # not checked row by row (the generator only writes ids that exist).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename IN ('tickets_ticket', 'sla_slaclock')"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(TICKETS_SQL, params)
        cursor.execute(CLOCKS_SQL, params)
        cursor.execute("SET session_replication_role = origin")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM sla_slaclock")
        clocks = cursor.fetchone()[0]
    return {"tickets": tickets, "clocks": clocks, "agent": staff[0]}


TICKETS_SQL = """
INSERT INTO tickets_ticket (
    client_id, requester_email, type, category_id, channel, subject, status, assignee_id,
    created_at, first_response_at, resolved_at, closed_at, reopened_count, is_repeat,
    csat_comment, version, updated_at)
SELECT
    %(client0)s + (r.g * 7919) %% 400,
    '',
    CASE WHEN r.t < 0.05 THEN 'emergency' WHEN r.t < 0.30 THEN 'consultation'
         ELSE 'standard' END,
    %(category0)s + (r.g * 31) %% 12,
    (ARRAY['portal', 'email', 'phone', 'messenger'])[1 + r.g %% 4],
    (ARRAY['Barrier does not open', 'Pass is not printed', 'Reader is silent',
           'Mobile app login fails', 'Invoice question', 'Guest pass expired'])[1 + r.g %% 6]
        || ' at site ' || (r.g %% 997),
    s.status,
    CASE WHEN s.status IN ('new', 'open', 'waiting_client') AND r.g %% 7 = 0 THEN NULL
         ELSE (%(staff)s::bigint[])[1 + (r.g / 2) %% cardinality(%(staff)s::bigint[])] END,
    s.created,
    CASE WHEN s.status <> 'new' THEN s.created + interval '1 hour' END,
    CASE WHEN s.status IN ('resolved', 'closed') THEN s.created + interval '1 day' END,
    CASE WHEN s.status = 'closed' THEN s.created + interval '8 days' END,
    0, false, '', 1, now()
FROM (SELECT g, random() AS t FROM generate_series(1, %(n)s::bigint) AS g) AS r
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN r.g <= %(n)s * 0.98 THEN 'closed'
             WHEN r.g %% 2 = 0 THEN (ARRAY['new', 'open', 'waiting_client'])[1 + (r.g / 2) %% 3]
             WHEN r.g %% 4 = 1 THEN 'resolved'
             ELSE 'closed' END AS status,
        -- five years up to now, in number order; the newest 2 %% within the last 3 days
        CASE WHEN r.g <= %(n)s * 0.98
             THEN now() - interval '3 days' - (1 - r.g / (%(n)s * 0.98)) * interval '1825 days'
             ELSE now() - (1 - (r.g - %(n)s * 0.98) / (%(n)s * 0.02)) * interval '3 days'
             END AS created
) AS s
"""

# First response and resolution for every ticket; the calendar-time ceiling for all but
# emergencies. Closed and resolved tickets: stopped clocks, 1 in 10 breached. Open ones:
# running (or paused while waiting), due between 6 hours ago and 30 hours ahead.
CLOCKS_SQL = """
INSERT INTO sla_slaclock (
    ticket_id, metric, calendar_id, calendar_version, target_seconds, extension_seconds,
    ceiling_at, started_at, due_at, paused_since, paused_seconds, late_paused_seconds,
    stopped_at, elapsed_seconds,
    status, frozen)
SELECT
    t.id, m.metric,
    CASE WHEN m.metric = 'resolution_ceiling' THEN NULL
         WHEN m.metric = 'first_response' AND t.type = 'emergency' THEN %(always)s
         ELSE %(business)s END,
    1, 14400, 0,
    CASE WHEN m.metric = 'resolution' AND t.type <> 'emergency'
         THEN t.created_at + interval '5 days' END,
    t.created_at,
    CASE WHEN t.status IN ('new', 'open', 'waiting_client')
         THEN now() + (random() * 36 - 6) * interval '1 hour'
         WHEN m.metric = 'resolution_ceiling' THEN t.created_at + interval '5 days'
         ELSE t.created_at + interval '4 hours' END,
    CASE WHEN t.status = 'waiting_client' AND m.metric = 'resolution'
         THEN now() - interval '1 hour' END,
    0,
    0,
    CASE WHEN t.status IN ('resolved', 'closed')
              OR (m.metric = 'first_response' AND t.status <> 'new')
         THEN t.created_at + CASE WHEN t.id %% 10 = 0 THEN interval '6 hours'
                                  ELSE interval '1 hour' END END,
    NULL,
    CASE WHEN t.status IN ('resolved', 'closed') AND t.id %% 10 = 0 THEN 'breached'
         WHEN t.status IN ('resolved', 'closed') THEN 'met'
         ELSE 'pending' END,
    t.status = 'closed'
FROM tickets_ticket AS t
CROSS JOIN (VALUES ('first_response'), ('resolution'), ('resolution_ceiling')) AS m(metric)
WHERE m.metric <> 'resolution_ceiling' OR t.type <> 'emergency'
"""


# ---- timing --------------------------------------------------------------------------------------


def best_of(func) -> float:
    """The fastest of a few runs after a warm-up: the least disturbed by other work on the
    machine, for the baseline and the queries alike."""
    func()  # warm the cache: every query runs against a warm buffer pool
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return min(samples)


def explain(qs) -> str:
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(data: dict, show_plans: bool) -> list[tuple[str, float]]:
    from django.db import connection

    from soprovod.accounts.models import User
    from soprovod.tickets import queries

    user = User.objects.get(pk=data["agent"])

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tickets_ticket")
            cursor.fetchone()

    base = best_of(baseline)
    cases: list[tuple[str, dict]] = [(f"queue.{view}", {"view": view}) for view in queries.VIEWS]
    cases += [
        ("queue.filtered", {"view": "open", "type": "standard", "client": str(data["client"])}),
        ("queue.search_number", {"view": "open", "q": f"#{data['tickets'] // 2}"}),
        ("queue.search_text", {"view": "open", "q": "reader is silent at site 42"}),
    ]
    results = [("baseline.count_all_tickets", base)]
    for name, params in cases:
        filters = queries.QueueFilters.from_query(params)
        page = queries.queue(user, filters)[: queries.PAGE_SIZE]
        results.append((name, best_of(lambda page=page: list(page.all()))))
        if show_plans:
            print(f"--- {name}\n{explain(page)}", file=sys.stderr)
        if name == "queue.open" or name == "queue.search_text":
            counts = f"queue.counts{'_search' if 'search' in name else ''}"
            results.append((counts, best_of(lambda f=filters: queries.queue_counts(user, f))))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = server_url()
    try:
        admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin(url, f"CREATE DATABASE {BENCH_DB}")
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        print(f"queue bench: cannot create database {BENCH_DB}: {error}", file=sys.stderr)
        return 1
    try:
        setup_django(url)
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        data = load(args.tickets)
        from soprovod.clients.models import Client

        data["client"] = Client.objects.order_by("pk").values_list("pk", flat=True).first()
        loaded = time.perf_counter() - started
        print(
            f"# queue bench: {data['tickets']:,} tickets, {data['clocks']:,} clocks on "
            f"PostgreSQL (loaded in {loaded:.0f} s); each queue query (a page of 50) as a "
            "multiple of a full count(*) of the tickets in the same run — lower is better"
        )
        results = measure(data, args.explain)
        base = results[0][1]
        print(f"# baseline.count_all_tickets: {base * 1000:.1f} ms")
        for name, seconds in results[1:]:
            print(f"{name}: {seconds / base:.3f}x")
        connections.close_all()
    finally:
        if not args.keep:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
                pass
            admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
