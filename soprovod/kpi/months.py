"""The one query layer of the monthly ticket figures: closed months read from stored facts,
the open month (and any closed month whose facts are missing or stale) computed live.

kpi.md's ticket figures of a calendar month — tickets created, repeats, SLA met and breached,
the median and 90th percentile of the response and resolution minutes, CSAT — per ticket
type, assignee, client and category (the dashboard's and the monthly report's groupings) are
facts once the month is over: they change only when a ticket of that month is written (a
late import, an audited recomputation, a rule correction, a reopening). So:

- `month_facts` computes them for one month in the database (one grouped query per
  dimension, the engine's own query pieces), leaving out the one part that moves with time
  alone: a ticket whose clock still runs breaches SLA the moment its due time passes, so it
  counts in ``met`` never and its breach is added at read time (`_running_breaches`).
- `store_month` (through `actions.do_store_month`) keeps them in `MonthFact`.
- Every write of a ticket or clock of a closed month records a `MonthChange` in the writer's
  transaction (`mark_instants`, connected to the models' signals and to
  ``sla.signals.clocks_written`` in ``KpiConfig.ready``) and queues the month's rebuild on
  commit; while such a row exists the reads compute that month live, so nothing read after a
  commit is stale.
- `slices` is what the engine, the breakdowns and the trends read: stored facts where they
  are current, live ones otherwise, plus the breaches of tickets still running at ``now``.

``soprovod verify`` (check ``kpi-months``) compares every stored month with a live
recomputation; ``--fix`` rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import reduce
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DateField, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from soprovod.kpi import engine, tasks
from soprovod.kpi.aggregates import PercentileCont
from soprovod.kpi.models import MonthBuild, MonthChange, MonthFact
from soprovod.lib.periods import Period, calendar_month, month_start
from soprovod.sla import queries as sla_queries
from soprovod.sla.models import SlaClock
from soprovod.tickets.models import Ticket

DIMENSIONS = ("type", "assignee", "client", "category")
METRICS = ("first_response", "resolution")
# The column each dimension groups by.
_COLUMNS = {
    "type": "type",
    "assignee": "assignee_id",
    "client": "client_id",
    "category": "category_id",
}


@dataclass
class Slice:
    """The figures of one group in one month. ``breached`` counts the tickets that breach
    SLA; in stored facts only those whose clocks have all stopped (`_running_breaches` adds
    the others when read)."""

    created: int = 0
    repeats: int = 0
    met: int = 0
    breached: int = 0
    csat_total: int = 0
    csat_n: int = 0
    first_response_median: float | None = None
    first_response_p90: float | None = None
    first_response_n: int = 0
    resolution_median: float | None = None
    resolution_p90: float | None = None
    resolution_n: int = 0

    @property
    def csat_mean(self) -> float | None:
        return self.csat_total / self.csat_n if self.csat_n else None


SLICE_FIELDS = tuple(f.name for f in fields(Slice))
# dimension -> group key (type code, or the id; None for tickets without one) -> figures
Slices = dict[str, dict[int | str | None, Slice]]


def _key_text(key: int | str | None) -> str:
    return "" if key is None else str(key)


def _key_value(dimension: str, text: str) -> int | str | None:
    if text == "":
        return None
    return text if dimension == "type" else int(text)


def _month_of(instant: dt.datetime) -> dt.date:
    return timezone.localtime(instant).date().replace(day=1)


def open_month() -> dt.date:
    """The first day of the month in progress: the only month never stored."""
    return month_start(timezone.localdate())


# ---- computing a month ---------------------------------------------------------------------


def _clock_minutes(metric: str) -> Subquery:
    """A ticket's stopped clock of ``metric`` in minutes (null unless it stopped), as the
    engine's percentiles read it (the tickets are those created in the months asked)."""
    clock = SlaClock.objects.filter(ticket=OuterRef("pk"), metric=metric, stopped_at__isnull=False)
    return Subquery(clock.values(minutes=engine.CLOCK_MINUTES)[:1])


def _within(months: list[dt.date], field: str = "created_at") -> Q:
    """``field`` (a timestamp) falls in one of ``months``: one range per run of consecutive
    months, in the department's time zone."""
    ranges = []
    run_start = previous = None
    for month in [*sorted(months), None]:
        if run_start is not None and (month is None or month != _next(previous)):
            span = Period(run_start, calendar_month(previous).end)
            ranges.append(Q(**{f"{field}__gte": span.start_at, f"{field}__lt": span.end_at}))
            run_start = None
        if month is not None and run_start is None:
            run_start = month
        previous = month
    return reduce(operator.or_, ranges)


def _next(month: dt.date) -> dt.date:
    return calendar_month(month).end + dt.timedelta(days=1)


def month_facts(
    months: Iterable[dt.date],
    dimensions: Iterable[str] = DIMENSIONS,
    now: dt.datetime | None = None,
) -> dict[dt.date, Slices]:
    """The figures of ``months`` computed from the tickets, per month, dimension and group:
    two grouped queries per dimension whatever the number of months (tickets by the month
    they were created in; ratings by the month of the resolution).

    Without ``now`` (what is stored) a ticket with a running clock is left out of
    ``breached``, so the result does not depend on the time; with ``now`` it counts as it
    breaches at ``now`` (the live figures)."""
    months = sorted(set(months))
    dimensions = tuple(dimensions)
    result: dict[dt.date, Slices] = {m: {d: {} for d in dimensions} for m in months}
    if not months:
        return result
    created = _within(months)
    rated = Q(csat_score__isnull=False) & _within(months, "resolved_at")
    breach = engine.SLA_BREACHED if now else engine.SLA_BREACHED & Q(is_running=False)
    stats = {}
    for metric in METRICS:
        minutes = f"{metric}_minutes"
        stats[f"{metric}_median"] = PercentileCont(minutes, 0.5)
        stats[f"{metric}_p90"] = PercentileCont(minutes, 0.9)
        stats[f"{metric}_n"] = Count(minutes)
    for dimension in dimensions:
        column = _COLUMNS[dimension]
        rows = (
            Ticket.objects.filter(created)
            .annotate(
                **engine.sla_outcome_annotations(now or timezone.now()),
                first_response_minutes=_clock_minutes("first_response"),
                resolution_minutes=_clock_minutes("resolution"),
                month=TruncMonth("created_at", tzinfo=_zone(), output_field=DateField()),
            )
            .values("month", column)
            .annotate(
                created_n=Count("pk"),
                repeats=Count("pk", filter=engine.REPEAT),
                met=Count("pk", filter=engine.SLA_MET),
                breached=Count("pk", filter=breach),
                **stats,
            )
            .order_by()
        )
        for row in rows:
            if row["month"] not in result:
                continue
            result[row["month"]][dimension][row[column]] = Slice(
                created=row["created_n"],
                repeats=row["repeats"],
                met=row["met"],
                breached=row["breached"],
                first_response_median=row["first_response_median"],
                first_response_p90=row["first_response_p90"],
                first_response_n=row["first_response_n"],
                resolution_median=row["resolution_median"],
                resolution_p90=row["resolution_p90"],
                resolution_n=row["resolution_n"],
            )
        ratings = (
            Ticket.objects.filter(rated)
            .annotate(month=TruncMonth("resolved_at", tzinfo=_zone(), output_field=DateField()))
            .values("month", column)
            .annotate(csat_n=Count("pk"), csat_total=Sum("csat_score"))
            .order_by()
        )
        for row in ratings:
            if row["month"] not in result:
                continue
            figures = result[row["month"]][dimension].setdefault(row[column], Slice())
            figures.csat_n, figures.csat_total = row["csat_n"], row["csat_total"]
    return result


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def _running_breaches(
    months: list[dt.date], now: dt.datetime, dimensions: Iterable[str]
) -> dict[dt.date, dict[str, dict]]:
    """One query: per month and group, the tickets created in ``months`` that have a clock
    still running and breach SLA at ``now`` (the part of ``breached`` facts leave out)."""
    if not months:
        return {}
    dimensions = tuple(dimensions)
    columns = [_COLUMNS[d] for d in dimensions]
    running = SlaClock.objects.filter(stopped_at__isnull=True).values("ticket_id")
    breached = SlaClock.objects.filter(ticket=OuterRef("pk")).filter(sla_queries.breaches_sla(now))
    rows = (
        Ticket.objects.filter(_within(months), pk__in=running)
        .filter(Exists(breached))
        .annotate(month=TruncMonth("created_at", tzinfo=_zone(), output_field=DateField()))
        .values("month", *columns)
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[dt.date, dict[str, dict]] = {}
    for row in rows:
        per_month = result.setdefault(row["month"], {})
        for dimension, column in zip(dimensions, columns, strict=True):
            groups = per_month.setdefault(dimension, defaultdict(int))
            groups[row[column]] += row["n"]
    return result


# ---- reading ---------------------------------------------------------------------------------


def stored_months(months: Iterable[dt.date]) -> set[dt.date]:
    """Those of ``months`` whose stored facts are current: built, no change since, closed
    (one query)."""
    months = set(months)
    if not months:
        return set()
    this_month = open_month()
    changed = MonthChange.objects.filter(month=OuterRef("month"))
    built = (
        MonthBuild.objects.filter(month__in=months)
        .exclude(Exists(changed))
        .values_list("month", flat=True)
    )
    return {m for m in built if m < this_month}


def _stored(months: set[dt.date], dimensions: tuple[str, ...]) -> dict[dt.date, Slices]:
    result: dict[dt.date, Slices] = {m: {d: {} for d in dimensions} for m in months}
    if not months:
        return result
    rows = MonthFact.objects.filter(month__in=months, dimension__in=dimensions).values(
        "month",
        "dimension",
        "key",
        *(n for n in SLICE_FIELDS if n != "breached"),
        "breached_settled",
    )
    for row in rows:
        values = {name: row[name] for name in SLICE_FIELDS if name != "breached"}
        values["breached"] = row["breached_settled"]
        key = _key_value(row["dimension"], row["key"])
        result[row["month"]][row["dimension"]][key] = Slice(**values)
    return result


def stored_facts(month: dt.date) -> Slices:
    """What is stored for ``month`` (current or not), every dimension."""
    return _stored({month}, DIMENSIONS)[month]


def slices(
    months: Iterable[dt.date],
    now: dt.datetime | None = None,
    dimensions: Iterable[str] = DIMENSIONS,
) -> dict[dt.date, Slices]:
    """The figures of each month (given by its first day) at ``now``, per dimension and
    group: stored facts for closed months whose facts are current, computed live for the
    others, with the breaches of still-running tickets added at ``now``. Equal to what the
    engine computes live for that month (tests/test_months.py proves it on random histories)."""
    now = now or timezone.now()
    months = sorted(set(months))
    dimensions = tuple(dimensions)
    stored = stored_months(months)
    result = _stored(stored, dimensions)
    result.update(month_facts([m for m in months if m not in stored], dimensions, now))
    for month, per_dimension in _running_breaches(sorted(stored), now, dimensions).items():
        for dimension, groups in per_dimension.items():
            for key, count in groups.items():
                result[month][dimension].setdefault(key, Slice()).breached += count
    return result


# ---- storing ---------------------------------------------------------------------------------


def store_months(months: list[dt.date]) -> int:
    """Recompute the facts of the closed ``months`` and store them (call inside a
    transaction; see `actions.do_store_months`). Builds of a month are serialised by a row
    lock; the change rows seen before recomputing are deleted, a later one keeps the month
    stale. Returns how many groups were stored."""
    this_month = open_month()
    for month in months:
        if month != month_start(month) or month >= this_month:
            raise ValueError(f"{month}: only a closed month's facts are stored")
    for month in months:
        MonthBuild.objects.get_or_create(month=month)
    builds = list(MonthBuild.objects.select_for_update().filter(month__in=months))
    seen = list(MonthChange.objects.filter(month__in=months).values_list("pk", flat=True))
    facts = month_facts(months)
    MonthFact.objects.filter(month__in=months).delete()
    MonthFact.objects.bulk_create(
        (
            _fact_row(month, dimension, key, figures)
            for month, per_dimension in facts.items()
            for dimension, groups in per_dimension.items()
            for key, figures in groups.items()
        ),
        batch_size=2000,
    )
    built_at = timezone.now()
    for build in builds:
        build.built_at = built_at
    MonthBuild.objects.bulk_update(builds, ["built_at"])
    MonthChange.objects.filter(pk__in=seen).delete()
    return sum(len(g) for per_dimension in facts.values() for g in per_dimension.values())


def _fact_row(month: dt.date, dimension: str, key, figures: Slice) -> MonthFact:
    values = {name: getattr(figures, name) for name in SLICE_FIELDS if name != "breached"}
    return MonthFact(
        month=month,
        dimension=dimension,
        key=_key_text(key),
        breached_settled=figures.breached,
        **values,
    )


def months_to_store() -> list[dt.date]:
    """Closed months with tickets whose facts are missing or stale, oldest first."""
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return []
    months, month, this_month = [], _month_of(first), open_month()
    while month < this_month:
        months.append(month)
        month = calendar_month(month).end + dt.timedelta(days=1)
    current = stored_months(months)
    return [m for m in months if m not in current]


# ---- knowing what changed --------------------------------------------------------------------


def mark_instants(instants: Iterable[dt.datetime | None]) -> set[dt.date]:
    """Record that tickets created or resolved at ``instants`` changed: each closed month among
    them gets a `MonthChange` in the current transaction (its facts are stale from the
    commit on) and its rebuild is queued on commit. Returns those months."""
    this_month = calendar_month(open_month()).start_at
    months = {_month_of(t) for t in instants if t is not None and t < this_month}
    if months:
        MonthChange.objects.bulk_create(MonthChange(month=m) for m in sorted(months))
        for month in sorted(months):
            transaction.on_commit(_store_later(month))
    return months


def _store_later(month: dt.date):
    """The on-commit callback that queues ``month``'s rebuild (``kpi_month`` names it)."""

    def store() -> None:
        tasks.store_month.delay(month.isoformat())

    store.kpi_month = month
    return store


def mark_tickets(ticket_ids: Iterable[int]) -> set[dt.date]:
    """`mark_instants` for the creation and resolution times of tickets by id."""
    ids = sorted(set(ticket_ids))
    months: set[dt.date] = set()
    for offset in range(0, len(ids), 5000):
        rows = Ticket.objects.filter(pk__in=ids[offset : offset + 5000]).values_list(
            "created_at", "resolved_at"
        )
        months |= mark_instants(t for row in rows for t in row)
    return months


def remember_instants(sender, instance, **kwargs) -> None:
    """post_init of Ticket: its creation and resolution times as loaded, so a save that
    moves a resolution to another month marks both months."""
    values = instance.__dict__
    instance._kpi_loaded = (values.get("created_at"), values.get("resolved_at"))


def ticket_written(sender, instance, **kwargs) -> None:
    """post_save / post_delete of Ticket (not a fixture's raw save: a restore brings the
    month facts back with the tickets)."""
    if kwargs.get("raw"):
        return
    values = instance.__dict__
    if "created_at" not in values or "resolved_at" not in values:
        mark_tickets([instance.pk])
        return
    loaded = getattr(instance, "_kpi_loaded", (None, None))
    mark_instants((values["created_at"], values["resolved_at"], *loaded))
    instance._kpi_loaded = (values["created_at"], values["resolved_at"])


def clock_written(sender, instance, **kwargs) -> None:
    """post_save / post_delete of SlaClock: the month its ticket was created in."""
    if kwargs.get("raw"):
        return
    ticket = instance._state.fields_cache.get("ticket")
    if ticket is not None and "created_at" in ticket.__dict__:
        mark_instants([ticket.created_at])
    else:
        mark_tickets([instance.ticket_id])


def clocks_written(sender, *, ticket_ids=(), instants=(), **kwargs) -> None:
    """``sla.signals.clocks_written``: bulk writes that bypass ``save()``."""
    if instants:
        mark_instants(instants)
    if ticket_ids:
        mark_tickets(ticket_ids)


# ---- what the engine and the breakdowns read ------------------------------------------------


def document_figures(period, now: dt.datetime):
    """The ticket parts of the KPI document of the calendar month ``period``, in the shapes
    the engine's live queries return: per type counts, per (type, metric) clock
    percentiles, the previous month's repeats and total, the CSAT aggregate."""
    previous = period.previous().start
    both = slices([previous, period.start], now, ("type",))
    types = both[period.start]["type"]
    tickets = {
        key: {
            "type": key,
            "total": s.created,
            "repeats": s.repeats,
            "met": s.met,
            "breached": s.breached,
        }
        for key, s in types.items()
    }
    percentiles = {}
    for key, figures in types.items():
        for metric in METRICS:
            n = getattr(figures, f"{metric}_n")
            if n:
                percentiles[(key, metric)] = {
                    "median": getattr(figures, f"{metric}_median"),
                    "p90": getattr(figures, f"{metric}_p90"),
                    "n": n,
                }
    before = both[previous]["type"].values()
    previous_totals = (sum(s.repeats for s in before), sum(s.created for s in before))
    rated = sum(s.csat_n for s in types.values())
    total = sum(s.csat_total for s in types.values())
    csat = {
        "mean": total / rated if rated else None,
        "total": total if rated else None,
        "n": rated,
    }
    return tickets, percentiles, previous_totals, csat
