"""Reads of the client portal: the company's tickets with their due times, the conversation a
client may see, and the rules that decide which buttons a client is offered.

Every queryset starts from ``soprovod.accounts.permissions``, so the portal never widens what
a client contact may read. The actions enforce the same rules again on write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import Contact
from soprovod.sla.models import Metric, SlaClock, SlaTarget
from soprovod.sla.queries import policy_for
from soprovod.tickets.actions import rating_refusal
from soprovod.tickets.models import OPEN_STATUSES, Ticket, TicketMessage, TicketStatus
from soprovod.tickets.permissions import messages_visible_to, tickets_visible_to

PAGE_SIZE = 20

# The workflow's statuses as a client reads them: "waiting for client" is about them.
CLIENT_STATUS_LABELS = {
    TicketStatus.NEW: _("Received"),
    TicketStatus.OPEN: _("In progress"),
    TicketStatus.WAITING_CLIENT: _("Waiting for your answer"),
    TicketStatus.RESOLVED: _("Resolved"),
    TicketStatus.CLOSED: _("Closed"),
}


def contact_of(user) -> Contact | None:
    """The contact row that links a portal login to its company, or None."""
    return Contact.objects.select_related("client").filter(user=user).first()


# ---- due times -----------------------------------------------------------------------------


def _running_due(metric: str) -> Subquery:
    """The due time of a ticket's clock while it still runs (null once stopped or paused)."""
    return Subquery(
        SlaClock.objects.filter(ticket=OuterRef("pk"), metric=metric, stopped_at__isnull=True)
        .order_by()
        .values("due_at")[:1]
    )


def company_tickets(user) -> QuerySet[Ticket]:
    """The tickets of the user's company for the portal list: those waiting for the client
    first, then the other open ones, then resolved and closed ones, most recent first.
    Due times come as annotations, so a page of any length costs the same queries."""
    return (
        tickets_visible_to(user)
        .select_related("category", "site")
        .annotate(
            first_response_due=_running_due(Metric.FIRST_RESPONSE),
            resolution_due=_running_due(Metric.RESOLUTION),
            portal_group=Case(
                When(status=TicketStatus.WAITING_CLIENT, then=0),
                When(status__in=OPEN_STATUSES, then=1),
                default=2,
                output_field=IntegerField(),
            ),
            last_change=Coalesce("resolved_at", "created_at"),
        )
        .order_by("portal_group", "-last_change", "-pk")
    )


def attach_due_times(ticket: Ticket) -> Ticket:
    """Set ``first_response_due`` and ``resolution_due`` on one ticket, as ``company_tickets``
    annotates them (one query)."""
    dues = dict(
        SlaClock.objects.filter(
            ticket=ticket,
            metric__in=(Metric.FIRST_RESPONSE, Metric.RESOLUTION),
            stopped_at__isnull=True,
        ).values_list("metric", "due_at")
    )
    ticket.first_response_due = dues.get(Metric.FIRST_RESPONSE)
    ticket.resolution_due = dues.get(Metric.RESOLUTION)
    return ticket


@dataclass(frozen=True)
class Expectation:
    """What the client may expect next, in one of a few plain situations:
    ``answer`` (we'll answer by ``at``), ``resolution`` (resolution expected by ``at``),
    ``your_answer`` (we wait for the client), ``in_progress`` (no due time known),
    ``resolved`` / ``closed`` (since ``at``). ``late`` when a promised time has passed."""

    kind: str
    at: dt.datetime | None = None
    late: bool = False


def expectation(ticket: Ticket, now: dt.datetime) -> Expectation:
    """sla.md «Clocks» seen from the client's side: the first-response due time while nobody
    has answered, then the resolution due time; nothing is promised while the ticket waits
    for the client (the resolution clock is paused)."""
    if ticket.status == TicketStatus.WAITING_CLIENT:
        return Expectation("your_answer")
    if ticket.status == TicketStatus.RESOLVED:
        return Expectation("resolved", ticket.resolved_at)
    if ticket.status == TicketStatus.CLOSED:
        return Expectation("closed", ticket.closed_at or ticket.resolved_at)
    first_response_due = getattr(ticket, "first_response_due", None)
    resolution_due = getattr(ticket, "resolution_due", None)
    if ticket.first_response_at is None and first_response_due is not None:
        return Expectation("answer", first_response_due, late=first_response_due < now)
    if resolution_due is not None:
        return Expectation("resolution", resolution_due, late=resolution_due < now)
    return Expectation("in_progress")


# ---- one ticket --------------------------------------------------------------------------


def conversation(user, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The messages the client may read (never internal notes), with their attachments."""
    return (
        messages_visible_to(user, ticket)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class ReopenState:
    """Whether the client may reopen the ticket now, and until when (None: no limit known)."""

    possible: bool
    until: dt.datetime | None = None


def reopen_state(ticket: Ticket, now: dt.datetime) -> ReopenState | None:
    """None unless the ticket is resolved. A client reopens within REOPEN_WINDOW_DAYS of the
    resolution; the action ``do_reopen`` enforces the same window."""
    if ticket.status != TicketStatus.RESOLVED:
        return None
    if ticket.resolved_at is None:
        return ReopenState(possible=True)
    until = ticket.resolved_at + dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)
    return ReopenState(possible=now <= until, until=until)


def can_rate(ticket: Ticket) -> bool:
    """Whether the rating form is offered: the rule of `tickets.actions.rating_refusal`."""
    return rating_refusal(ticket) is None


# ---- what each type promises -----------------------------------------------------------------


@dataclass(frozen=True)
class TypePromise:
    """The default policy's targets for one ticket type (sla.md «Default policy»)."""

    response_minutes: int | None = None
    response_round_the_clock: bool = False
    resolution_minutes: int | None = None
    resolution_round_the_clock: bool = False


def type_promises(client=None) -> dict[str, TypePromise]:
    """Targets per ticket type of the policy ``client``'s tickets get (`sla.queries.policy_for`;
    no client: the default), read from the policy itself so the portal never promises other
    times than the clocks will run."""
    found: dict[str, dict] = {}
    targets = SlaTarget.objects.filter(policy=policy_for(client)).select_related("calendar")
    for target in targets:
        values = found.setdefault(target.ticket_type, {})
        if target.metric == Metric.FIRST_RESPONSE:
            values["response_minutes"] = target.target_minutes
            values["response_round_the_clock"] = target.calendar.is_24x7
        elif target.metric == Metric.RESOLUTION:
            values["resolution_minutes"] = target.target_minutes
            values["resolution_round_the_clock"] = target.calendar.is_24x7
    return {ticket_type: TypePromise(**values) for ticket_type, values in found.items()}
