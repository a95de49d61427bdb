"""The raw values of the health score's measures for every client at once, in a fixed number
of grouped queries whatever the number of clients (aggregates and window functions in the
database, never a query per client). `scoring` turns them into scores.

The windows, as of a day D in the department's zone (kpi.md's definitions, per client):

- ``sla``: tickets created in the last 90 days (D−89 … D) that meet SLA ÷ those that meet or
  breach it (pending ones left out); no data without a decided ticket;
- ``emergency_breaches``: emergency tickets created in those 90 days that breach SLA; no data
  without an emergency ticket in them;
- ``csat``: the mean rating of tickets resolved in those 90 days; no data without a rating;
- ``nps``: the client's latest NPS answer (0–10) within a year (D−364 … D);
- ``volume_trend``: tickets a day over the last 30 days ÷ tickets a day over the 90 days
  before them (D−119 … D−30); no data when there were none before;
- ``repeat_rate``: repeats among tickets created in the last 90 days (the tickets' own
  ``is_repeat``, kpi.md «repeat_rate»); no data without a ticket;
- ``open_claims``: the client's open claims (`success.queries.open_claims`) registered by the
  end of D; no data for a client with no claim registered in the year before D and none open
  (the claims register knows nothing of it; a claim closed within the year counts as 0 open);
- ``renewal``: days from D to the contract end; no data without a contract end;
- ``implementation``: the worst project in progress (overdue, blocked, at risk, on track:
  `projects.queries.with_health`); no data without a project in progress.

Risk flags (beside the score): MRR down 10 % or more against the MRR 90 days before (the
dated MRR history), an open claim, an emergency ticket created this calendar month that
breaches SLA.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from soprovod.clients.models import Client, ClientStatus, MrrChange
from soprovod.lib.periods import Period
from soprovod.projects.models import Project, ProjectStatus
from soprovod.projects.queries import OVERDUE, with_health
from soprovod.sla import queries as sla_queries
from soprovod.sla.models import SlaClock
from soprovod.success.models import Claim
from soprovod.success.queries import open_claims
from soprovod.surveys.models import SurveyResponse
from soprovod.tickets.models import Ticket

WINDOW_DAYS = 90
RECENT_DAYS = 30
BEFORE_DAYS = 90
NPS_DAYS = 365
MRR_DROP = Decimal("0.10")
MRR_DOWN, OPEN_CLAIM, EMERGENCY_BREACH = "mrr_down", "open_claim", "emergency_breach"
FLAGS = (MRR_DOWN, OPEN_CLAIM, EMERGENCY_BREACH)
# The worst first: a client's implementation status is that of its worst project.
IMPLEMENTATION_RANK = ("overdue", "blocked", "at_risk", "on_track")


@dataclass
class ClientInputs:
    client_id: int
    raw: dict[str, float | str | None] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


def scored_clients() -> Q:
    """The clients that get a score: every client not churned."""
    return ~Q(status=ClientStatus.CHURNED)


def _moment(day: dt.date) -> dt.datetime:
    """The instant the computation stands at: now for today, the end of a past day."""
    end = Period(day, day).end_at
    return min(timezone.now(), end)


def _mrr_on(day: dt.date) -> Subquery:
    return Subquery(
        MrrChange.objects.filter(client=OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on", "-pk")
        .values("mrr_rub")[:1],
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _ticket_rows(day: dt.date, now: dt.datetime, clients: Q) -> dict[int, dict]:
    """Per client, one pass over its tickets of the last 120 days.

    Each ticket's SLA flags (kpi.md «sla.*»: a clock breaching SLA, a clock still running,
    any clock) are computed once, in an inner query kept apart from the grouping (``OFFSET
    0``): written straight into the counts' FILTERs, PostgreSQL would evaluate each flag once
    per count that uses it."""
    window = Period(day - dt.timedelta(days=WINDOW_DAYS - 1), day)
    recent = Period(day - dt.timedelta(days=RECENT_DAYS - 1), day)
    widest = Period(recent.start - dt.timedelta(days=BEFORE_DAYS), day)
    month = Period(day.replace(day=1), day)
    in_window = Q(created_at__gte=window.start_at)
    clocks = SlaClock.objects.filter(ticket=OuterRef("pk"))

    def only_in_window(condition) -> Case:
        # The flags matter for the 90 days only, not for the 30 before them.
        return Case(When(in_window, then=condition), default=Value(False))

    tickets = (
        Ticket.objects.filter(
            created_at__gte=widest.start_at, created_at__lt=widest.end_at, **clients_filter(clients)
        )
        .annotate(
            breached=only_in_window(Exists(clocks.filter(sla_queries.breaches_sla(now)))),
            running=only_in_window(Exists(clocks.filter(stopped_at__isnull=True))),
            clocked=only_in_window(Exists(clocks)),
        )
        .values("client_id", "type", "created_at", "is_repeat", "breached", "running", "clocked")
        .order_by()
    )
    inner, params = tickets.query.sql_with_params()
    keep_apart = "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"
    windowed = "t.created_at >= %s"
    emergency = "t.type = 'emergency'"
    counts = {
        "total": windowed,
        "met": f"{windowed} AND t.clocked AND NOT t.breached AND NOT t.running",
        "breached": f"{windowed} AND t.breached",
        "emergencies": f"{windowed} AND {emergency}",
        "emergency_breaches": f"{windowed} AND {emergency} AND t.breached",
        "month_emergency_breaches": f"t.created_at >= %s AND {emergency} AND t.breached",
        "repeats": f"{windowed} AND t.is_repeat",
        "recent": "t.created_at >= %s",
        "before": "t.created_at < %s",
    }
    bounds = {
        "month_emergency_breaches": [month.start_at],
        "recent": [recent.start_at],
        "before": [recent.start_at],
    }
    select, outer_params = [], []
    for name, condition in counts.items():
        select.append(f"COUNT(*) FILTER (WHERE {condition}) AS {name}")
        outer_params += [
            connection.ops.adapt_datetimefield_value(bound)
            for bound in bounds.get(name, [window.start_at])
        ]
    sql = (
        f"SELECT t.client_id, {', '.join(select)} "  # noqa: S608 - our own column expressions
        f"FROM ({inner} {keep_apart}) AS t GROUP BY t.client_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*outer_params, *params])  # the SELECT list comes first
        names = ["client_id", *counts]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def clients_filter(clients: Q) -> dict:
    """``clients`` (a condition on Client) as a condition on rows that have a ``client``."""
    return {"client__in": Client.objects.filter(clients).values("pk")}


def _csat(day: dt.date, clients: Q) -> dict[int, float]:
    window = Period(day - dt.timedelta(days=WINDOW_DAYS - 1), day)
    rows = (
        Ticket.objects.filter(
            resolved_at__gte=window.start_at,
            resolved_at__lt=window.end_at,
            csat_score__isnull=False,
            **clients_filter(clients),
        )
        .values("client_id")
        .annotate(mean=Avg("csat_score"))
        .order_by()
    )
    return {row["client_id"]: float(row["mean"]) for row in rows}


def _latest_nps(day: dt.date, clients: Q) -> dict[int, int]:
    window = Period(day - dt.timedelta(days=NPS_DAYS - 1), day)
    rows = (
        SurveyResponse.objects.filter(
            kind=SurveyResponse.Kind.NPS,
            answered_at__gte=window.start_at,
            answered_at__lt=window.end_at,
            **clients_filter(clients),
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("client_id")],
                order_by=[F("answered_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values_list("client_id", "score")
    )
    return dict(rows)


def _implementation(day: dt.date, clients: Q) -> dict[int, str]:
    rows = (
        with_health(
            Project.objects.filter(status=ProjectStatus.IN_PROGRESS, **clients_filter(clients)),
            day,
        )
        .values_list("client_id", "health", "is_blocked")
        .order_by()
    )
    worst: dict[int, str] = {}
    for client_id, health, blocked in rows:
        status = "overdue" if health == OVERDUE else "blocked" if blocked else health
        if client_id not in worst or IMPLEMENTATION_RANK.index(status) < IMPLEMENTATION_RANK.index(
            worst[client_id]
        ):
            worst[client_id] = status
    return worst


def _claims(day: dt.date, clients: Q) -> dict[int, int]:
    """{client: open claims} for the clients with an open claim or a claim registered within
    the year; the others are absent (no data)."""
    end = Period(day, day).end_at
    year = Period(day - dt.timedelta(days=NPS_DAYS - 1), day)
    ids = Client.objects.filter(clients).values("pk")
    rows = (
        Claim.objects.filter(client__in=ids, created_at__lt=end)
        .filter(Q(pk__in=open_claims(ids).values("pk")) | Q(created_at__gte=year.start_at))
        .values("client_id")
        .annotate(
            open=Count("pk", filter=Q(pk__in=open_claims(ids).values("pk"))),
        )
        .order_by()
    )
    return {row["client_id"]: row["open"] for row in rows}


def gather(day: dt.date | None = None, client_ids: Iterable[int] | None = None) -> dict:
    """``{client_id: ClientInputs}`` for the scored clients (or those of ``client_ids``) as of
    ``day`` (today by default), in a fixed number of queries."""
    day = day or timezone.localdate()
    now = _moment(day)
    clients = scored_clients()
    if client_ids is not None:
        clients &= Q(pk__in=list(client_ids))
    rows = list(
        Client.objects.filter(clients)
        .annotate(mrr_now=_mrr_on(day), mrr_then=_mrr_on(day - dt.timedelta(days=WINDOW_DAYS)))
        .values_list("pk", "contract_end", "mrr_now", "mrr_then")
        .order_by("pk")
    )
    tickets = _ticket_rows(day, now, clients)
    csat = _csat(day, clients)
    nps = _latest_nps(day, clients)
    projects = _implementation(day, clients)
    claims = _claims(day, clients)
    result = {}
    for pk, contract_end, mrr_now, mrr_then in rows:
        item = ClientInputs(pk)
        t = tickets.get(pk)
        decided = (t["met"] + t["breached"]) if t else 0
        raw = item.raw
        raw["sla"] = t["met"] / decided if decided else None
        raw["emergency_breaches"] = t["emergency_breaches"] if t and t["emergencies"] else None
        raw["csat"] = csat.get(pk)
        raw["nps"] = nps.get(pk)
        raw["volume_trend"] = (
            (t["recent"] / RECENT_DAYS) / (t["before"] / BEFORE_DAYS) if t and t["before"] else None
        )
        raw["repeat_rate"] = t["repeats"] / t["total"] if t and t["total"] else None
        raw["open_claims"] = claims.get(pk)
        raw["renewal"] = (contract_end - day).days if contract_end else None
        raw["implementation"] = projects.get(pk)
        if mrr_then and mrr_now is not None and mrr_now <= mrr_then * (1 - MRR_DROP):
            item.flags.append(MRR_DOWN)
        if raw["open_claims"]:
            item.flags.append(OPEN_CLAIM)
        if t and t["month_emergency_breaches"]:
            item.flags.append(EMERGENCY_BREACH)
        item.facts = {
            "mrr_now": str(mrr_now) if mrr_now is not None else None,
            "mrr_then": str(mrr_then) if mrr_then is not None else None,
            "tickets": t["total"] if t else 0,
            "emergencies": t["emergencies"] if t else 0,
        }
        result[pk] = item
    return result
