"""Benchmark: the nightly health recomputation for 400 clients on 2,000,000 tickets (PostgreSQL).

    python bench/health.py [--tickets 2000000] [--explain] [--keep] [--reuse]

Creates its own database (``soprovod_bench_health`` on postgres://postgres@127.0.0.1:5432, or
the database that ``BENCH_DATABASE_URL`` names), dropped and recreated on every run, and loads
it with the KPI bench's data (`bench/kpi.py`: 400 clients over eight years, 2,000,000 tickets
over five years with their SLA clocks, CSAT and repeats, NPS answers), plus each client's
dated MRR history (its first value at the contract start, a change for a third of them in the
last half-year) and an implementation project for the clients still onboarding.

Then VACUUM ANALYZE, and the best of five runs (after a warm-up) of:

- the baseline, one plain aggregate scan over all tickets (the KPI bench's):
  ``SELECT type, count(*), avg(extract(epoch from resolved_at - created_at)) ... GROUP BY type``;
- ``health.actions.do_recompute()``: every scored client's measures, score, band, flags and
  the drop-into-red check, written as today's rows — the nightly job.

Prints the recomputation as a multiple of the baseline (goal: within 3x) and the number of
queries it runs for 40 clients and for all of them, which must be the same:

    health.nightly: 1.2x
    health.queries: 9 for 40 clients, 9 for 400

Phase timings and absolute times go to stderr. ``--explain`` prints EXPLAIN (ANALYZE,
BUFFERS) of every query; ``--keep`` keeps the database; ``--reuse`` times an already loaded
(kept) database. Exit code 1 when the query count differs or something fails; missing the
time goal is reported, not an error. Run by ``make bench``; not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import tempfile  # noqa: E402

from bench import kpi as kpi_bench  # noqa: E402
from bench._common import admin, bench_url, database_name, log, report_failure, tear_down  # noqa: E402

BENCH_DB = "soprovod_bench_health"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
GOAL = 3.0
FEW = 40

# Each client's MRR from its contract start; a third changed it in the last half-year (up or
# down by up to a quarter), so some trip the «MRR down 10 %» flag.
MRR_SQL = (
    """
INSERT INTO clients_mrrchange (client_id, effective_on, mrr_rub, reason, comment, recorded_at)
SELECT id, contract_start, mrr_rub, 'new', '', now() FROM clients_client
""",
    """
INSERT INTO clients_mrrchange (client_id, effective_on, mrr_rub, reason, comment, recorded_at)
SELECT id, current_date - (10 + (id * 37) %% 170)::int, round(mrr_rub * (0.75 + (id %% 11) / 20.0), 2),
       CASE WHEN id %% 11 < 5 THEN 'downsell' ELSE 'upsell' END, '', now()
FROM clients_client
WHERE id %% 3 = 0 AND contract_start < current_date - 200 AND churned_at IS NULL
""",
)
# An implementation project for each client still onboarding, some late.
PROJECTS_SQL = """
INSERT INTO projects_project (client_id, name, calendar_id, status, planned_start,
                              planned_go_live, created_at, version)
SELECT id, 'Внедрение', %(calendar)s, 'in_progress', contract_start,
       contract_start + (30 + id %% 40)::int, now(), 1
FROM clients_client WHERE status = 'onboarding'
"""


def load_extra() -> None:
    from django.db import connection

    from soprovod.sla.models import WorkCalendar

    calendar = WorkCalendar.objects.filter(is_24x7=False).order_by("-is_default").first()
    with connection.cursor() as cursor:
        for statement in MRR_SQL:
            cursor.execute(statement, {})
        cursor.execute(PROJECTS_SQL, {"calendar": calendar.pk})
        cursor.execute("VACUUM ANALYZE clients_mrrchange")
        cursor.execute("VACUUM ANALYZE projects_project")


def count_queries(func) -> tuple[int, list]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries), captured.captured_queries


def measure(repeats: int, show_plans: bool) -> dict:
    from django.db import connection

    from soprovod.clients.models import Client
    from soprovod.health import actions
    from soprovod.health.inputs import scored_clients
    from soprovod.health.models import HealthScore

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(kpi_bench.BASELINE_SQL)
            cursor.fetchall()

    results: dict = {"baseline": kpi_bench.best_of(baseline, repeats)}
    results["nightly"] = kpi_bench.best_of(actions.do_recompute, repeats)
    few_ids = list(
        Client.objects.filter(scored_clients()).order_by("pk").values_list("pk", flat=True)[:FEW]
    )
    results["few_queries"], _ = count_queries(lambda: actions.do_recompute(client_ids=few_ids))
    results["all_queries"], queries = count_queries(actions.do_recompute)
    results["scored"] = Client.objects.filter(scored_clients()).count()
    rows = HealthScore.objects.values_list("band", flat=True)
    results["bands"] = {band or "none": list(rows).count(band) for band in set(rows)}
    if show_plans:
        for number, query in enumerate(queries, 1):
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            log(
                f"--- query {number} ({float(query['time']) * 1000:.0f} ms)\n{query['sql']}\n{plan}"
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=kpi_bench.TICKETS)
    parser.add_argument("--repeats", type=int, default=kpi_bench.REPEATS)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a kept database, no reload")
    args = parser.parse_args()

    phases = kpi_bench.Phases()
    url = bench_url(DEFAULT_URL)
    name = database_name(url, "health bench")
    reuse = args.reuse and kpi_bench.database_exists(url)
    log(
        f"# health bench: the nightly health recomputation of every client as a multiple of "
        f"one plain aggregate scan over all tickets in the same run; goal <= {GOAL:g}x, and "
        f"the same number of queries for {FEW} clients as for all"
    )
    if not reuse:
        try:
            admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin(url, f"CREATE DATABASE {name}")
        except Exception as error:  # noqa: BLE001 - one line, not a traceback
            log(f"health bench: cannot create database {name}: {error}")
            return 1
    failed = False
    data_dir = tempfile.mkdtemp(prefix="soprovod-bench-health-")
    try:
        kpi_bench.setup_django(url, data_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        phases.done("migrate")
        if not reuse:
            kpi_bench.load(args.tickets, phases)
            load_extra()
            phases.done("MRR history and projects")
        log(f"# data: {kpi_bench.describe(connection)}")
        results = measure(args.repeats, args.explain)
        phases.done("timing")
        base, nightly = results["baseline"], results["nightly"]
        log(f"# baseline (plain scan of all tickets): {base * 1000:.0f} ms")
        log(f"# health.nightly: {nightly * 1000:.0f} ms for {results['scored']} clients")
        log(f"# bands today: {results['bands']}")
        print(f"health.nightly: {nightly / base:.1f}x", flush=True)
        print(
            f"health.queries: {results['few_queries']} for {FEW} clients, "
            f"{results['all_queries']} for {results['scored']}",
            flush=True,
        )
        log(f"# goal health.nightly <= {GOAL:g}x: {'met' if nightly <= GOAL * base else 'MISSED'}")
        if results["few_queries"] != results["all_queries"]:
            log("health bench: the query count grows with the clients")
            failed = True
    except Exception as error:  # noqa: BLE001 - report and exit non-zero
        report_failure("health bench", error)
        failed = True
    finally:
        tear_down(url, "health bench", data_dir, keep=args.keep)
        log(f"# total: {phases.total():.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
