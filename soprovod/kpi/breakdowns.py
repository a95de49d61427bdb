"""Monthly analysis of the KPIs (kpi.md, last paragraph): breakdowns by type, assignee, client
and category; 12-month trends; and the records behind any figure (drill-down).

Nothing here has a formula of its own: every number comes from the engine's query pieces
(`soprovod.kpi.engine`), only grouped differently — per group, per month — so a breakdown
row or a month of a trend is exactly what ``compute()`` gives for that slice. The dashboard
and the reports read this module; each function costs a fixed number of queries whatever
the data size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import overload
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.models import User
from soprovod.clients.models import Client
from soprovod.kpi import months as month_facts
from soprovod.kpi.aggregates import PercentileCont
from soprovod.kpi.engine import (
    CLOCK_MINUTES,
    DETRACTOR,
    PROMOTER,
    REPEAT,
    SLA_BREACHED,
    SLA_MET,
    TICKET_TYPES,
    _share,
    answered_in,
    client_annotations,
    client_filters,
    clock_stats,
    created_in,
    csat_stats,
    drilldown_source,
    nps_score,
    rated_in,
    revenue_annotations,
    sla_outcome_annotations,
    status_on,
    stopped_clocks,
    survey_stats,
    ticket_counts,
)
from soprovod.lib.periods import Period, add_months, calendar_month, month_starts
from soprovod.surveys.models import SurveyResponse
from soprovod.tickets.models import Category, Ticket, TicketType

GROUPINGS = ("type", "assignee", "client", "category")
METRICS = ("first_response", "resolution")

# ---- months ------------------------------------------------------------------------------


def _truncated_month(field: str) -> TruncMonth:
    """The month of a timestamp in the department's time zone, as a date."""
    return TruncMonth(field, tzinfo=ZoneInfo(settings.TIME_ZONE), output_field=DateField())


# ---- breakdowns --------------------------------------------------------------------------


@dataclass
class BreakdownRow:
    """One group of a breakdown. ``key`` is the group's value (a ticket type code, or the id
    of the assignee, client or category; None for tickets without one)."""

    by: str
    key: int | str | None
    label: str
    created: int
    met: int
    breached: int
    repeats: int
    first_response_median: float | None
    resolution_median: float | None
    csat: float | None
    csat_count: int

    @property
    def sla_compliance(self) -> float | None:
        """As kpi.md «sla.*»: met ÷ (met + breached); pending tickets are left out."""
        return _share(self.met, self.met + self.breached)

    @property
    def repeat_rate(self) -> float | None:
        return _share(self.repeats, self.created)


# The columns each grouping reads: the group's key first, then what its label is made of.
_GROUP_FIELDS = {
    "type": ("type",),
    "assignee": ("assignee", "assignee__first_name", "assignee__last_name", "assignee__username"),
    "client": ("client", "client__name"),
    "category": ("category", "category__name"),
}
_NO_GROUP_LABELS = {
    "assignee": _("Not assigned"),
    "client": _("No client"),
    "category": _("No category"),
}


def _group_label(by: str, row: dict) -> str:
    key = row[by]
    if key is None:
        return str(_NO_GROUP_LABELS[by])
    if by == "type":
        return str(TicketType(key).label)
    if by == "assignee":
        full_name = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
        return full_name or row["assignee__username"]
    return row[f"{by}__name"]


def _clock_minutes(period: Period, metric: str) -> Subquery:
    """A ticket's stopped clock of ``metric`` in minutes (null unless the ticket was created
    in the period and the clock stopped), as the engine's percentiles read it."""
    clock = stopped_clocks(period).filter(ticket=OuterRef("pk"), metric=metric)
    return Subquery(clock.values(minutes=CLOCK_MINUTES)[:1])


def breakdown(
    period: Period, by: str, *, now: dt.datetime | None = None, live: bool = False
) -> list[BreakdownRow]:
    """Per group (``by``: type, assignee, client or category), in one grouped query: tickets
    created in the period, SLA met / breached (compliance as kpi.md «sla.*»), repeats, the
    median first-response and resolution minutes of those tickets (kpi.md «Время реакции»,
    «Время решения»), and the CSAT of the group's tickets *resolved* in the period (kpi.md
    «csat»). Summing a column over the groups gives the document's figure.

    Rows come largest first (ticket types in their fixed order, all three always present).
    """
    if by not in GROUPINGS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(GROUPINGS)}")
    now = now or timezone.now()
    if period.is_month() and not live:
        return _ordered(by, _breakdown_of_month(period, by, now))
    created, rated = created_in(period), rated_in(period)
    csat = csat_stats(rated)
    rows = (
        Ticket.objects.filter(created | rated)
        .annotate(
            **sla_outcome_annotations(now),
            first_response_minutes=_clock_minutes(period, "first_response"),
            resolution_minutes=_clock_minutes(period, "resolution"),
        )
        .values(*_GROUP_FIELDS[by])
        .annotate(
            **ticket_counts(created),
            first_response_median=PercentileCont("first_response_minutes", 0.5),
            resolution_median=PercentileCont("resolution_minutes", 0.5),
            csat_mean=csat["mean"],
            csat_n=csat["n"],
        )
        .order_by()
    )
    result = [
        BreakdownRow(
            by=by,
            key=row[by],
            label=_group_label(by, row),
            created=row["total"],
            met=row["met"],
            breached=row["breached"],
            repeats=row["repeats"],
            first_response_median=row["first_response_median"],
            resolution_median=row["resolution_median"],
            csat=float(row["csat_mean"]) if row["csat_mean"] is not None else None,
            csat_count=row["csat_n"],
        )
        for row in rows
    ]
    return _ordered(by, result)


def _ordered(by: str, result: list[BreakdownRow]) -> list[BreakdownRow]:
    if by == "type":
        present = {row.key: row for row in result}
        return [present.get(code) or _empty_row(by, code) for code in TICKET_TYPES]
    result.sort(key=lambda row: (-row.created, -row.csat_count, row.key is None, row.label))
    return result


# The label columns of each grouping's model, as `_group_label` reads them.
_LABEL_MODELS = {
    "assignee": (User, ("first_name", "last_name", "username")),
    "client": (Client, ("name",)),
    "category": (Category, ("name",)),
}


def _breakdown_of_month(period: Period, by: str, now: dt.datetime) -> list[BreakdownRow]:
    """`breakdown` of a calendar month from the month layer (stored facts when closed)."""
    groups = month_facts.slices([period.start], now, (by,))[period.start][by]
    names: dict = {}
    if by in _LABEL_MODELS and groups:
        model, columns = _LABEL_MODELS[by]
        keys = [key for key in groups if key is not None]
        for row in model.objects.filter(pk__in=keys).values("pk", *columns):
            names[row["pk"]] = {f"{by}__{column}": row[column] for column in columns}
    return [
        BreakdownRow(
            by=by,
            key=key,
            label=_group_label(by, {by: key, **names.get(key, {})}),
            created=figures.created,
            met=figures.met,
            breached=figures.breached,
            repeats=figures.repeats,
            first_response_median=figures.first_response_median,
            resolution_median=figures.resolution_median,
            csat=figures.csat_mean,
            csat_count=figures.csat_n,
        )
        for key, figures in groups.items()
    ]


def _empty_row(by: str, key: str) -> BreakdownRow:
    return BreakdownRow(
        by=by,
        key=key,
        label=_group_label(by, {by: key}),
        created=0,
        met=0,
        breached=0,
        repeats=0,
        first_response_median=None,
        resolution_median=None,
        csat=None,
        csat_count=0,
    )


# ---- trends ------------------------------------------------------------------------------


def _trend_sources() -> dict[str, str]:
    """Every key a trend can follow, and the one query that feeds it."""
    sources = {f"sla.{t}": "tickets" for t in (*TICKET_TYPES, "all")}
    for metric in METRICS:
        for ticket_type in TICKET_TYPES:
            for stat in ("median", "p90"):
                sources[f"{metric}.{ticket_type}.{stat}"] = "clocks"
    sources.update(
        {
            "repeat_rate": "tickets",
            "repeat_rate.change": "tickets",
            "csat": "csat",
            "nps": "surveys",
            "internal_satisfaction": "surveys",
            "retention": "clients",
            "portfolio.active_clients": "clients",
        }
    )
    return sources


TREND_KEYS = tuple(_trend_sources())

Series = list[tuple[dt.date, float | None]]


@overload
def trend(
    key_or_keys: str, end_month: dt.date, months: int = 12, *, now: dt.datetime | None = None
) -> Series: ...
@overload
def trend(
    key_or_keys: Iterable[str],
    end_month: dt.date,
    months: int = 12,
    *,
    now: dt.datetime | None = None,
    live: bool = False,
) -> dict[str, Series]: ...
def trend(key_or_keys, end_month, months=12, *, now=None, live=False):
    """The monthly series of a KPI over the ``months`` calendar months ending with
    ``end_month``'s month: ``[(month_start, value), ...]``, oldest first, ``value`` None for a
    month without data. Each month's value is what ``compute()`` gives for that month.

    Given several keys, returns ``{key: series}``. Costs one query per kind of data asked
    for, grouped by month in the database, whatever ``months`` is: tickets (SLA, repeats),
    clocks (response / resolution times), CSAT, surveys (NPS, internal), clients (retention,
    portfolio) — at most five queries for every key of `TREND_KEYS` together.
    """
    single = isinstance(key_or_keys, str)
    keys = [key_or_keys] if single else list(key_or_keys)
    sources = _trend_sources()
    unknown = [key for key in keys if key not in sources]
    if unknown:
        raise ValueError(f"no monthly trend for {', '.join(unknown)}")
    starts = month_starts(end_month, months)
    span = Period(starts[0], calendar_month(starts[-1]).end)
    needed = {sources[key] for key in keys}
    now = now or timezone.now()
    values: dict[str, dict[dt.date, float | None]] = {}
    if live:
        if "tickets" in needed:
            values.update(_ticket_trend(span, starts, now))
        if "clocks" in needed:
            values.update(_clock_trend(span))
        if "csat" in needed:
            values.update(_csat_trend(span))
    elif needed & {"tickets", "clocks", "csat"}:
        # The month layer: stored facts of closed months, the open month live.
        earlier = add_months(starts[0], -1)
        by_month = month_facts.slices([earlier, *starts], now, ("type",))
        types = {month: per["type"] for month, per in by_month.items()}
        values.update(_ticket_values(_ticket_rows(types), [earlier, *starts], starts))
        values.update(_month_trend_values(types, starts))
    if "surveys" in needed:
        values.update(_survey_trend(span))
    if "clients" in needed:
        values.update(_client_trend(starts))
    series = {key: [(start, values.get(key, {}).get(start)) for start in starts] for key in keys}
    return series[keys[0]] if single else series


def _ticket_trend(span: Period, starts: list[dt.date], now: dt.datetime) -> dict[str, dict]:
    """One query, a month longer than the span: ``repeat_rate.change`` of the first month
    compares it with the month before."""
    earlier = Period(add_months(span.start, -1), span.end)
    rows = (
        Ticket.objects.filter(created_in(earlier))
        .annotate(**sla_outcome_annotations(now), month=_truncated_month("created_at"))
        .values("month", "type")
        .annotate(**ticket_counts())
        .order_by()
    )
    by_month: dict[dt.date, dict[str, dict]] = {}
    for row in rows:
        by_month.setdefault(row["month"], {})[row["type"]] = row
    return _ticket_values(by_month, [earlier.start, *starts], starts)


def _ticket_rows(types: dict[dt.date, dict]) -> dict[dt.date, dict[str, dict]]:
    """The month layer's per-type figures in the shape of `_ticket_trend`'s rows."""
    return {
        month: {
            key: {"total": s.created, "repeats": s.repeats, "met": s.met, "breached": s.breached}
            for key, s in groups.items()
        }
        for month, groups in types.items()
    }


def _month_trend_values(types: dict[dt.date, dict], starts: list[dt.date]) -> dict[str, dict]:
    """Response / resolution percentiles and CSAT per month, as `_clock_trend` and
    `_csat_trend` give them (a month without data has no value)."""
    values: dict[str, dict] = {"csat": {}}
    for start in starts:
        groups = types.get(start, {})
        for key, figures in groups.items():
            for metric in METRICS:
                if getattr(figures, f"{metric}_n"):
                    for stat in ("median", "p90"):
                        values.setdefault(f"{metric}.{key}.{stat}", {})[start] = getattr(
                            figures, f"{metric}_{stat}"
                        )
        rated = sum(s.csat_n for s in groups.values())
        if rated:
            values["csat"][start] = sum(s.csat_total for s in groups.values()) / rated
    return values


def _ticket_values(
    by_month: dict[dt.date, dict[str, dict]], months: list[dt.date], starts: list[dt.date]
) -> dict[str, dict]:
    values: dict[str, dict] = {}
    for start in months:
        types = by_month.get(start, {})
        met_all = breached_all = 0
        for ticket_type in TICKET_TYPES:
            row = types.get(ticket_type, {})
            met, breached = row.get("met", 0), row.get("breached", 0)
            met_all, breached_all = met_all + met, breached_all + breached
            values.setdefault(f"sla.{ticket_type}", {})[start] = _share(met, met + breached)
        values.setdefault("sla.all", {})[start] = _share(met_all, met_all + breached_all)
        repeats = sum(row["repeats"] for row in types.values())
        total = sum(row["total"] for row in types.values())
        values.setdefault("repeat_rate", {})[start] = _share(repeats, total)
    rates = values["repeat_rate"]
    values["repeat_rate.change"] = {}
    for start in starts:
        rate, previous = rates.get(start), rates.get(add_months(start, -1))
        values["repeat_rate.change"][start] = (
            rate / previous - 1 if rate is not None and previous else None
        )
    return values


def _clock_trend(span: Period) -> dict[str, dict]:
    rows = (
        stopped_clocks(span)
        .annotate(month=_truncated_month("ticket__created_at"))
        .values("month", "ticket__type", "metric")
        .annotate(**clock_stats())
        .order_by()
    )
    values: dict[str, dict] = {}
    for row in rows:
        for stat in ("median", "p90"):
            key = f"{row['metric']}.{row['ticket__type']}.{stat}"
            values.setdefault(key, {})[row["month"]] = row[stat]
    return values


def _csat_trend(span: Period) -> dict[str, dict]:
    rows = (
        Ticket.objects.filter(rated_in(span))
        .annotate(month=_truncated_month("resolved_at"))
        .values("month")
        .annotate(**csat_stats())
        .order_by()
    )
    return {"csat": {row["month"]: float(row["mean"]) for row in rows}}


def _survey_trend(span: Period) -> dict[str, dict]:
    rows = (
        SurveyResponse.objects.filter(answered_in(span))
        .annotate(month=_truncated_month("answered_at"))
        .values("month", "kind")
        .annotate(**survey_stats())
        .order_by()
    )
    values: dict[str, dict] = {"nps": {}, "internal_satisfaction": {}}
    for row in rows:
        if row["kind"] == "nps":
            values["nps"][row["month"]] = nps_score(row["promoters"], row["detractors"], row["n"])
        else:
            values["internal_satisfaction"][row["month"]] = float(row["mean"])
    return values


def _client_trend(starts: list[dt.date]) -> dict[str, dict]:
    """One query over the clients with conditional aggregation per month: each client's
    status at the end of every month (and the day before the first), then each month's
    retention and active clients with the engine's conditions (kpi.md «retention»)."""
    # statuses[i] is the status the day before month i starts; the last one, at the end.
    days = [start - dt.timedelta(days=1) for start in starts]
    days.append(calendar_month(starts[-1]).end)
    annotations = {f"status_{i}": status_on(day) for i, day in enumerate(days)}
    aggregates = {}
    for i, start in enumerate(starts):
        filters = client_filters(calendar_month(start), f"status_{i}", f"status_{i + 1}")
        aggregates[f"at_start_{i}"] = Count("pk", filter=filters["at_start"])
        aggregates[f"kept_{i}"] = Count("pk", filter=filters["kept"])
        aggregates[f"active_{i}"] = Count("pk", filter=filters["active_at_end"])
    row = Client.objects.annotate(**annotations).aggregate(**aggregates)
    return {
        "retention": {
            start: _share(row[f"kept_{i}"], row[f"at_start_{i}"]) for i, start in enumerate(starts)
        },
        "portfolio.active_clients": {
            start: float(row[f"active_{i}"]) for i, start in enumerate(starts)
        },
    }


# ---- drill-down --------------------------------------------------------------------------


class NoDrilldown(ValueError):
    """The key has no records to show (unknown, or recorded by a part not built yet), or
    the outcome does not apply to it."""


# Per key family: the outcomes a drill-down can narrow to, the first being the default.
_OUTCOMES = {
    "sla": ("counted", "met", "breached"),
    "times": ("measured",),
    "repeat_rate": ("repeats", "all"),
    "csat": ("rated",),
    "retention": ("churned", "at_start", "kept"),
    "revenue": ("at_start",),
    "portfolio.active_clients": ("active",),
    "nps": ("answers", "promoters", "detractors"),
    "internal_satisfaction": ("answers",),
}


def _family(key: str) -> str | None:
    parts = key.split(".")
    if parts[0] == "sla" and len(parts) == 2 and parts[1] in (*TICKET_TYPES, "all"):
        return "sla"
    if (
        parts[0] in METRICS
        and len(parts) == 3
        and parts[1] in TICKET_TYPES
        and parts[2] in ("median", "p90")
    ):
        return "times"
    if key in ("repeat_rate", "repeat_rate.change"):
        return "repeat_rate"
    if key in ("revenue.grr", "revenue.nrr"):
        return "revenue"
    return key if key in _OUTCOMES else None


def drilldown_outcomes(key: str) -> tuple[str, ...]:
    """The outcomes ``drilldown(period, key, outcome=...)`` accepts, the default first; an
    empty tuple when the key has no drill-down."""
    family = _family(key)
    if family:
        return _OUTCOMES[family]
    source = drilldown_source(key)
    return source.outcomes[key] if source else ()


def has_drilldown(key: str) -> bool:
    return bool(drilldown_outcomes(key))


def drilldown(
    period: Period, key: str, *, outcome: str | None = None, now: dt.datetime | None = None
) -> QuerySet:
    """The records behind a KPI figure of ``period``, ready to paginate (related rows joined):

    - ``sla.<type>``/``sla.all``: tickets created in the period that met or breached SLA
      (``outcome="met"`` or ``"breached"`` for one side), annotated ``is_breached``;
    - ``first_response.<type>.*``/``resolution.<type>.*``: the measured tickets, annotated
      ``minutes``, longest first;
    - ``repeat_rate``/``repeat_rate.change``: the repeat tickets (``outcome="all"``: every
      ticket created in the period, the denominator);
    - ``csat``: the rated tickets resolved in the period;
    - ``retention``: the clients churned by the end among those active at the start
      (``outcome="at_start"`` the whole starting set, ``"kept"`` those kept);
    - ``portfolio.active_clients``: the clients active at the end;
    - ``revenue.grr``/``revenue.nrr``: the clients active at the start, annotated
      ``mrr_before`` and ``mrr_at_end``, largest first;
    - ``nps``/``internal_satisfaction``: the survey answers (``"promoters"``,
      ``"detractors"`` for NPS).

    Raises `NoDrilldown` for a key without records or an outcome that does not apply.
    """
    family = _family(key)
    outcomes = drilldown_outcomes(key)
    if not outcomes:
        raise NoDrilldown(f"no drill-down for {key!r}")
    outcome = outcome or outcomes[0]
    if outcome not in outcomes:
        raise NoDrilldown(f"{key!r} has no outcome {outcome!r}")
    now = now or timezone.now()
    if family is None:
        # A key a registered source computes (e.g. «handoff.on_time») lists its own records.
        return drilldown_source(key).drilldown(period, key, outcome, now)
    if family in ("sla", "times", "repeat_rate", "csat"):
        return _ticket_drilldown(period, key, family, outcome, now)
    if family == "revenue":
        return (
            Client.objects.annotate(**client_annotations(period))
            .annotate(**revenue_annotations(period))
            .filter(client_filters(period)["at_start"])
            .select_related("success_manager")
            .order_by("-mrr_before", "name", "pk")
        )
    if family in ("retention", "portfolio.active_clients"):
        condition = client_filters(period)["active_at_end" if outcome == "active" else outcome]
        return (
            Client.objects.annotate(**client_annotations(period))
            .filter(condition)
            .select_related("success_manager")
            .order_by("name", "pk")
        )
    kind = "nps" if key == "nps" else "internal"
    answers = SurveyResponse.objects.filter(answered_in(period), kind=kind)
    if outcome == "promoters":
        answers = answers.filter(PROMOTER)
    elif outcome == "detractors":
        answers = answers.filter(DETRACTOR)
    return answers.select_related("client", "respondent").order_by("-answered_at", "-pk")


def _ticket_drilldown(
    period: Period, key: str, family: str, outcome: str, now: dt.datetime
) -> QuerySet:
    tickets = Ticket.objects.select_related("client", "category", "assignee")
    if family == "csat":
        return tickets.filter(rated_in(period)).order_by("csat_score", "-resolved_at", "-pk")
    tickets = tickets.filter(created_in(period)).order_by("-created_at", "-pk")
    if family == "repeat_rate":
        return tickets.filter(REPEAT) if outcome == "repeats" else tickets
    if family == "times":
        metric, ticket_type, _stat = key.split(".")
        return (
            tickets.filter(type=ticket_type)
            .annotate(minutes=_clock_minutes(period, metric))
            .filter(minutes__isnull=False)
            .order_by("-minutes", "-pk")
        )
    ticket_type = key.split(".")[1]
    if ticket_type != "all":
        tickets = tickets.filter(type=ticket_type)
    condition = {"met": SLA_MET, "breached": SLA_BREACHED}.get(outcome, SLA_MET | SLA_BREACHED)
    return tickets.annotate(**sla_outcome_annotations(now)).filter(condition)
