"""Hand-made inputs: tickets with their SLA outcome set directly on their clocks, so a test
states each measure's raw value by counting rows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from soprovod.sla.models import ClockStatus, Metric, SlaClock, WorkCalendar
from soprovod.tickets.models import TicketStatus
from soprovod.tickets.tests.factories import TicketFactory

MSK = ZoneInfo("Europe/Moscow")
TODAY = dt.date(2026, 11, 16)  # a Monday
NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=MSK)


def days_ago(days: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(hour), MSK)


def ticket(client, days: int, *, type="standard", outcome="met", csat=None, repeat=False):
    """A ticket created ``days`` days before TODAY; ``outcome`` met, breached or pending
    (pending: its clocks still run and are not due)."""
    created = days_ago(days)
    resolved = created + dt.timedelta(hours=2) if outcome != "pending" else None
    t = TicketFactory(
        client=client,
        type=type,
        created_at=created,
        status=TicketStatus.RESOLVED if resolved else TicketStatus.OPEN,
        resolved_at=resolved,
        csat_score=csat,
        csat_at=resolved if csat else None,
        is_repeat=repeat,
    )
    calendar = WorkCalendar.objects.order_by("pk").first()
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        SlaClock.objects.create(
            ticket=t,
            metric=metric,
            calendar=calendar,
            target_seconds=3600,
            started_at=created,
            due_at=created + dt.timedelta(days=30 if outcome == "pending" else 1),
            stopped_at=resolved,
            status={
                "met": ClockStatus.MET,
                "breached": ClockStatus.BREACHED
                if metric == Metric.RESOLUTION
                else ClockStatus.MET,
                "pending": ClockStatus.PENDING,
            }[outcome],
        )
    return t
