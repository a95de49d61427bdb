"""Reads of mass incidents: lists with their child counts, the children with their own SLA
status, the active incidents block and the month's incidents for the report. Aggregated in
the database."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from soprovod.incidents.models import Incident
from soprovod.lib.periods import Period
from soprovod.tickets import queries as ticket_queries
from soprovod.tickets.models import OPEN_STATUSES, Ticket


def with_counts(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """``children``, ``open_children`` and ``clients`` per incident, in the same query."""
    return qs.annotate(
        children=Count("links", distinct=True),
        open_children=Count(
            "links", filter=Q(links__ticket__status__in=OPEN_STATUSES), distinct=True
        ),
        clients=Count("links__ticket__client", distinct=True),
    )


def active(qs: QuerySet[Incident] | None = None) -> QuerySet[Incident]:
    qs = Incident.objects.all() if qs is None else qs
    return with_counts(qs.filter(status=Incident.Status.OPEN)).order_by("-started_at")


def children(incident: Incident, now: dt.datetime) -> QuerySet[Ticket]:
    """The child tickets, each with its own SLA status (``sla_status``)."""
    qs = Ticket.objects.filter(incident_link__incident=incident).select_related(
        "client", "assignee"
    )
    return ticket_queries.with_sla(qs, now).order_by("pk")


def in_period(period: Period) -> QuerySet[Incident]:
    """Incidents that were going on during the period: started before its end and not
    resolved before its start (the monthly report)."""
    return with_counts(
        Incident.objects.filter(started_at__lt=period.end_at).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.start_at)
        )
    ).order_by("started_at")


def child_counts_by_incident(period: Period) -> QuerySet:
    """Per incident, the child tickets created in the period and how many of those are
    repeats (the repeat analysis: one failure behind many clients' tickets)."""
    return (
        Ticket.objects.filter(
            incident_link__isnull=False,
            created_at__gte=period.start_at,
            created_at__lt=period.end_at,
        )
        .values("incident_link__incident", "incident_link__incident__title")
        .annotate(tickets=Count("pk"), repeats=Count("pk", filter=Q(is_repeat=True)))
        .order_by("-tickets")
    )
