"""Benchmark: the ticket queue page as an agent gets it (PostgreSQL), rendered in full.

Creates its own database (``BENCH_DATABASE_URL`` or postgres://postgres@127.0.0.1:5432/
soprovod_bench_queue_page), migrates it, loads tickets with the queue bench's generator
(``bench/ticket_queue.py``: the newest 2 % live, half of them open, every open ticket with
running SLA clocks), signs an agent in and times, with Django's test client in this process
(the whole middleware stack, templates, DEBUG off):

- ``queue.page``: ``GET /tickets/?view=open``, the whole page, 50 rows with every column;
- ``queue.results``: the same as the filter form and the 60-second refresh ask for it
  (``HX-Request``: only the results fragment);
- ``home.head``: the head of support's home page (its blocks, figures and lists);

each against the **trivial view** measured in the same run: ``GET /favicon.ico`` signed in as
the same agent (the middleware stack, a view that answers 204). Prints

    queue.page: 9.4x

(the best of ``--repeats`` requests each, after a warm-up), and the same in this process's
CPU time (``queue.page.cpu``: the Python work of the request, without the database server's
time and without the waits of a busy shared machine, which swamp wall-clock times here). SQL is a part of each page's time;
its time in one request and the absolute times go to stderr. ``--tickets
N`` (default 20,000: the page's cost does not grow with the table, the live backlog gives the
open tab its 50 rows), ``--keep`` keeps the database, ``--reuse`` runs on the one kept. Run by ``make bench``; never part of
the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench._common import bench_url, log, recreate, report_failure, setup_django, tear_down  # noqa: E402

BENCH = "queue page bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/soprovod_bench_queue_page"
TICKETS = 20_000
REPEATS = 15


def best_of(func, repeats: int) -> tuple[float, float]:
    """The fastest of ``repeats`` requests after a warm-up, in wall-clock time and in this
    process's CPU time (the request's Python work: middleware, view, ORM, templates; not the
    database server's), each the least disturbed by other work on a shared machine."""
    func()  # warm up: caches, the template loader, the connection
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(wall), min(cpu)


def measure(agent_id: int, head_id: int, repeats: int) -> list[tuple[str, float, float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from soprovod.accounts.models import User

    agent, head = Client(), Client()
    agent.force_login(User.objects.get(pk=agent_id))
    head.force_login(User.objects.get(pk=head_id))
    every_column = "client,type,category,status,assignee,channel,created,sla"

    def get(browser, path, **headers):
        def run():
            response = browser.get(path, headers=headers)
            if response.status_code not in (200, 204):
                raise RuntimeError(f"{path}: {response.status_code}")
            return response

        return run

    cases = [
        ("trivial", get(agent, "/favicon.ico")),
        ("queue.page", get(agent, f"/tickets/?view=open&cols={every_column}")),
        (
            "queue.results",
            get(agent, f"/tickets/?view=open&cols={every_column}", **{"HX-Request": "true"}),
        ),
        ("home.head", get(head, "/")),
    ]
    results = []
    for name, run in cases:
        with CaptureQueriesContext(connection) as queries:
            body = run().content
        rows = body.count(b'name="tickets"')
        sql = sum(float(q["time"]) for q in queries.captured_queries)
        results.append((name, *best_of(run, repeats)))
        log(
            f"# {name}: {results[-1][1] * 1000:.1f} ms at best, "
            f"{results[-1][2] * 1000:.1f} ms of this process's CPU, "
            f"({sql * 1000:.0f} ms of SQL in one request), {len(body):,} bytes"
            + (f", {rows} rows" if rows else "")
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="the database a --keep run left")
    args = parser.parse_args()
    url = bench_url(DEFAULT_URL)
    data_dir = tempfile.mkdtemp(prefix="soprovod-bench-queue-page-")
    try:
        if not args.reuse:
            recreate(url, BENCH)
        setup_django(url, data_dir)
        # DEBUG stays on for the plain static files storage (no collected manifest), but the
        # pages render as in production: no template debug information, no query log.
        from django.conf import settings

        settings.DEBUG = False
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        import logging

        logging.getLogger("axes").setLevel(logging.WARNING)
        from django.core.management import call_command

        from bench.ticket_queue import load
        from soprovod.accounts.models import User, UserRole

        started = time.perf_counter()
        if args.reuse:
            data = {"agent": User.objects.get(username="agent0").pk}
            head = User.objects.get(username="head")
        else:
            call_command("migrate", verbosity=0)
            data = load(args.tickets)
            head = User.objects.create(username="head", first_name="Head", last_name="Of Support")
            UserRole.objects.create(user=head, role="head")
            log(f"# {data['tickets']:,} tickets loaded in {time.perf_counter() - started:.0f} s")
        results = measure(data["agent"], head.pk, args.repeats)
        _, base, base_cpu = results[0]
        for name, seconds, _cpu in results[1:]:
            print(f"{name}: {seconds / base:.1f}x", flush=True)
        for name, _seconds, cpu in results[1:]:
            print(f"{name}.cpu: {cpu / base_cpu:.1f}x", flush=True)
        return 0
    except Exception as error:  # noqa: BLE001 - reported, then a failing status
        report_failure(BENCH, error)
        return 1
    finally:
        tear_down(url, BENCH, data_dir, keep=args.keep or args.reuse)


if __name__ == "__main__":
    raise SystemExit(main())
