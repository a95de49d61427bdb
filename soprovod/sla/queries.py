"""Which clocks are running, breached and open: one home for each rule, shared by the queue,
the SLA checker, the KPI engine and the API (sla.md «Clocks»).

``running()`` and ``breached(now)`` are conditions (``Q``) on `SlaClock`, so they serve as
filters, in ``Exists`` subqueries and in ``Case``/``When`` alike. ``breached(now)`` agrees
with `clocks.evaluate` (a test holds them together): a stopped or paused clock's stored status
is the rules' verdict, a running one is judged against ``now``.

Whether a ticket is open is the ticket workflow's to say, and sla sits below tickets: the
tickets app tells it once at start-up with `connect_tickets` (from its ``AppConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q, QuerySet

from soprovod.sla.models import ClockStatus, Metric, SlaClock, SlaPolicy


@dataclass(frozen=True)
class TicketRules:
    """What sla needs to know about tickets, given by the tickets app."""

    open_clock: Q  # a condition on SlaClock: its ticket is open
    open_tickets_on: Callable[[SlaPolicy], QuerySet]  # the open tickets following a policy


_tickets: TicketRules | None = None


def connect_tickets(rules: TicketRules) -> None:
    global _tickets
    _tickets = rules


def _ticket_rules() -> TicketRules:
    if _tickets is None:
        raise ImproperlyConfigured("soprovod.tickets is not installed: no ticket is ever open")
    return _tickets


def running() -> Q:
    """A clock that is ticking now: not stopped, not paused."""
    return Q(stopped_at__isnull=True, paused_since__isnull=True)


def breached(now: dt.datetime) -> Q:
    """sla.md: a clock is breached when it stopped after its due time or is still running past
    it. The stored status says so for stopped and paused clocks (set by the clock rules); a
    running clock is judged against ``now``, since the stored status is refreshed only by the
    periodic checker."""
    return Q(status=ClockStatus.BREACHED) | Q(running(), due_at__lt=now)


def counts_for_sla() -> Q:
    """A clock that decides whether its ticket meets SLA: first response and resolution
    (sla.md «Target and ceiling»: the ceiling never turns a ticket into a breach)."""
    return Q(metric__in=[Metric.FIRST_RESPONSE, Metric.RESOLUTION])


def breaches_sla(now: dt.datetime) -> Q:
    """A clock that makes its ticket breach SLA at ``now``: `breached` among the clocks that
    count for SLA. The queue, the ticket's status and the KPI engine use this one."""
    return counts_for_sla() & breached(now)


def overdue(now: dt.datetime) -> Q:
    """A clock not stopped that is past its due time: running past it, or paused after it
    (`clocks.evaluate` for a clock that has not stopped)."""
    return Q(stopped_at__isnull=True) & (
        Q(paused_since__isnull=True, due_at__lt=now)
        | Q(paused_since__isnull=False, paused_since__gt=F("due_at"))
    )


def open_clocks() -> QuerySet[SlaClock]:
    """Clocks that may still change: not frozen, of an open ticket."""
    return SlaClock.objects.filter(_ticket_rules().open_clock, frozen=False)


def open_tickets_on(policy: SlaPolicy) -> QuerySet:
    """The open tickets that follow ``policy`` (those without a policy follow the default)."""
    return _ticket_rules().open_tickets_on(policy)
