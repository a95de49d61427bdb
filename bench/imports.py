"""Benchmark: ``soprovod import tickets`` on PostgreSQL, against ``COPY`` of the same rows.

    python bench/imports.py [--tickets 100000] [--keep]

The size is ``--tickets`` or ``BENCH_IMPORT_TICKETS`` (default 100,000). Creates its own
database (``soprovod_bench_imports`` on postgres://postgres@127.0.0.1:5432, or the one
``BENCH_DATABASE_URL`` names), dropped and recreated on every run, migrates it, creates 400
clients and writes a CSV file of historical tickets as a department moving from its old desk
has them: two years that end last week, 10 % emergency / 60 % standard / 30 % consultation,
a first response on 95 %, resolved 97 % (of those, CSAT on 30 %), a wait for the client on
10 %, a dozen categories.

Then, in the same run:

- the baseline: ``COPY`` of the same file into a table with the file's columns (times as
  timestamptz, the rating as an integer) — the floor of moving these rows into PostgreSQL;
- the import itself: ``soprovod.tickets.imports.import_tickets`` of the file, as the
  command runs it (every row checked, the history replayed, one transaction).

Prints the import as a multiple of the COPY (lower is better) and its rate (goal: at least
5,000 tickets/s):

    import.tickets: 41.3x
    import.tickets_per_s: 5650

Absolute times go to stderr. Exit code 0 unless something fails; missing the goal is
reported, not an error. Run by ``make bench``; not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench._common import bench_url, log, recreate, report_failure, setup_django, tear_down  # noqa: E402

BENCH = "imports bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/soprovod_bench_imports"
TICKETS = int(os.environ.get("BENCH_IMPORT_TICKETS", "100000"))
CLIENTS = 400
GOAL = 5000
SEED = 2026
COLUMNS = (
    "external_id",
    "client_external_id",
    "type",
    "category",
    "subject",
    "created_at",
    "first_response_at",
    "resolved_at",
    "on_hold",
    "csat",
)
CATEGORIES = [
    "Пропуска",
    "Шлагбаумы",
    "Считыватели",
    "Мобильное приложение",
    "Гостевой доступ",
    "Турникеты",
    "Камеры",
    "Интеграции",
    "Отчёты",
    "Учётные записи",
    "Оплата",
    "Другое",
]


def csv_file(tickets: int, today: dt.datetime) -> bytes:
    """The old desk's export: ``tickets`` rows, oldest first, times with their offset."""
    rng = random.Random(SEED)
    end = today - dt.timedelta(days=7)
    span = 730 * 86400
    starts = sorted(rng.random() for _ in range(tickets))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for number, position in enumerate(starts, start=1):
        created = end - dt.timedelta(seconds=int((1 - position) * span))
        roll = rng.random()
        type_ = "emergency" if roll < 0.1 else "standard" if roll < 0.7 else "consultation"
        first = created + dt.timedelta(minutes=rng.randint(3, 600))
        has_first = rng.random() < 0.95
        resolved = first + dt.timedelta(minutes=rng.randint(10, 4000))
        is_resolved = rng.random() < 0.97 and resolved < end
        hold = ""
        if is_resolved and rng.random() < 0.1:
            begin = first + (resolved - first) / 3
            hold = f"{begin.isoformat()}/{(begin + (resolved - first) / 4).isoformat()}"
        writer.writerow(
            (
                f"OLD-{number:08d}",
                f"C{rng.randrange(CLIENTS) + 1:04d}",
                type_,
                rng.choice(CATEGORIES),
                f"Обращение {number}",
                created.isoformat(),
                first.isoformat() if has_first else "",
                resolved.isoformat() if is_resolved else "",
                hold,
                str(rng.randint(1, 5)) if is_resolved and rng.random() < 0.3 else "",
            )
        )
    return out.getvalue().encode()


def copy_baseline(data: bytes) -> float:
    """Seconds to COPY the file into a table of its columns (created and dropped here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_import_copy (external_id text, client_external_id text, "
            "type text, category text, subject text, created_at timestamptz, "
            "first_response_at timestamptz, resolved_at timestamptz, on_hold text, csat int)"
        )
        started = time.perf_counter()
        with cursor.copy(
            "COPY bench_import_copy FROM STDIN WITH (FORMAT csv, HEADER true, NULL '')"
        ) as copy:
            copy.write(data)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_import_copy")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_import_copy")
    log(f"# COPY: {copied:,} rows in {elapsed * 1000:.0f} ms")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="cProfile the import (stderr)")
    args = parser.parse_args()
    url = bench_url(DEFAULT_URL)
    try:
        recreate(url, BENCH)
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        log(f"{BENCH}: cannot create the database: {error}")
        return 1
    data_dir = tempfile.mkdtemp(prefix="soprovod-bench-imports-")
    failed = False
    try:
        setup_django(url, data_dir)
        from django.core.management import call_command
        from django.utils import timezone

        from soprovod.clients.models import Client
        from soprovod.tickets.imports import import_tickets
        from soprovod.tickets.models import Ticket

        call_command("migrate", verbosity=0)
        Client.objects.bulk_create(
            Client(
                name=f"Клиент {n}",
                external_id=f"C{n:04d}",
                inn="7707083893",
                contract_start=dt.date(2020, 1, 1),
            )
            for n in range(1, CLIENTS + 1)
        )
        data = csv_file(args.tickets, timezone.now())
        log(f"# file: {args.tickets:,} tickets, {len(data) / 1e6:.1f} MB")
        baseline = copy_baseline(data)
        started = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        result = import_tickets(data, filename="bench.csv")
        elapsed = time.perf_counter() - started
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        imported = Ticket.objects.count()
        if result.created != args.tickets or imported != args.tickets:
            raise RuntimeError(f"imported {imported:,} of {args.tickets:,} ({result})")
        rate = args.tickets / elapsed
        log(f"# import: {elapsed:.1f} s, {rate:,.0f} tickets/s")
        print(f"import.tickets: {elapsed / baseline:.1f}x", flush=True)
        print(f"import.tickets_per_s: {rate:.0f}", flush=True)
        log(f"# goal >= {GOAL:,} tickets/s: {'met' if rate >= GOAL else 'MISSED'}")
    except Exception as error:  # noqa: BLE001 - report and exit non-zero
        report_failure(BENCH, error)
        failed = True
    finally:
        tear_down(url, BENCH, data_dir, keep=args.keep)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
