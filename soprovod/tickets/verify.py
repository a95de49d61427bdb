"""`soprovod verify`, tickets: every SLA clock recomputed from its ticket's stored history —
when it was created, first answered and resolved, and the pauses of its resolution clock —
by the rule the workflow applies (`sla.clocks.recompute`), and compared with what is stored.

Read in bulk: tickets are taken by ranges of numbers, two queries per range (the clocks with
their tickets' dates, the pauses), whatever the number of tickets; the arithmetic is one
vectorised call per calendar and range.

What is compared, per clock: the due time, the ceiling, when it stopped, the pauses that
moved its due time and those that did not, when a pause going on began, the time it ran,
and its outcome. The stored status of a clock still running is a cache the SLA checker
refreshes every minute and no page shows (they judge it as of now), so it is not compared.
A closed ticket whose calendar was edited after it closed kept its outcome (sla.md
«Recalculation»: history is not rewritten) and cannot be recomputed under the calendar it
had: it is left out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Max, Min
from django.utils import timezone

from soprovod.core.verify import Difference, Report, Tally
from soprovod.sla import clocks
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import Metric, SlaClock, SlaPause, WorkCalendar
from soprovod.tickets.actions import do_correct_clocks
from soprovod.tickets.models import Ticket

FIX_REASON = "verify --fix"
# Ticket numbers per range: two queries each.
CHUNK = 20_000

STORED = [
    "pk",
    "ticket_id",
    "metric",
    "calendar_id",
    "calendar_version",
    "started_at",
    "target_seconds",
    "extension_seconds",
    "frozen",
    "ticket__created_at",
    "ticket__first_response_at",
    "ticket__resolved_at",
    *clocks.SETTLED_FIELDS,
]
COMPARED = clocks.SETTLED_FIELDS


def field_name(metric: str, field: str) -> str:
    """The difference's field as the export names it where it has a column."""
    if field == "due_at":
        return "resolution_ceiling" if metric == Metric.RESOLUTION_CEILING else f"{metric}_due"
    if field == "ceiling_at" and metric == Metric.RESOLUTION:
        return "resolution_ceiling_at"
    return f"{metric}_{field}"


def shown(value: object) -> object:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value


def _ranges(step: int) -> Iterator[tuple[int, int]]:
    bounds = Ticket.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for low in range(bounds["low"], bounds["high"] + 1, step):
        yield low, low + step


def stop_of(metric: str, first_response_at, resolved_at):
    """When the ticket's history says the clock stopped: the first public reply for the first
    response, the resolution for the resolution clock and the ceiling."""
    return first_response_at if metric == Metric.FIRST_RESPONSE else resolved_at


def compare(chunk: int = CHUNK, now: dt.datetime | None = None) -> Iterator[tuple]:
    """Yield ``(ticket number, clock pk, metric, field, stored, recomputed)`` for each stored
    value that disagrees with its recomputation, and ``(ticket number, None, ...)`` once per
    ticket checked (so the caller can count)."""
    now = now or timezone.now()
    calendars_rows = list(WorkCalendar.objects.all())
    engines = {c.pk: business_calendar(c) for c in calendars_rows}
    engines[None] = clocks.calendar_time()
    versions = {c.pk: c.version for c in calendars_rows}
    for low, high in _ranges(chunk):
        rows = list(
            SlaClock.objects.filter(ticket_id__gte=low, ticket_id__lt=high)
            .order_by()
            .values_list(*STORED)
        )
        if not rows:
            continue
        pauses: dict[int, list] = defaultdict(list)
        for ticket_id, begin, end in (
            SlaPause.objects.filter(
                clock__ticket_id__gte=low,
                clock__ticket_id__lt=high,
                clock__metric=Metric.RESOLUTION,
            )
            .order_by("clock__ticket_id", "started_at", "pk")
            .values_list("clock__ticket_id", "started_at", "ended_at")
        ):
            pauses[ticket_id].append((begin, end))
        stale: set[int] = set()
        facts = []
        stored = {}
        for row in rows:
            pk, ticket_id, metric, calendar_id, version, started, target, extension, frozen = row[
                :9
            ]
            _created, first_response_at, resolved_at = row[9:12]
            if frozen and calendar_id is not None and version != versions.get(calendar_id):
                stale.add(ticket_id)
            stop = stop_of(metric, first_response_at, resolved_at)
            facts.append(
                clocks.Facts(pk, ticket_id, metric, calendar_id, started, target, extension, stop)
            )
            stored[pk] = (ticket_id, metric, dict(zip(COMPARED, row[12:], strict=True)))
        recomputed = clocks.recompute(facts, pauses, engines, now)
        checked = set()
        for pk, (ticket_id, metric, values) in stored.items():
            if ticket_id in stale:
                continue
            checked.add(ticket_id)
            fresh = recomputed[pk]
            running = fresh["stopped_at"] is None and fresh["paused_since"] is None
            for field in COMPARED:
                if field == "status" and running:
                    continue
                if values[field] != fresh[field]:
                    yield ticket_id, pk, metric, field, values[field], fresh[field]
        for ticket_id in sorted(checked):
            yield ticket_id, None, None, None, None, None


def check_ticket_clocks(report: Report, *, fix: bool = False, actor=None) -> Tally:
    """Report each stored clock value that its ticket's history does not give; with ``fix``,
    write the recomputed values through `tickets.actions.do_correct_clocks`, audited."""
    tally = Tally()
    corrections: dict[int, list[tuple]] = defaultdict(list)
    for ticket_id, pk, metric, field, stored, fresh in compare():
        if pk is None:
            tally.checked += 1
            continue
        name = field_name(metric, field)
        report(Difference(f"ticket #{ticket_id}", name, shown(stored), shown(fresh)))
        corrections[ticket_id].append((pk, field, name, stored, fresh))
    if fix and corrections:
        tally.fixed = do_correct_clocks(actor, corrections, reason=FIX_REASON)
    return tally


def check_merges(report: Report, *, fix: bool = False, actor=None) -> Tally:
    """Merged tickets (issue 15): each points at a ticket of the same client that is not
    merged itself, and its history says when it was answered and resolved (the merge notice,
    at the latest), so its SLA outcome is the one the clocks check above recomputes. Nothing
    to fix automatically: a difference here needs a person."""
    tally = Tally()
    rows = Ticket.objects.filter(merged_into__isnull=False).values_list(
        "pk",
        "client_id",
        "merged_into__client_id",
        "merged_into__merged_into",
        "first_response_at",
        "resolved_at",
        "merged_at",
    )
    for pk, client, survivor_client, chained, first_response, resolved, merged_at in rows:
        tally.checked += 1
        subject = f"ticket #{pk}"
        if client != survivor_client:
            report(Difference(subject, "merged_into.client", survivor_client, client))
        if chained is not None:
            report(Difference(subject, "merged_into.merged_into", chained, None))
        if first_response is None or first_response > merged_at:
            report(Difference(subject, "first_response_at", shown(first_response), "≤ merge"))
        if resolved is None or resolved > merged_at:
            report(Difference(subject, "resolved_at", shown(resolved), "≤ merge"))
    return tally
