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
- ``open_claims``: the client's open claims; no data while claims are not registered;
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

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
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
    window = Period(day - dt.timedelta(days=WINDOW_DAYS - 1), day)
    recent = Period(day - dt.timedelta(days=RECENT_DAYS - 1), day)
    widest = Period(recent.start - dt.timedelta(days=BEFORE_DAYS), day)
    month = Period(day.replace(day=1), day)
    in_window = Q(created_at__gte=window.start_at)
    emergency = Q(type="emergency")
    clocks = SlaClock.objects.filter(ticket=OuterRef("pk"))
    breached = Q(is_breached=True)
    met = Q(is_breached=False, is_running=False, has_clocks=True)
    rows = (
        Ticket.objects.filter(
            created_at__gte=widest.start_at, created_at__lt=widest.end_at, **clients_filter(clients)
        )
        .annotate(
            is_breached=Exists(clocks.filter(sla_queries.breaches_sla(now))),
            is_running=Exists(clocks.filter(stopped_at__isnull=True)),
            has_clocks=Exists(clocks),
        )
        .values("client_id")
        .annotate(
            total=Count("pk", filter=in_window),
            met=Count("pk", filter=in_window & met),
            breached=Count("pk", filter=in_window & breached),
            emergencies=Count("pk", filter=in_window & emergency),
            emergency_breaches=Count("pk", filter=in_window & emergency & breached),
            month_emergency_breaches=Count(
                "pk", filter=Q(created_at__gte=month.start_at) & emergency & breached
            ),
            repeats=Count("pk", filter=in_window & Q(is_repeat=True)),
            recent=Count("pk", filter=Q(created_at__gte=recent.start_at)),
            before=Count("pk", filter=Q(created_at__lt=recent.start_at)),
        )
        .order_by()
    )
    return {row["client_id"]: row for row in rows}


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


# Open claims per client: given by the success app once claims are registered (None until then).
_claims_source = None


def connect_claims(source) -> None:
    """``source(day, clients: Q) -> {client_id: open claims}``, from the claims register."""
    global _claims_source
    _claims_source = source


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
    claims = _claims_source(day, clients) if _claims_source is not None else None
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
        raw["open_claims"] = claims.get(pk, 0) if claims is not None else None
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
