"""Tickets to CSV with their SLA figures (interfaces.md «CSV files», tickets export).

The columns are the import's (``external_id`` … ``csat``, so an export imports as it is)
followed by what the product computes from the clocks:

- ``first_response_due``, ``resolution_due``, ``resolution_ceiling``: ISO 8601 in the
  department's zone; empty when the ticket's type has no such clock;
- ``first_response_status``, ``resolution_status``: ``met``, ``breached`` or ``pending``
  now (`sla.clocks.evaluate`); ``sla_status`` is met when both are met, as the KPIs count
  it (`sla.clocks.ticket_status_now`: the ceiling limits extensions, it is no SLA outcome);
- ``first_response_minutes``: minutes to the first public reply on the metric's own
  calendar (24/7 for emergencies, business minutes otherwise); ``resolution_business_minutes``:
  business minutes to resolution, pauses excluded; empty while the clock runs (kpi.md);
- ``is_repeat``: ``true`` or ``false`` (kpi.md «repeat_rate»);
- ``number``: the ticket's number in Soprovod (``/tickets/<number>/``), so a row in a
  spreadsheet leads back to its ticket.

``on_hold`` lists the finished waits for the client; a wait still going on has no end yet
and is left out, and so are the gaps between a resolution and a reopening (the file has no
column for reopenings). ``external_id`` is empty for tickets made in Soprovod.

UTF-8 with a BOM (Excel opens it as UTF-8) and commas. Tickets are read in chunks by
creation time, three queries per chunk (tickets with client and category, their clocks,
their pauses) whatever the number of tickets, and written as they are read.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import TextIO

from django.db.models import Q
from django.utils import timezone

from soprovod.lib.periods import Period
from soprovod.sla.clocks import evaluate, ticket_status_now
from soprovod.sla.models import Metric, SlaClock, SlaPause
from soprovod.tickets.imports import COMPUTED_COLUMNS, IMPORT_COLUMNS
from soprovod.tickets.models import Ticket

COLUMNS = (*IMPORT_COLUMNS, *COMPUTED_COLUMNS)
BOM = "\ufeff"
CHUNK = 500


def export_tickets(
    stream: TextIO,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
    chunk_size: int = CHUNK,
) -> int:
    """Write the tickets created from ``date_from`` to ``date_to`` (dates in the
    department's zone, both included; open-ended when None) to ``stream``, a text stream
    opened with ``newline=""``. Returns how many tickets were written."""
    now = now or timezone.now()
    writer = csv.writer(stream, lineterminator="\r\n")
    stream.write(BOM)
    writer.writerow(COLUMNS)
    written = 0
    for tickets, clocks, pauses in _chunks(_scope(date_from, date_to), chunk_size):
        writer.writerows(_row(t, clocks[t.pk], pauses[t.pk], now) for t in tickets)
        written += len(tickets)
    return written


def _scope(date_from: dt.date | None, date_to: dt.date | None) -> Q:
    scope = Q()
    if date_from is not None:
        scope &= Q(created_at__gte=Period(date_from, date_from).start_at)
    if date_to is not None:
        scope &= Q(created_at__lt=Period(date_to, date_to).end_at)
    return scope


def _chunks(scope: Q, size: int) -> Iterator[tuple[list[Ticket], dict, dict]]:
    """Tickets by (created_at, number), ``size`` at a time, with their clocks and the
    finished waits of their resolution clocks: three queries a chunk."""
    after = Q()
    while True:
        tickets = list(
            Ticket.objects.filter(scope, after)
            .select_related("client", "category")
            .order_by("created_at", "pk")[:size]
        )
        if not tickets:
            return
        ids = [ticket.pk for ticket in tickets]
        clocks: dict[int, dict[str, SlaClock]] = defaultdict(dict)
        for clock in SlaClock.objects.filter(ticket_id__in=ids):
            clocks[clock.ticket_id][clock.metric] = clock
        pauses: dict[int, list[tuple]] = defaultdict(list)
        waits = (
            SlaPause.objects.filter(
                clock__ticket_id__in=ids,
                clock__metric=Metric.RESOLUTION,
                reason=SlaPause.Reason.WAITING_CLIENT,
                ended_at__isnull=False,
            )
            .order_by("started_at", "pk")
            .values_list("clock__ticket_id", "started_at", "ended_at")
        )
        for ticket_id, started_at, ended_at in waits:
            pauses[ticket_id].append((started_at, ended_at))
        yield tickets, clocks, pauses
        last = tickets[-1]
        after = Q(created_at__gt=last.created_at) | Q(created_at=last.created_at, pk__gt=last.pk)


def _row(ticket: Ticket, clocks: dict[str, SlaClock], pauses: list, now: dt.datetime) -> list:
    first = clocks.get(Metric.FIRST_RESPONSE)
    resolution = clocks.get(Metric.RESOLUTION)
    ceiling = clocks.get(Metric.RESOLUTION_CEILING)
    statuses = {metric: evaluate(clock, now) for metric, clock in clocks.items()}
    return [
        ticket.external_id or "",
        (ticket.client.external_id or "") if ticket.client else "",
        ticket.type,
        ticket.category.name if ticket.category else "",
        ticket.subject,
        _time(ticket.created_at),
        _time(ticket.first_response_at),
        _time(ticket.resolved_at),
        ";".join(f"{_time(start)}/{_time(end)}" for start, end in pauses),
        "" if ticket.csat_score is None else ticket.csat_score,
        _time(first.due_at if first else None),
        _time(resolution.due_at if resolution else None),
        _time(ceiling.due_at if ceiling else None),
        statuses.get(Metric.FIRST_RESPONSE, ""),
        statuses.get(Metric.RESOLUTION, ""),
        ticket_status_now(clocks.values(), now) if clocks else "",
        _minutes(first),
        _minutes(resolution),
        "true" if ticket.is_repeat else "false",
        ticket.pk,
    ]


def _time(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _minutes(clock: SlaClock | None) -> str:
    """A stopped clock's minutes: whole when whole, else to two decimals (``12.5``)."""
    if clock is None or clock.stopped_at is None or clock.elapsed_seconds is None:
        return ""
    minutes = round(clock.elapsed_seconds / 60, 2)
    return str(int(minutes)) if minutes == int(minutes) else f"{minutes:g}"
