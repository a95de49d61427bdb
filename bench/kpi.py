"""Benchmark: the KPI document, the KPI dashboard and the monthly report on 2,000,000 tickets
(PostgreSQL).

    python bench/kpi.py [--tickets 2000000] [--explain] [--keep] [--reuse]

The size is ``--tickets`` or ``BENCH_KPI_TICKETS`` (develop at 100,000–200,000; the 2M run
takes a few minutes to load on two cores).

Creates its own database (``soprovod_bench_kpi`` on postgres://postgres@127.0.0.1:5432, or
the database that ``BENCH_DATABASE_URL`` names), dropped and recreated on every run, migrates
it and bulk-loads in SQL (COPY and INSERT ... SELECT generate_series, never row by row):

- 400 clients signed over eight years with their dated status history (onboarding, active,
  some at risk, about a fifth churned), 12 categories, 12 support managers, 4 success
  managers and a head;
- 2,000,000 tickets over the five years that end with last month, more each month as the
  portfolio grows, bigger clients filing more: types 10 % emergency / 60 % standard / 30 %
  consultation, about 8 % repeats, CSAT on about 30 % of resolved tickets, a few tickets of
  last month still open; ids follow creation time, as they do in production;
- their SLA clocks (first response, resolution, and the calendar-time ceiling for all but
  emergencies) with business minutes drawn per type around the default policy's targets, so
  stopped_at, elapsed_seconds and status agree (mostly met, a few per cent breached);
- NPS answers (clients, quarterly) and internal satisfaction answers.

Then VACUUM ANALYZE, the closed months' ticket facts stored as the hourly job stores them
in production (``kpi.store_months``, `soprovod.kpi.months`; its time goes to stderr), and the
best of five runs (after a warm-up) of:

- the baseline, one plain aggregate scan over all tickets:
  ``SELECT type, count(*), avg(extract(epoch from resolved_at - created_at)) ... GROUP BY type``;
- ``compute(Period(first, last day of last month))``, the full KPI document;
- the dashboard page ``/kpi/`` rendered by Django's test client for a head, when the page
  exists (skipped with a note otherwise);
- the monthly report's data for last month (``reports.generator.build_report_data``: the
  document, trends and breakdowns it shows; the PDF/XLSX rendering is not database work and
  is left out).

Prints each as a multiple of the baseline, lower is better (goal: each within 3x):

    kpi.document: 0.41x
    kpi.dashboard: 1.9x
    kpi.monthly_report: 1.2x

Phase timings and absolute times go to stderr. ``--explain`` prints EXPLAIN (ANALYZE,
BUFFERS) of every query the document runs; ``--keep`` keeps the database; ``--reuse`` times
an already loaded (kept) database without reloading it. Exit code 0 unless something fails;
missing the goal is reported, not an error. Run by ``make bench``; not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds queue.py, which would shadow the standard library's queue module that
# psycopg and Django import: keep this folder off the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench._common import (  # noqa: E402
    admin,
    bench_url,
    database_name,
    log,
    on_database,
    report_failure,
    setup_django,
    tear_down,
)
from soprovod.lib.periods import add_months  # noqa: E402

BENCH_DB = "soprovod_bench_kpi"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
TICKETS = int(os.environ.get("BENCH_KPI_TICKETS", "2000000"))
CLIENTS = 400
MONTHS = 60
REPEATS = 5
GOAL = 3.0
SEED = 2026

BASELINE_SQL = (
    "SELECT type, count(*), avg(extract(epoch from resolved_at - created_at)) "
    "FROM tickets_ticket GROUP BY type"
)


class Phases:
    """Wall-clock time of each phase, printed to stderr as it ends."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started

    def done(self, name: str) -> None:
        now = time.perf_counter()
        log(f"# phase {name}: {now - self.last:.1f} s")
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.started


# ---- the database --------------------------------------------------------------------------


def database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(on_database(url, "postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url, "kpi bench")]
        ).fetchone()
    return row is not None


# ---- the period ------------------------------------------------------------------------------


def last_month() -> tuple[dt.date, dt.date]:
    """The first and last day of last month in the department's time zone."""
    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)
    return add_months(this_month, -1), this_month - dt.timedelta(days=1)


# ---- data: people, clients, surveys (small, generated here and COPYed) ---------------------


CATEGORIES = [
    "Passes",
    "Barriers",
    "Readers",
    "Mobile app",
    "Guest access",
    "Turnstiles",
    "Cameras",
    "Integrations",
    "Reports",
    "Accounts and roles",
    "Billing",
    "Other",
]
SEGMENTS = ["Business centre", "Residential", "Industrial", "Retail", "Campus"]


def create_people() -> dict:
    from soprovod.accounts.models import User, UserRole

    def person(username: str, role: str) -> int:
        user = User.objects.create(username=username, first_name=username.title())
        user.set_unusable_password()
        user.save(update_fields=["password"])
        UserRole.objects.create(user=user, role=role)
        return user.pk

    return {
        "head": person("bench-head", "head"),
        "support": [person(f"bench-support-{i}", "support_manager") for i in range(12)],
        "success": [person(f"bench-success-{i}", "success_manager") for i in range(4)],
    }


def client_rows(rng: random.Random, first_day: dt.date, today: dt.date, people: dict):
    """400 clients and their dated status history. 30 % signed before the five years, the
    rest over them (more later); about a fifth churn, some go through 'at risk'."""
    clients, history = [], []
    span = (today - first_day).days
    for pk in range(1, CLIENTS + 1):
        if pk <= CLIENTS * 3 // 10:
            start = first_day - dt.timedelta(days=rng.randrange(30, 3 * 365))
        else:
            start = first_day + dt.timedelta(days=int(math.sqrt(rng.random()) * (span - 40)))
        changes = [(start, "onboarding")]
        active_on = start + dt.timedelta(days=rng.randrange(30, 75))
        churned_on = None
        if active_on < today:
            changes.append((active_on, "active"))
            lifetime = (today - active_on).days
            if rng.random() < 0.22 and lifetime > 240:
                churned_on = active_on + dt.timedelta(days=rng.randrange(180, lifetime))
            end = churned_on or today
            if rng.random() < 0.15 and (end - active_on).days > 120:
                risk = active_on + dt.timedelta(days=rng.randrange(60, (end - active_on).days))
                changes.append((risk, "at_risk"))
                back = risk + dt.timedelta(days=rng.randrange(20, 90))
                if churned_on is None and back < today and rng.random() < 0.6:
                    changes.append((back, "active"))
            if churned_on:
                changes.append((churned_on, "churned"))
        status = changes[-1][1]
        mrr = round(min(2_000_000, 15_000 * math.exp(rng.gauss(1.2, 0.9))), 2)
        clients.append(
            (
                pk,
                f"Client {pk:03d}",
                "7707083893",
                rng.choice(["Start", "Business", "Enterprise"]),
                mrr,
                status,
                start,
                churned_on,
                churned_on,
                rng.choice(people["success"]),
                rng.choice(SEGMENTS),
                "",
                1,
            )
        )
        for day, change in changes:
            history.append((pk, change, day, "bench load"))
    return clients, history


def survey_rows(rng: random.Random, clients: list, first_day: dt.date, today: dt.date):
    """NPS: each active client is asked every quarter, one to three contacts answer over
    the quarter (55 % promoters, 20 % detractors). Internal satisfaction: about 30 answers a month."""
    tz = _zone()
    rows = []
    quarter = first_day
    while quarter < today:
        for client in clients:
            pk, start, churned = client[0], client[6], client[7]
            if start > quarter or (churned and churned <= quarter) or rng.random() > 0.6:
                continue
            for _ in range(rng.randint(1, 3)):
                day = quarter + dt.timedelta(days=rng.randrange(0, 90))
                if day >= today:
                    continue
                roll = rng.random()
                score = (
                    rng.randint(9, 10)
                    if roll < 0.55
                    else rng.randint(7, 8)
                    if roll < 0.80
                    else rng.randint(0, 6)
                )
                at = dt.datetime.combine(day, dt.time(9), tz) + dt.timedelta(
                    seconds=rng.randrange(0, 9 * 3600), microseconds=rng.randrange(1_000_000)
                )
                rows.append(("nps", pk, score, "", at))
        quarter = add_months(quarter, 3)
    month = first_day
    while month < today:
        for _ in range(rng.randint(20, 40)):
            day = month + dt.timedelta(days=rng.randrange(0, 28))
            if day < today:
                at = dt.datetime.combine(day, dt.time(10), tz) + dt.timedelta(
                    seconds=rng.randrange(0, 8 * 3600)
                )
                rows.append(
                    ("internal", None, rng.choices([5, 4, 3, 2], [55, 30, 10, 5])[0], "", at)
                )
        month = add_months(month, 1)
    return rows


def _zone():
    from zoneinfo import ZoneInfo

    from django.conf import settings

    return ZoneInfo(settings.TIME_ZONE)


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# ---- data: tickets and clocks (generate_series) ----------------------------------------------

# Active clients per month (biggest first) and how many of the tickets each month gets: in
# proportion to the clients active that month, adding up to exactly %(n)s.
MONTHS_SQL = """
CREATE UNLOGGED TABLE bench_month AS
WITH m AS (
    SELECT i, (%(first_day)s::date + make_interval(months => i))::date AS first_day,
              (%(first_day)s::date + make_interval(months => i + 1))::date AS next_day
    FROM generate_series(0, %(months)s - 1) AS i
), active AS (
    SELECT m.i, m.first_day, m.next_day - m.first_day AS days,
           array_agg(c.id ORDER BY c.mrr_rub DESC, c.id) AS clients, count(*) AS n_active
    FROM m JOIN clients_client AS c
      ON c.contract_start < m.next_day AND (c.churned_at IS NULL OR c.churned_at > m.first_day)
    GROUP BY m.i, m.first_day, m.next_day
), running AS (
    SELECT active.*, sum(n_active) OVER (ORDER BY i) AS cum, sum(n_active) OVER () AS total
    FROM active
)
SELECT i, first_day, days, clients, n_active,
       (floor(%(n)s::numeric * cum / total)
        - floor(%(n)s::numeric * (cum - n_active) / total))::int AS tickets
FROM running
"""

# One row per ticket with everything its ticket row and clock rows need. The innermost
# subquery draws the random numbers, each level above derives from the one below (OFFSET 0
# keeps the levels apart, so each value is computed once per row, not inlined into every
# expression that uses it); business seconds are lognormal per type around
# the default policy's targets; calendar time stretches business time by nights and weekends
# (about 1x for minutes, 3.7x for days). Tickets of the last two weeks are occasionally still
# open; anything that would happen after now has not happened yet.
PLAN_SQL = """
CREATE UNLOGGED TABLE bench_plan AS
SELECT row_number() OVER (ORDER BY t.created_at) AS id, t.*
FROM (
    SELECT
        d.client_id, d.type, d.category_id, d.channel, d.subject_no, d.u_wait, d.u_assignee,
        d.created_at, d.fr_b, d.res_b, d.pause_b, d.ext_s,
        CASE WHEN d.fr_at <= %(now)s THEN d.fr_at END AS first_response_at,
        CASE WHEN d.fr_at <= %(now)s AND NOT d.stuck AND d.res_at <= %(now)s
             THEN d.res_at END AS resolved_at,
        d.u_reopen, d.u_repeat, d.u_csat, d.u_score
    FROM (
        SELECT
            r.*,
            r.created_at + CASE WHEN r.type = 'emergency' THEN r.fr_b
                                ELSE r.fr_b * (1 + 2.7 * r.fr_b / (r.fr_b + 32400.0)) END
                           * interval '1 second' AS fr_at,
            r.created_at + (r.res_b + r.pause_b)
                           * (1 + 2.7 * (r.res_b + r.pause_b) / (r.res_b + r.pause_b + 32400.0))
                           * interval '1 second' AS res_at,
            r.u_open < 0.004 AND r.created_at >= %(data_end)s - interval '14 days' AS stuck
        FROM (
            SELECT
                q.*,
                greatest(60, round(CASE q.type
                    WHEN 'emergency' THEN 360 * exp(0.5 * q.z1)
                    WHEN 'standard' THEN 2400 * exp(0.95 * q.z1)
                    ELSE 3600 * exp(1.0 * q.z1) END))::int AS fr_b,
                least(2000000, greatest(900, round(CASE q.type
                    WHEN 'emergency' THEN 5400 * exp(0.6 * q.z2)
                    WHEN 'standard' THEN 18000 * exp(0.85 * q.z2)
                    ELSE 10800 * exp(1.2 * q.z2) END)))::int AS res_b,
                CASE WHEN q.u_pause < 0.15 THEN round(3600 * (1 + 20 * q.u_pause_len))::int
                     ELSE 0 END AS pause_b,
                CASE WHEN q.type <> 'emergency' AND q.u_ext < 0.02 THEN 28800 ELSE 0 END AS ext_s
            FROM (
                SELECT
                    raw.*,
                    (ARRAY['emergency', 'standard', 'consultation'])[
                        CASE WHEN raw.u_type < 0.10 THEN 1 WHEN raw.u_type < 0.70 THEN 2
                             ELSE 3 END] AS type,
                    greatest(
                        (c.contract_start::timestamp + interval '9 hours') AT TIME ZONE %(tz)s,
                        least(raw.drawn_at, coalesce(
                            (c.churned_at::timestamp - interval '6 hours') AT TIME ZONE %(tz)s,
                            raw.drawn_at))) AS created_at,
                    sqrt(-2 * ln(1 - raw.u_z1a)) * cos(2 * pi() * raw.u_z1b) AS z1,
                    sqrt(-2 * ln(1 - raw.u_z2a)) * cos(2 * pi() * raw.u_z2b) AS z2
                FROM (
                    SELECT
                        m.clients[1 + floor(power(random(), 1.7) * m.n_active)::int] AS client_id,
                        ((m.first_day + floor(random() * m.days)::int)::timestamp
                         + CASE WHEN random() < 0.85
                                THEN interval '9 hours' + random() * interval '9 hours'
                                ELSE random() * interval '24 hours' END)
                        AT TIME ZONE %(tz)s AS drawn_at,
                        %(category0)s + floor(power(random(), 1.4) * 12)::int AS category_id,
                        (ARRAY['portal', 'email', 'phone', 'messenger'])[
                            CASE WHEN random() < 0.45 THEN 1 WHEN random() < 0.55 THEN 2
                                 WHEN random() < 0.6 THEN 3 ELSE 4 END] AS channel,
                        floor(random() * 8)::int + 1 AS subject_no,
                        random() AS u_type, random() AS u_z1a, random() AS u_z1b,
                        random() AS u_z2a, random() AS u_z2b, random() AS u_pause,
                        random() AS u_pause_len, random() AS u_ext, random() AS u_open,
                        random() AS u_wait, random() AS u_assignee, random() AS u_reopen,
                        random() AS u_repeat, random() AS u_csat, random() AS u_score
                    FROM bench_month AS m CROSS JOIN LATERAL generate_series(1, m.tickets)
                    OFFSET 0
                ) AS raw
                JOIN clients_client AS c ON c.id = raw.client_id
                OFFSET 0
            ) AS q
            OFFSET 0
        ) AS r
        OFFSET 0
    ) AS d
) AS t
ORDER BY t.created_at
"""

TICKETS_SQL = """
INSERT INTO tickets_ticket (
    id, client_id, requester_email, type, category_id, channel, subject, status, assignee_id,
    policy_id, created_at, first_response_at, resolved_at, closed_at, reopened_count,
    is_repeat, csat_score, csat_comment, csat_at, version, updated_at)
SELECT
    p.id, p.client_id, 'contact' || p.client_id || '@client.example', p.type, p.category_id,
    p.channel,
    (ARRAY['Barrier does not open', 'Pass is not printed', 'Reader is silent',
           'Mobile app login fails', 'Invoice question', 'Guest pass expired',
           'Report shows no entries', 'Turnstile counts twice'])[p.subject_no]
        || ' at site ' || (p.id %% 97),
    s.status,
    CASE WHEN s.status <> 'new'
         THEN (%(staff)s::bigint[])[1 + floor(power(p.u_assignee, 1.2)
                                             * cardinality(%(staff)s::bigint[]))::int] END,
    %(policy)s, p.created_at, p.first_response_at, p.resolved_at,
    CASE WHEN s.status = 'closed' THEN p.resolved_at + interval '7 days' END,
    s.reopened, p.u_repeat < 0.072 OR s.reopened > 0,
    s.csat, '', CASE WHEN s.csat IS NOT NULL
                     THEN least(p.resolved_at + (p.id %% 48) * interval '1 hour', %(now)s) END,
    1, coalesce(p.resolved_at, p.created_at)
FROM bench_plan AS p
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN p.first_response_at IS NULL THEN 'new'
             WHEN p.resolved_at IS NULL AND p.u_wait < 0.4 THEN 'waiting_client'
             WHEN p.resolved_at IS NULL THEN 'open'
             WHEN p.resolved_at + interval '7 days' > %(now)s THEN 'resolved'
             ELSE 'closed' END AS status,
        CASE WHEN p.resolved_at IS NOT NULL AND p.u_reopen < 0.008 THEN 1 ELSE 0 END AS reopened,
        CASE WHEN p.resolved_at IS NOT NULL AND p.u_csat < 0.30 THEN
            CASE WHEN p.u_score < 0.04 THEN 1 WHEN p.u_score < 0.07 THEN 2
                 WHEN p.u_score < 0.13 THEN 3 WHEN p.u_score < 0.30 THEN 4 ELSE 5 END
        END AS csat
) AS s
ORDER BY p.id
"""

# First response (24/7 for emergencies), resolution (business calendar, pauses excluded) and
# the calendar-time ceiling (not for emergencies), with the default policy's targets. A
# stopped clock is met when its business seconds are within target + extension; a running
# one is breached once past its due time (as `refresh_statuses` leaves it); a paused one
# (the ticket waits for the client) keeps the due time it had when the pause began and is
# breached only when it was paused after it (sla/clocks.py `evaluate`). The plan is read in ticket order, so
# a ticket's clocks lie together, as they do when the product creates them.
CLOCKS_SQL = """
INSERT INTO sla_slaclock (
    ticket_id, metric, calendar_id, calendar_version, target_seconds, extension_seconds,
    ceiling_at, started_at, due_at, paused_since, paused_seconds, late_paused_seconds,
    stopped_at, elapsed_seconds,
    status, frozen)
SELECT
    p.id, k.metric, c.calendar_id, 1, c.target, c.extension, c.ceiling_at, p.created_at,
    c.due_at, c.paused_since, c.paused, 0, c.stopped_at,
    c.elapsed,
    CASE WHEN c.stopped_at IS NOT NULL THEN
              CASE WHEN c.elapsed <= c.target + c.extension THEN 'met' ELSE 'breached' END
         WHEN c.paused_since IS NULL AND c.due_at < %(now)s THEN 'breached'
         WHEN c.paused_since > c.due_at THEN 'breached'
         ELSE 'pending' END,
    p.resolved_at IS NOT NULL AND p.resolved_at + interval '7 days' <= %(now)s
FROM bench_plan AS p
CROSS JOIN (VALUES ('first_response'), ('resolution'), ('resolution_ceiling')) AS k(metric)
CROSS JOIN LATERAL (
    SELECT
        x.*,
        CASE WHEN x.calendar_id = %(always)s OR x.calendar_id IS NULL
             THEN p.created_at + x.target * interval '1 second'
             ELSE p.created_at + x.budget * (1 + 2.7 * x.budget / (x.budget + 32400.0))
                                 * interval '1 second' END AS due_at
    FROM (
        SELECT
            y.*, y.target + y.extension + y.paused AS budget,
            CASE WHEN p.type <> 'emergency' AND k.metric <> 'first_response'
                 THEN p.created_at + interval '5 days' END AS ceiling_at
        FROM (
            SELECT
                CASE WHEN k.metric = 'resolution_ceiling' THEN NULL
                     WHEN k.metric = 'first_response' AND p.type = 'emergency' THEN %(always)s
                     ELSE %(business)s END AS calendar_id,
                CASE k.metric
                    WHEN 'first_response' THEN CASE p.type WHEN 'emergency' THEN 900
                        WHEN 'standard' THEN 14400 ELSE 28800 END
                    WHEN 'resolution' THEN CASE p.type WHEN 'emergency' THEN 14400
                        WHEN 'standard' THEN 86400 ELSE 172800 END
                    ELSE 432000 END AS target,
                CASE WHEN k.metric = 'resolution' THEN p.ext_s ELSE 0 END AS extension,
                CASE WHEN k.metric = 'resolution' THEN p.pause_b ELSE 0 END AS paused,
                CASE WHEN k.metric = 'first_response' THEN p.first_response_at
                     ELSE p.resolved_at END AS stopped_at,
                CASE WHEN k.metric = 'first_response' AND p.first_response_at IS NOT NULL
                          THEN p.fr_b
                     WHEN k.metric = 'resolution' AND p.resolved_at IS NOT NULL THEN p.res_b
                     WHEN p.resolved_at IS NOT NULL
                          THEN extract(epoch FROM p.resolved_at - p.created_at)::int
                END AS elapsed,
                CASE WHEN k.metric = 'resolution' AND p.resolved_at IS NULL
                          AND p.first_response_at IS NOT NULL AND p.u_wait < 0.4
                     THEN least(p.first_response_at + interval '1 hour', %(now)s)
                END AS paused_since
        ) AS y
    ) AS x
) AS c
WHERE k.metric <> 'resolution_ceiling' OR p.type <> 'emergency'
"""


def secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """The table's indexes that back no constraint: dropped for the load, rebuilt after
    (one sorted build each is far cheaper than maintaining them row by row)."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index AS i
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
        """,
        [table],
    )
    return cursor.fetchall()


def load(tickets: int, phases: Phases) -> dict:
    from django.db import connection
    from django.utils import timezone

    from soprovod.sla.models import SlaPolicy, WorkCalendar
    from soprovod.tickets.models import Category

    rng = random.Random(SEED)
    first, _last = last_month()
    data_end_day = add_months(first, 1)  # the first day of this month: tickets end before it
    first_day = add_months(data_end_day, -MONTHS)
    today = timezone.localdate()
    now = timezone.now()
    tz = _zone()

    people = create_people()
    categories = Category.objects.bulk_create(Category(name=name) for name in CATEGORIES)
    clients, history = client_rows(rng, first_day, today, people)
    surveys = survey_rows(rng, clients, first_day, today)
    business = WorkCalendar.objects.filter(is_24x7=False).order_by("-is_default").first()
    always = WorkCalendar.objects.filter(is_24x7=True).first() or business
    policy = SlaPolicy.objects.filter(is_default=True).first()
    params = {
        "n": tickets,
        "months": MONTHS,
        "first_day": first_day,
        "data_end": dt.datetime.combine(data_end_day, dt.time(0), tz),
        "now": now,
        "tz": str(tz),
        "staff": people["support"],
        "category0": min(c.pk for c in categories),
        "business": business.pk,
        "always": always.pk,
        "policy": policy.pk if policy else None,
    }
    with connection.cursor() as cursor:
        # A bulk load: rows are consistent by construction, so skip the per-row foreign-key
        # triggers (superuser only; without it the load is just slower).
        try:
            cursor.execute("SET session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser
            log("# note: not a superuser, foreign keys are checked row by row (slower load)")
        cursor.execute("SET jit = off")  # compiling these one-off statements costs seconds
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SELECT setseed(0.2026)")
        copy_rows(
            cursor,
            "clients_client",
            [
                "id",
                "name",
                "inn",
                "tariff",
                "mrr_rub",
                "status",
                "contract_start",
                "contract_end",
                "churned_at",
                "success_manager_id",
                "segment",
                "notes",
                "version",
            ]
            + ["created_at", "updated_at"],
            (row + (now, now) for row in clients),
        )
        copy_rows(
            cursor,
            "clients_clientstatuschange",
            ["client_id", "status", "effective_on", "comment", "recorded_at"],
            (row + (now,) for row in history),
        )
        copy_rows(
            cursor,
            "surveys_surveyresponse",
            ["kind", "client_id", "score", "comment", "answered_at"],
            surveys,
        )
        churned = sum(1 for c in clients if c[5] == "churned")
        phases.done(
            f"clients, history, surveys ({len(clients)} clients, {churned} churned, "
            f"{len(history)} status changes, {len(surveys):,} survey answers)"
        )

        cursor.execute(MONTHS_SQL, params)
        cursor.execute(PLAN_SQL, params)
        phases.done("ticket plan (random draws, sorted by creation time)")
        dropped = {}
        for table in ("tickets_ticket", "sla_slaclock"):
            dropped[table] = secondary_indexes(cursor, table)
            for name, _definition in dropped[table]:
                cursor.execute(f"DROP INDEX {name}")
        cursor.execute(TICKETS_SQL, params)
        phases.done(f"{tickets:,} tickets")
        cursor.execute(CLOCKS_SQL, params)
        cursor.execute("SELECT count(*) FROM sla_slaclock")
        clocks = cursor.fetchone()[0]
        phases.done(f"{clocks:,} SLA clocks")
        for table in ("tickets_ticket", "sla_slaclock"):
            for _name, definition in dropped[table]:
                cursor.execute(definition)
        phases.done(f"rebuilt {sum(len(d) for d in dropped.values())} indexes")
        # Rows were loaded with their ids: move the sequences past them.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('clients_client', 'id'), "
            "(SELECT max(id) FROM clients_client))"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), "
            "(SELECT max(id) FROM tickets_ticket))"
        )
        cursor.execute("DROP TABLE bench_plan, bench_month")
        cursor.execute("RESET ALL")
    connection.close()  # timings run on a fresh connection with the server's settings
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    phases.done("VACUUM ANALYZE")
    return {"tickets": tickets, "clocks": clocks, "head": people["head"]}


def describe(connection) -> str:
    """What was loaded, for the header: rows and the shares the brief asks for."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*),
                   round(100.0 * count(*) FILTER (WHERE type = 'emergency') / count(*), 1),
                   round(100.0 * count(*) FILTER (WHERE type = 'standard') / count(*), 1),
                   round(100.0 * count(*) FILTER (WHERE type = 'consultation') / count(*), 1),
                   round(100.0 * count(*) FILTER (WHERE is_repeat) / count(*), 1),
                   round(100.0 * count(*) FILTER (WHERE csat_score IS NOT NULL)
                         / nullif(count(*) FILTER (WHERE resolved_at IS NOT NULL), 0), 1),
                   min(created_at AT TIME ZONE %s)::date, max(created_at AT TIME ZONE %s)::date,
                   count(*) FILTER (WHERE resolved_at IS NULL)
            FROM tickets_ticket
            """,
            [str(_zone())] * 2,
        )
        n, emergency, standard, consultation, repeats, csat, first, last, open_ = cursor.fetchone()
        cursor.execute(
            """
            SELECT count(*), round(100.0 * count(*) FILTER (WHERE status = 'breached')
                                   / nullif(count(*) FILTER (WHERE status <> 'pending'), 0), 1)
            FROM sla_slaclock
            """
        )
        clocks, breached = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return (
        f"{n:,} tickets {first}..{last} (emergency {emergency} %, standard {standard} %, "
        f"consultation {consultation} %; repeats {repeats} %; CSAT on {csat} % of resolved; "
        f"{open_} open), {clocks:,} clocks ({breached} % of decided ones breached), "
        f"database {size}"
    )


# ---- timing ----------------------------------------------------------------------------------


def best_of(func, repeats: int) -> float:
    """The fastest of ``repeats`` runs after a warm-up (every run sees a warm cache; noise
    from other work on the machine only slows runs down)."""
    func()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return min(samples)


def explain_document(period) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every query `compute` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from soprovod.kpi.engine import compute

    with CaptureQueriesContext(connection) as captured:
        compute(period)
    for number, query in enumerate(captured.captured_queries, 1):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        log(f"--- query {number} ({float(query['time']) * 1000:.0f} ms)\n{query['sql']}\n{plan}")


def measure(head_id: int, repeats: int, show_plans: bool) -> dict[str, float | None]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from soprovod.accounts.models import User
    from soprovod.kpi.engine import Period, compute

    first, last = last_month()
    period = Period(first, last)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL)
            cursor.fetchall()

    results: dict[str, float | None] = {"baseline": best_of(baseline, repeats)}
    results["document"] = best_of(lambda: compute(period), repeats)
    if show_plans:
        explain_document(period)
    # How much of the document is JIT compilation: PostgreSQL compiles any query estimated
    # above jit_above_cost, and the per-ticket clock probes estimate high.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit_on = cursor.fetchone()[0] == "on"
        if jit_on:
            cursor.execute("SET jit = off")
    results["document_without_jit"] = best_of(lambda: compute(period), repeats) if jit_on else None
    with connection.cursor() as cursor:
        cursor.execute("RESET jit")

    from soprovod.reports.generator import build_report_data

    results["monthly_report"] = best_of(lambda: build_report_data("monthly", period), repeats)

    url = reverse("kpi:dashboard")
    logging.getLogger("axes").setLevel(logging.WARNING)  # no "successful login" lines
    browser = Client(SERVER_NAME="localhost")
    browser.force_login(User.objects.get(pk=head_id))

    def dashboard():
        response = browser.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")

    try:
        results["dashboard"] = best_of(dashboard, repeats)
    except Exception as error:  # noqa: BLE001 - the document's line still counts
        log(f"kpi bench: the dashboard failed: {error!r}")
        results["dashboard"] = None
        results["dashboard_failed"] = True
    return results


def head_user() -> int:
    from soprovod.accounts.models import User, UserRole

    user, created = User.objects.get_or_create(username="bench-head")
    if created:
        UserRole.objects.create(user=user, role="head")
    return user.pk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed runs; the best counts")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the document")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a kept database, no reload")
    args = parser.parse_args()

    phases = Phases()
    url = bench_url(DEFAULT_URL)
    name = database_name(url, "kpi bench")
    reuse = args.reuse and database_exists(url)
    if args.reuse and not reuse:
        log(f"# note: no database {name} to reuse: loading one")
    log(
        f"# kpi bench: the KPI document of last month and the dashboard page, each as a "
        f"multiple of one plain aggregate scan over all tickets ({BASELINE_SQL}) in the same "
        f"run; lower is better; goal: each <= {GOAL:g}x"
    )
    if not reuse:
        try:
            admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin(url, f"CREATE DATABASE {name}")
        except Exception as error:  # noqa: BLE001 - one line, not a traceback
            log(f"kpi bench: cannot create database {name}: {error}")
            return 1
    failed = False
    data_dir = tempfile.mkdtemp(prefix="soprovod-bench-kpi-")
    try:
        setup_django(url, data_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        phases.done("migrate")
        head = head_user() if reuse else load(args.tickets, phases)["head"]
        from soprovod.kpi.actions import do_store_months

        stored = do_store_months()
        phases.done(f"stored the closed months' ticket facts ({stored:,} groups)")
        log(f"# data: {describe(connection)}")
        results = measure(head, args.repeats, args.explain)
        phases.done("timing")
        base = results["baseline"]
        log(f"# baseline (plain scan of all tickets): {base * 1000:.0f} ms")
        for key in ("document", "dashboard", "monthly_report"):
            if results.get(key) is not None:
                log(f"# kpi.{key}: {results[key] * 1000:.0f} ms")
        if results["document_without_jit"] is not None:
            log(
                f"# kpi.document with jit off for the session: "
                f"{results['document_without_jit'] * 1000:.0f} ms "
                f"({results['document_without_jit'] / base:.2f}x); the server has jit on"
            )
        print(f"kpi.document: {results['document'] / base:.2f}x", flush=True)
        if results["dashboard"] is not None:
            print(f"kpi.dashboard: {results['dashboard'] / base:.1f}x", flush=True)
        print(f"kpi.monthly_report: {results['monthly_report'] / base:.1f}x", flush=True)
        for key in ("document", "dashboard", "monthly_report"):
            if results.get(key) is not None:
                verdict = "met" if results[key] <= GOAL * base else "MISSED"
                log(f"# goal kpi.{key} <= {GOAL:g}x: {verdict}")
        failed = bool(results.get("dashboard_failed"))
    except Exception as error:  # noqa: BLE001 - report and exit non-zero
        report_failure("kpi bench", error)
        failed = True
    finally:
        tear_down(url, "kpi bench", data_dir, keep=args.keep)
        log(f"# total: {phases.total():.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
