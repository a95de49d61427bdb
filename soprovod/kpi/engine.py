"""The one KPI engine (kpi.md): every key with exactly its formula, computed in the database
for any period, and the KPI document that the CLI, the API, the dashboard and the reports
share (interfaces.md «KPI JSON»).

The document costs a fixed number of queries whatever the data size: each group of KPIs that
reads the same rows is one aggregate query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.budget import queries as budget_queries
from soprovod.clients.models import Client, ClientStatus, ClientStatusChange, MrrChange
from soprovod.kpi import months
from soprovod.kpi.aggregates import PercentileCont
from soprovod.kpi.models import KpiTarget
from soprovod.lib.periods import Period
from soprovod.sla import queries as sla_queries
from soprovod.sla.models import Metric, SlaClock
from soprovod.surveys.models import SurveyResponse
from soprovod.surveys.queries import nps_score
from soprovod.tickets.models import Ticket

TICKET_TYPES = ("emergency", "standard", "consultation")


# ---- results -----------------------------------------------------------------------------


@dataclass
class KpiValue:
    key: str
    title: str
    value: float | None
    target: float | None
    comparison: str | None
    met: bool | None
    numerator: float | None = None
    denominator: float | None = None
    count: int | None = None
    unit: str = ""
    group: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        for optional in ("numerator", "denominator", "count"):
            if data[optional] is None:
                del data[optional]
        return data


@dataclass
class KpiDocument:
    period: Period
    generated_at: dt.datetime
    kpis: list[KpiValue] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "generated_at": timezone.localtime(self.generated_at).isoformat(timespec="seconds"),
            "kpis": [k.as_json() for k in self.kpis],
        }

    def get(self, key: str) -> KpiValue | None:
        return next((k for k in self.kpis if k.key == key), None)


@dataclass(frozen=True)
class KpiDef:
    key: str
    title: str
    target: float | None
    comparison: str | None
    unit: str = ""
    group: str = ""


# The registry: every key of kpi.md, its Russian title (through the catalogue) and default
# target. Keys are a contract (interfaces.md); titles are translated.
def _defs() -> list[KpiDef]:
    defs = [
        KpiDef("sla.emergency", _("SLA compliance: emergency"), 1.0, ">=", "share", "sla"),
        KpiDef("sla.standard", _("SLA compliance: standard"), 0.95, ">=", "share", "sla"),
        KpiDef("sla.consultation", _("SLA compliance: consultations"), 0.95, ">=", "share", "sla"),
        KpiDef("sla.all", _("Tickets handled within SLA"), 0.95, ">=", "share", "sla"),
    ]
    for kind, title in (
        ("first_response", _("Response time")),
        ("resolution", _("Resolution time")),
    ):
        for ticket_type in TICKET_TYPES:
            for stat, stat_title in (("median", _("median")), ("p90", _("90th percentile"))):
                defs.append(
                    KpiDef(
                        f"{kind}.{ticket_type}.{stat}",
                        f"{title}: {_TYPE_TITLES[ticket_type]}, {stat_title}",
                        None,
                        None,
                        "minutes",
                        "times",
                    )
                )
    defs += [
        KpiDef("repeat_rate", _("Share of repeat tickets"), None, None, "share", "quality"),
        KpiDef(
            "repeat_rate.change",
            _("Change in the share of repeat tickets"),
            -0.10,
            "<=",
            "share",
            "quality",
        ),
        KpiDef("retention", _("Client retention"), 0.98, ">=", "share", "clients"),
        KpiDef("revenue.grr", _("Gross revenue retention (GRR)"), 0.95, ">=", "share", "clients"),
        KpiDef("revenue.nrr", _("Net revenue retention (NRR)"), 1.0, ">=", "share", "clients"),
        KpiDef("csat", _("Client satisfaction (CSAT)"), 4.5, ">=", "score", "clients"),
        KpiDef("nps", _("NPS"), 50.0, ">=", "score", "clients"),
        KpiDef(
            "implementation.completed",
            _("Implementation projects"),
            5.0,
            ">=",
            "per_month",
            "clients",
        ),
        KpiDef(
            "portfolio.active_clients",
            _("Client portfolio"),
            float(settings.PORTFOLIO_CAPACITY),
            "<=",
            "count",
            "clients",
        ),
        KpiDef(
            "handoff.on_time",
            _("Sales → support hand-offs on time"),
            1.0,
            ">=",
            "share",
            "coordination",
        ),
        KpiDef(
            "handoff.hours.median",
            _("Sales–support agreement time"),
            24.0,
            "<=",
            "hours",
            "coordination",
        ),
        KpiDef(
            "dev_request.on_time",
            _("Development requests agreed on time"),
            1.0,
            ">=",
            "share",
            "coordination",
        ),
        KpiDef(
            "dev_request.hours.median",
            _("Agreement time with development"),
            48.0,
            "<=",
            "hours",
            "coordination",
        ),
        KpiDef(
            "coordination.on_time",
            _("Cross-department requests on time"),
            1.0,
            ">=",
            "share",
            "coordination",
        ),
        KpiDef(
            "internal_satisfaction",
            _("Internal client satisfaction (sales, support)"),
            4.5,
            ">=",
            "score",
            "coordination",
        ),
        KpiDef("team.tasks_on_time", _("Team tasks on time"), 1.0, ">=", "share", "team"),
        KpiDef("budget.execution", _("Budget execution"), 1.0, "<=", "share", "team"),
    ]
    return defs


_TYPE_TITLES = {
    "emergency": _("emergency"),
    "standard": _("standard"),
    "consultation": _("consultations"),
}


# ---- KPIs that other apps define -----------------------------------------------------------


@dataclass(frozen=True)
class KpiSource:
    """KPIs another app defines and computes, registered from its ``AppConfig.ready`` with
    `register_source` (the engine never imports the apps above it).

    ``definitions()`` lists the keys (they may change while the server runs, e.g. as the
    head defines strategic KPIs); ``compute(period, now)`` returns ``{key: {"value": …,
    "numerator": …, "denominator": …, "count": …}}``. A key it leaves out, or a source
    without ``compute``, reports null: «no data», never a guess."""

    name: str
    definitions: Callable[[], list[KpiDef]]
    compute: Callable[[Period, dt.datetime], dict[str, dict]] | None = None
    # The records behind its figures: ``{key: outcomes}`` (the default outcome first), and
    # ``drilldown(period, key, outcome, now)`` returning them as a queryset, shown on the
    # drill-down page with ``drilldown_template``.
    outcomes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    drilldown: Callable[[Period, str, str, dt.datetime], QuerySet] | None = None
    drilldown_template: str = ""


_sources: dict[str, KpiSource] = {}


def register_source(source: KpiSource) -> None:
    """Add ``source``; a source registered under the same name replaces the earlier one.

    A source may compute keys this module already declares (kpi.md's own, e.g.
    «handoff.on_time»): their one definition stays here and the source gives the values."""
    _sources[source.name] = source


def drilldown_source(key: str) -> KpiSource | None:
    """The registered source that can show the records behind ``key``, if any."""
    return next(
        (s for s in _sources.values() if s.drilldown is not None and key in s.outcomes), None
    )


def _strategic_placeholder() -> list[KpiDef]:
    """kpi.md «strategic.<key>»: until the head's strategic plan exists its execution is
    reported, as null. The strategic plan registers its own source named ``strategic``
    (one key per strategic KPI, and this key's value), which replaces this one."""
    return [
        KpiDef(
            "strategic.plan_execution",
            _("Strategic KPIs: plan execution"),
            1.0,
            ">=",
            "share",
            "strategic",
        )
    ]


register_source(KpiSource("strategic", _strategic_placeholder))


def kpi_definitions() -> list[KpiDef]:
    """Every key of the KPI document: kpi.md's own, then those of the registered sources
    (each key once: a source's definition of a key already declared is left out)."""
    defs = _defs()
    seen = {d.key for d in defs}
    for source in _sources.values():
        for definition in source.definitions():
            if definition.key not in seen:
                seen.add(definition.key)
                defs.append(definition)
    return defs


def _source_values(period: Period, now: dt.datetime) -> dict[str, dict]:
    values: dict[str, dict] = {}
    for source in _sources.values():
        if source.compute is not None:
            values.update(source.compute(period, now))
    return values


# ---- the formulas' query pieces -----------------------------------------------------------
# Shared with `breakdowns` (per group, per month, the records behind a figure), so every
# figure anywhere is computed by the same expressions.


def created_in(period: Period, prefix: str = "") -> Q:
    """Tickets created in the period (kpi.md: SLA, times and repeats count by creation);
    ``prefix`` reaches the ticket through a relation (``"ticket__"``)."""
    return Q(
        **{f"{prefix}created_at__gte": period.start_at, f"{prefix}created_at__lt": period.end_at}
    )


def rated_in(period: Period) -> Q:
    """kpi.md «csat»: tickets resolved in the period that have a rating."""
    return Q(
        resolved_at__gte=period.start_at, resolved_at__lt=period.end_at, csat_score__isnull=False
    )


def answered_in(period: Period) -> Q:
    return Q(answered_at__gte=period.start_at, answered_at__lt=period.end_at)


def sla_outcome_annotations(now: dt.datetime) -> dict[str, Exists]:
    """Per-ticket SLA flags (kpi.md «sla.*»): ``is_breached`` when a clock breached or runs
    past its due time at ``now``, ``is_running`` while a clock still runs, ``has_clocks``.
    `SLA_MET` and `SLA_BREACHED` then select the tickets that meet or breach SLA; the rest
    are pending and left out."""
    clocks = SlaClock.objects.filter(ticket=OuterRef("pk"))
    breached = clocks.filter(sla_queries.breaches_sla(now))
    running = clocks.filter(stopped_at__isnull=True)
    return {
        "is_breached": Exists(breached),
        "is_running": Exists(running),
        "has_clocks": Exists(clocks),
    }


SLA_MET = Q(is_breached=False, is_running=False, has_clocks=True)
SLA_BREACHED = Q(is_breached=True)
REPEAT = Q(is_repeat=True)
# kpi.md «nps»: promoters 9–10, detractors 0–6.
PROMOTER = Q(score__gte=9)
DETRACTOR = Q(score__lte=6)
# A stopped clock's business minutes (kpi.md «Время реакции», «Время решения»).
CLOCK_MINUTES = F("elapsed_seconds") / Value(60.0)


def ticket_counts(scope: Q | None = None) -> dict[str, Count]:
    """Aggregates over tickets annotated with `sla_outcome_annotations`: created (``total``),
    ``repeats``, SLA ``met`` and ``breached``; ``scope`` narrows every count."""
    scope = scope or Q()
    return {
        "total": Count("pk", filter=scope or None),
        "repeats": Count("pk", filter=REPEAT & scope),
        "breached": Count("pk", filter=SLA_BREACHED & scope),
        "met": Count("pk", filter=SLA_MET & scope),
    }


def stopped_clocks(period: Period):
    """The stopped first-response and resolution clocks of tickets created in the period."""
    return SlaClock.objects.filter(
        created_in(period, "ticket__"),
        metric__in=[Metric.FIRST_RESPONSE, Metric.RESOLUTION],
        stopped_at__isnull=False,
    )


def clock_stats() -> dict:
    """Aggregates over `stopped_clocks`: median, 90th percentile and count of the minutes."""
    return {
        "median": PercentileCont(CLOCK_MINUTES, 0.5),
        "p90": PercentileCont(CLOCK_MINUTES, 0.9),
        "n": Count("pk"),
    }


def csat_stats(scope: Q | None = None) -> dict:
    """Aggregates over rated tickets (`rated_in`, or ``scope`` when the rows are wider):
    mean, sum and number of ratings."""
    return {
        "mean": Avg("csat_score", filter=scope),
        "total": Sum("csat_score", filter=scope),
        "n": Count("pk", filter=scope),
    }


def survey_stats() -> dict:
    """Aggregates over survey answers of one kind: NPS promoters/detractors, the mean."""
    return {
        "n": Count("pk"),
        "promoters": Count("pk", filter=PROMOTER),
        "detractors": Count("pk", filter=DETRACTOR),
        "mean": Avg("score"),
        "total": Sum("score"),
    }


# ---- the queries -------------------------------------------------------------------------


def _ticket_stats(period: Period, now: dt.datetime) -> dict[str, dict]:
    """One query: per ticket type, tickets created in the period, repeats, and how many meet
    or breach SLA (kpi.md «sla.*», «repeat_rate»)."""
    rows = (
        Ticket.objects.filter(created_in(period))
        .annotate(**sla_outcome_annotations(now))
        .values("type")
        .annotate(**ticket_counts())
        .order_by()
    )
    return {row["type"]: row for row in rows}


def _clock_percentiles(period: Period) -> dict[tuple[str, str], dict]:
    """One query: median and 90th percentile of the stopped clocks' business minutes, per
    ticket type and metric, for tickets created in the period (kpi.md «Время реакции»,
    «Время решения»)."""
    rows = stopped_clocks(period).values("ticket__type", "metric").annotate(**clock_stats())
    return {(r["ticket__type"], r["metric"]): r for r in rows.order_by()}


def _repeat_totals(period: Period) -> tuple[int, int]:
    row = Ticket.objects.filter(created_in(period)).aggregate(
        total=Count("pk"), repeats=Count("pk", filter=REPEAT)
    )
    return row["repeats"], row["total"]


def _csat(period: Period) -> dict:
    return Ticket.objects.filter(rated_in(period)).aggregate(**csat_stats())


def _surveys(period: Period) -> dict[str, dict]:
    """One query: NPS promoters/detractors and the internal satisfaction mean."""
    rows = (
        SurveyResponse.objects.filter(answered_in(period))
        .values("kind")
        .annotate(**survey_stats())
        .order_by()
    )
    return {row["kind"]: row for row in rows}


def status_on(day: dt.date):
    """The client's lifecycle status as of ``day`` (its last dated status change)."""
    latest = Subquery(
        ClientStatusChange.objects.filter(client=OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on", "-id")
        .values("status")[:1]
    )
    # A client recorded without any history (e.g. loaded by hand) counts with its status now.
    return Coalesce(latest, F("status"))


def client_filters(
    period: Period, status_before: str = "status_before", status_at_end: str = "status_at_end"
) -> dict[str, Q]:
    """kpi.md «retention» and «portfolio.active_clients» as conditions on clients annotated
    with `status_on` the day before the period (``status_before``) and on its last day
    (``status_at_end``): ``at_start``, ``kept``, ``churned`` (at start, lost by the end) and
    ``active_at_end``."""
    churned = ClientStatus.CHURNED
    at_start = Q(contract_start__lt=period.start) & ~Q(**{status_before: churned})
    return {
        "at_start": at_start,
        "kept": at_start & ~Q(**{status_at_end: churned}),
        "churned": at_start & Q(**{status_at_end: churned}),
        "active_at_end": Q(contract_start__lte=period.end)
        & Q(**{f"{status_at_end}__isnull": False})
        & ~Q(**{status_at_end: churned}),
    }


def client_annotations(period: Period) -> dict:
    """The annotations `client_filters` reads, with their default names."""
    return {
        "status_before": status_on(period.start - dt.timedelta(days=1)),
        "status_at_end": status_on(period.end),
    }


MONEY = DecimalField(max_digits=14, decimal_places=2)


def mrr_on(day: dt.date):
    """The client's MRR on ``day``: the value of its last dated MRR change on or before it
    (kpi.md «revenue.grr»)."""
    latest = Subquery(
        MrrChange.objects.filter(client=OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on")
        .values("mrr_rub")[:1],
        output_field=MONEY,
    )
    # A client recorded without any MRR history (e.g. loaded by hand) counts with its MRR now.
    return Coalesce(latest, F("mrr_rub"), output_field=MONEY)


def revenue_annotations(period: Period, status_at_end: str = "status_at_end") -> dict:
    """kpi.md «revenue.grr», «revenue.nrr»: each client's MRR on the day before the period
    (``mrr_before``) and at its end (``mrr_at_end``: 0 for a client churned by then), on
    clients annotated with `client_annotations`."""
    return {
        "mrr_before": mrr_on(period.start - dt.timedelta(days=1)),
        "mrr_at_end": Case(
            When(**{status_at_end: ClientStatus.CHURNED}, then=Value(0, output_field=MONEY)),
            default=mrr_on(period.end),
            output_field=MONEY,
        ),
    }


def _clients(period: Period) -> dict:
    """One query: retention (kpi.md «retention»), active clients at the end of the period
    (kpi.md «portfolio.active_clients») from the dated status history, and revenue retention
    (kpi.md «revenue.grr», «revenue.nrr») over the clients retention counts at the start,
    from the dated MRR history."""
    filters = client_filters(period)
    at_start = filters["at_start"]
    return (
        Client.objects.annotate(**client_annotations(period))
        .annotate(**revenue_annotations(period))
        .aggregate(
            at_start=Count("pk", filter=at_start),
            kept=Count("pk", filter=filters["kept"]),
            active_at_end=Count("pk", filter=filters["active_at_end"]),
            mrr_start=Sum("mrr_before", filter=at_start, output_field=MONEY),
            mrr_end=Sum("mrr_at_end", filter=at_start, output_field=MONEY),
            mrr_kept=Sum(
                Least("mrr_at_end", "mrr_before", output_field=MONEY),
                filter=at_start,
                output_field=MONEY,
            ),
        )
    )


def _targets(period: Period) -> dict[str, tuple[float, str]]:
    """The head's targets in force at the period's start (latest ``valid_from``), one query."""
    rows = KpiTarget.objects.filter(valid_from__lte=period.start).order_by("key", "-valid_from")
    targets: dict[str, tuple[float, str]] = {}
    for row in rows.values_list("key", "target", "comparison"):
        targets.setdefault(row[0], (row[1], row[2]))
    return targets


# ---- the document ------------------------------------------------------------------------


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def compute(period: Period, *, now: dt.datetime | None = None, live: bool = False) -> KpiDocument:
    """Every KPI of kpi.md for ``period``, with targets and ``met``. A calendar month reads
    its ticket figures through `months` (stored facts of closed months); ``live`` (or any
    other period) computes them from the tickets — the same numbers."""
    now = now or timezone.now()
    if period.is_month() and not live:
        tickets, percentiles, previous, csat = months.document_figures(period, now)
        previous_repeats, previous_total = previous
    else:
        tickets = _ticket_stats(period, now)
        percentiles = _clock_percentiles(period)
        previous_repeats, previous_total = _repeat_totals(period.previous())
        csat = _csat(period)
    surveys = _surveys(period)
    clients = _clients(period)
    targets = _targets(period)

    values: dict[str, dict] = {}
    met_all = breached_all = 0
    for ticket_type in TICKET_TYPES:
        row = tickets.get(ticket_type, {})
        met, breached = row.get("met", 0), row.get("breached", 0)
        met_all += met
        breached_all += breached
        values[f"sla.{ticket_type}"] = {
            "value": _share(met, met + breached),
            "numerator": met,
            "denominator": met + breached,
        }
        for metric in ("first_response", "resolution"):
            stats = percentiles.get((ticket_type, metric), {})
            for stat in ("median", "p90"):
                values[f"{metric}.{ticket_type}.{stat}"] = {
                    "value": stats.get(stat),
                    "count": stats.get("n", 0),
                }
    values["sla.all"] = {
        "value": _share(met_all, met_all + breached_all),
        "numerator": met_all,
        "denominator": met_all + breached_all,
    }
    repeats = sum(r["repeats"] for r in tickets.values())
    total = sum(r["total"] for r in tickets.values())
    rate = _share(repeats, total)
    previous_rate = _share(previous_repeats, previous_total)
    values["repeat_rate"] = {"value": rate, "numerator": repeats, "denominator": total}
    values["repeat_rate.change"] = {
        "value": rate / previous_rate - 1 if rate is not None and previous_rate else None,
        "numerator": rate,
        "denominator": previous_rate,
    }
    values["retention"] = {
        "value": _share(clients["kept"], clients["at_start"]),
        "numerator": clients["kept"],
        "denominator": clients["at_start"],
    }
    mrr_start = float(clients["mrr_start"] or 0)
    for key, total in (("revenue.grr", clients["mrr_kept"]), ("revenue.nrr", clients["mrr_end"])):
        total = float(total or 0)
        values[key] = {
            "value": total / mrr_start if mrr_start else None,
            "numerator": total,
            "denominator": mrr_start,
        }
    values["portfolio.active_clients"] = {
        "value": float(clients["active_at_end"]),
        "count": clients["active_at_end"],
    }
    values["csat"] = {
        "value": float(csat["mean"]) if csat["mean"] is not None else None,
        "numerator": csat["total"],
        "denominator": csat["n"],
    }
    nps = surveys.get("nps")
    values["nps"] = (
        {
            "value": nps_score(nps["promoters"], nps["detractors"], nps["n"]),
            "numerator": nps["promoters"] - nps["detractors"],
            "denominator": nps["n"],
        }
        if nps
        else {"value": None, "denominator": 0}
    )
    internal = surveys.get("internal")
    values["internal_satisfaction"] = (
        {
            "value": float(internal["mean"]),
            "numerator": internal["total"],
            "denominator": internal["n"],
        }
        if internal
        else {"value": None, "denominator": 0}
    )
    # Keys that the parts of Soprovod recording them give through a registered source
    # (`register_source`); until one does, a key says "no data" (null), never a guess.
    values.update(_source_values(period, now))
    values["budget.execution"] = budget_queries.execution(period)
    values["coordination.on_time"] = coordination_on_time(values)

    document = KpiDocument(period=period, generated_at=now)
    for definition in kpi_definitions():
        data = values.get(definition.key, {"value": None})
        target, comparison = targets.get(definition.key, (definition.target, definition.comparison))
        value = data.get("value")
        document.kpis.append(
            KpiValue(
                key=definition.key,
                title=str(definition.title),
                value=value,
                target=target,
                comparison=comparison,
                met=_met(value, target, comparison),
                numerator=data.get("numerator"),
                denominator=data.get("denominator"),
                count=data.get("count"),
                unit=definition.unit,
                group=definition.group,
            )
        )
    return document


# kpi.md «coordination.on_time»: hand-offs and development requests together.
COORDINATION_PARTS = ("handoff.on_time", "dev_request.on_time")


def coordination_on_time(values: dict[str, dict]) -> dict:
    """kpi.md «coordination.on_time»: the numerators and denominators of
    `COORDINATION_PARTS` summed, over the parts whose source exists; null without any."""
    parts = [
        values[key]
        for key in COORDINATION_PARTS
        if values.get(key, {}).get("denominator") is not None
    ]
    if not parts:
        return {"value": None}
    numerator = sum(part.get("numerator") or 0 for part in parts)
    denominator = sum(part["denominator"] for part in parts)
    return {
        "value": _share(numerator, denominator),
        "numerator": numerator,
        "denominator": denominator,
    }


def _met(value: float | None, target: float | None, comparison: str | None) -> bool | None:
    if value is None or target is None or comparison is None:
        return None
    return value >= target if comparison == ">=" else value <= target


def kpi_document(start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> dict:
    """The KPI JSON of interfaces.md for ``[start, end]``."""
    return compute(Period(start, end), now=now).as_json()
