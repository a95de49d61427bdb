"""Benchmark: `soprovod verify`'s ticket check against one plain scan of the clock table
(PostgreSQL).

    python bench/verify.py [--tickets 20000] [--repeats 3] [--keep]

Issue 9 asks for 1,000,000 tickets within 10x one plain scan of the clock table:

    BENCH_VERIFY_TICKETS=1000000 python bench/verify.py

(the default, 20,000 tickets, keeps ``make bench`` short). Creates its own database
(``soprovod_bench_verify`` on postgres://postgres@127.0.0.1:5432, or the database that
``BENCH_DATABASE_URL`` names), dropped and recreated on every run, migrates it and loads in
SQL (INSERT ... SELECT generate_series, never row by row):

- tickets over the two years before today, ids in creation order, 10 % emergency, 60 %
  standard, 30 % consultation; most answered and resolved within hours to days, 1 % open;
- their SLA clocks from the default policy's targets (first response, resolution, and the
  ceiling for standard and consultation tickets), and for every fifth ticket a wait for the
  client in the middle of its life;
- then every clock settled by the rule (`sla.clocks.recompute`), written back with COPY, so
  that verify finds no difference (it says how many it found on stderr).

Then VACUUM ANALYZE, and the best of ``--repeats`` runs of:

- the baseline: one plain scan of the clock table, every column of every row read into
  Python (``SELECT * FROM sla_slaclock``, fetched in batches);
- the check: `tickets.verify.check_ticket_clocks` with a report that only counts.

Prints ``verify_vs_scan: X.Xx`` (lower is better; goal: within 10x). Timings go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench._common import admin, bench_url, database_name, log, setup_django  # noqa: E402

BENCH_DB = "soprovod_bench_verify"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
TICKETS = int(os.environ.get("BENCH_VERIFY_TICKETS", "20000"))
GOAL = 10.0
FETCH = 10_000


# ---- data ------------------------------------------------------------------------------------

TICKETS_SQL = """
INSERT INTO tickets_ticket (
    id, subject, type, channel, status, created_at, first_response_at, resolved_at, closed_at,
    reopened_count, is_repeat, csat_comment, requester_email, version, updated_at
)
SELECT g, 'Bench ticket ' || g,
       CASE WHEN g %% 10 = 0 THEN 'emergency' WHEN g %% 10 <= 6 THEN 'standard'
            ELSE 'consultation' END,
       'portal',
       CASE WHEN g > %(open_from)s THEN 'open' WHEN g %% 3 = 0 THEN 'resolved' ELSE 'closed' END,
       c, c + ((g * 37) %% 600) * interval '1 minute',
       CASE WHEN g > %(open_from)s THEN NULL
            ELSE c + (60 + (g * 53) %% 10000) * interval '1 minute' END,
       CASE WHEN g > %(open_from)s OR g %% 3 = 0 THEN NULL
            ELSE c + (60 + (g * 53) %% 10000) * interval '1 minute' + interval '8 days' END,
       0, false, '', '', 1, now()
FROM (
    SELECT g, now() - interval '730 days'
              + (g * (63072000.0 / %(n)s)) * interval '1 second' AS c
    FROM generate_series(1, %(n)s) AS g
) AS s
"""

CLOCKS_SQL = """
INSERT INTO sla_slaclock (
    ticket_id, metric, calendar_id, calendar_version, target_seconds, extension_seconds,
    ceiling_at, started_at, due_at, paused_since, paused_seconds, late_paused_seconds,
    stopped_at, elapsed_seconds, status, frozen
)
SELECT t.id, x.metric, x.calendar_id, x.version, x.target_seconds, 0,
       NULL, t.created_at, t.created_at, NULL, 0, 0,
       CASE WHEN x.metric = 'first_response' THEN t.first_response_at ELSE t.resolved_at END,
       NULL, 'pending', t.status = 'closed'
FROM tickets_ticket t
JOIN (
    SELECT st.ticket_type, st.metric, st.calendar_id, wc.version,
           st.target_minutes * 60 AS target_seconds
    FROM sla_slatarget st JOIN sla_slapolicy p ON p.id = st.policy_id AND p.is_default
    JOIN sla_workcalendar wc ON wc.id = st.calendar_id
    UNION ALL
    SELECT st.ticket_type, 'resolution_ceiling', NULL, 0, st.ceiling_minutes * 60
    FROM sla_slatarget st JOIN sla_slapolicy p ON p.id = st.policy_id AND p.is_default
    WHERE st.ceiling_minutes IS NOT NULL
) AS x ON x.ticket_type = t.type
ORDER BY t.id, x.metric
"""

PAUSES_SQL = """
INSERT INTO sla_slapause (clock_id, started_at, ended_at, reason)
SELECT k.id,
       t.created_at + (t.resolved_at - t.created_at) * 0.3,
       t.created_at + (t.resolved_at - t.created_at) * 0.6,
       'waiting_client'
FROM sla_slaclock k JOIN tickets_ticket t ON t.id = k.ticket_id
WHERE k.metric = 'resolution' AND t.id % 5 = 0 AND t.resolved_at IS NOT NULL
"""


def load(tickets: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        params = {"n": tickets, "open_from": tickets - max(1, tickets // 100)}
        cursor.execute(TICKETS_SQL, params)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), %s)", [tickets]
        )
        cursor.execute(CLOCKS_SQL)
        cursor.execute(PAUSES_SQL)


def settle_all() -> int:
    """Write every clock's figures as the rule computes them (the same reads as verify)."""
    from django.db import connection, transaction

    from soprovod.sla import clocks
    from soprovod.sla.calendars import business_calendar
    from soprovod.sla.models import Metric, SlaClock, SlaPause, WorkCalendar

    engines = {c.pk: business_calendar(c) for c in WorkCalendar.objects.all()}
    engines[None] = clocks.calendar_time()
    columns = clocks.SETTLED_FIELDS
    written = 0
    last = SlaClock.objects.order_by("-ticket_id").values_list("ticket_id", flat=True).first()
    step = 20_000
    for low in range(1, (last or 0) + 1, step):
        facts = [
            clocks.Facts(*row)
            for row in SlaClock.objects.filter(ticket_id__gte=low, ticket_id__lt=low + step)
            .order_by()
            .values_list("pk", "ticket_id", *clocks.FACT_FIELDS)
        ]
        pauses: dict = {}
        for ticket_id, begin, end in (
            SlaPause.objects.filter(
                clock__ticket_id__gte=low,
                clock__ticket_id__lt=low + step,
                clock__metric=Metric.RESOLUTION,
            )
            .order_by("clock__ticket_id", "started_at", "pk")
            .values_list("clock__ticket_id", "started_at", "ended_at")
        ):
            pauses.setdefault(ticket_id, []).append((begin, end))
        values = clocks.recompute(facts, pauses, engines, _now())
        buffer = io.StringIO()
        for pk, row in values.items():
            buffer.write("\t".join([str(pk), *(_copy(row[c]) for c in columns)]) + "\n")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE settled (id bigint, due_at timestamptz, ceiling_at timestamptz,"
                " paused_since timestamptz, paused_seconds int, late_paused_seconds int,"
                " stopped_at timestamptz, elapsed_seconds int, status text) ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY settled FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            sets = ", ".join(f"{c} = s.{c}" for c in columns)
            cursor.execute(f"UPDATE sla_slaclock k SET {sets} FROM settled s WHERE k.id = s.id")  # noqa: S608
        written += len(values)
    return written


_NOW = None


def _now():
    global _NOW
    if _NOW is None:
        from django.utils import timezone

        _NOW = timezone.now()
    return _NOW


def _copy(value) -> str:
    if value is None:
        return "\\N"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# ---- timing ----------------------------------------------------------------------------------


def scan() -> int:
    """The baseline: every column of every clock row read into Python."""
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sla_slaclock")
        while batch := cursor.fetchmany(FETCH):
            rows += len(batch)
    return rows


def verify() -> tuple[int, int]:
    from soprovod.tickets.verify import check_ticket_clocks

    found = 0

    def count(_difference) -> None:
        nonlocal found
        found += 1

    tally = check_ticket_clocks(count)
    return tally.checked, found


def best(repeats: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best counts")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = bench_url(DEFAULT_URL)
    name = database_name(url, "verify bench")
    log(
        f"# verify bench: soprovod verify's ticket check on {args.tickets} tickets against one "
        f"plain scan of the clock table (every row and column into Python); "
        f"goal <= {GOAL:g}x"
    )
    try:
        admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin(url, f"CREATE DATABASE {name}")
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        log(f"verify bench: cannot create database {name}: {error}")
        return 1
    data_dir = tempfile.mkdtemp(prefix="soprovod-bench-verify-")
    try:
        setup_django(url, data_dir)
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        load(args.tickets)
        settled = settle_all()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"# loaded and settled {settled} clocks in {time.perf_counter() - started:.1f} s")
        base, rows = best(args.repeats, scan)
        took, (checked, found) = best(args.repeats, verify)
        log(f"# baseline: {rows} clock rows scanned in {base:.2f} s")
        log(f"# verify: {checked} tickets checked in {took:.2f} s, {found} differences")
        print(f"verify_vs_scan: {took / base:.1f}x", flush=True)
        log(f"# goal <= {GOAL:g}x: {'met' if took <= GOAL * base else 'MISSED'}")
        return 0 if found == 0 else 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    raise SystemExit(main())
