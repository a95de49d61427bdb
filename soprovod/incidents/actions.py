"""Every write to a mass incident (architecture.md «A write»). The children are worked
through the ticket actions (`soprovod.tickets.actions`): a public update is a public reply on
each child, resolving the incident resolves each child — so each keeps its own SLA clocks,
its own outcome and its own notices to its client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.core.errors import StaleObjectError
from soprovod.incidents.models import Incident, IncidentTicket, IncidentUpdate
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import OPEN_STATUSES, Ticket, TicketStatus


class IncidentError(ValueError):
    """A change the incident rules refuse; the message says why."""


def _lock(incident: Incident, expected_version: int | None = None) -> Incident:
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _bump(incident: Incident, *fields: str) -> None:
    incident.version += 1
    incident.save(update_fields=[*fields, "version"])


@transaction.atomic
def do_create_incident(
    actor,
    *,
    title: str,
    description: str = "",
    started_at: dt.datetime | None = None,
    tickets: Iterable[Ticket] = (),
) -> Incident:
    title = title.strip()
    if not title:
        raise IncidentError(_("Give the incident a title."))
    incident = Incident.objects.create(
        title=title[:300],
        description=description,
        started_at=started_at or timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record(actor, incident, AuditEvent.Action.CREATED, {"title": ["", incident.title]})
    tickets = list(tickets)
    if tickets:
        do_link_tickets(actor, incident, tickets)
    return incident


@transaction.atomic
def do_link_tickets(actor, incident: Incident, tickets: Iterable[Ticket]) -> int:
    """Make ``tickets`` children of ``incident``. All or nothing: a closed or merged ticket,
    or one already under another incident, refuses the whole set. A ticket already linked to
    this incident is left as it is. Returns how many were linked now."""
    incident = _lock(incident)
    if not incident.is_open:
        raise IncidentError(_("The incident is resolved: link tickets to an ongoing one."))
    tickets = sorted({t.pk: t for t in tickets}.values(), key=lambda t: t.pk)
    if not tickets:
        raise IncidentError(_("Tick at least one ticket."))
    rows = {
        row["pk"]: row
        for row in Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values(
            "pk", "status", "merged_into", "incident_link__incident"
        )
    }
    new = []
    for ticket in tickets:
        row = rows[ticket.pk]
        linked_to = row["incident_link__incident"]
        if linked_to == incident.pk:
            continue
        if linked_to is not None:
            raise IncidentError(
                _("Ticket #%(number)s already belongs to another incident.") % {"number": ticket.pk}
            )
        if row["status"] == TicketStatus.CLOSED or row["merged_into"] is not None:
            raise IncidentError(_("Ticket #%(number)s is closed.") % {"number": ticket.pk})
        new.append(ticket.pk)
    now = timezone.now()
    linked_by = actor if getattr(actor, "pk", None) else None
    IncidentTicket.objects.bulk_create(
        [
            IncidentTicket(incident=incident, ticket_id=pk, linked_at=now, linked_by=linked_by)
            for pk in new
        ]
    )
    if new:
        _bump(incident)
        record(
            actor,
            incident,
            AuditEvent.Action.UPDATED,
            {"tickets": ["", ", ".join(f"#{pk}" for pk in new)]},
        )
    return len(new)


@transaction.atomic
def do_unlink_ticket(actor, incident: Incident, ticket: Ticket) -> None:
    incident = _lock(incident)
    deleted, _rows = IncidentTicket.objects.filter(incident=incident, ticket=ticket).delete()
    if not deleted:
        raise IncidentError(_("The ticket is not part of this incident."))
    _bump(incident)
    record(actor, incident, AuditEvent.Action.UPDATED, {"tickets": [f"#{ticket.pk}", ""]})


def _open_children(incident: Incident) -> list[Ticket]:
    return list(
        Ticket.objects.filter(incident_link__incident=incident, status__in=OPEN_STATUSES).order_by(
            "pk"
        )
    )


@transaction.atomic
def do_post_update(actor, incident: Incident, body: str, *, at=None) -> IncidentUpdate:
    """One public update, sent to every open child's client as a public reply on their own
    ticket (mailed by the usual outbound path; the first public reply stops that ticket's
    first-response clock, as any reply of ours does)."""
    body = body.strip()
    if not body:
        raise IncidentError(_("The update is empty."))
    incident = _lock(incident)
    if not incident.is_open:
        raise IncidentError(_("The incident is resolved."))
    at = at or timezone.now()
    children = _open_children(incident)
    for ticket in children:
        ticket_actions.do_add_message(actor, ticket, body, at=at, from_staff=True)
    update = IncidentUpdate.objects.create(
        incident=incident,
        body=body,
        posted_at=at,
        author=actor if getattr(actor, "pk", None) else None,
        tickets_told=len(children),
    )
    _bump(incident)
    record(actor, incident, AuditEvent.Action.OTHER, {"update": ["", body[:200]]})
    return update


@transaction.atomic
def do_resolve_incident(
    actor, incident: Incident, resolution: str, *, at=None, expected_version=None
) -> list[Ticket]:
    """Resolve the incident and every open child. Each child is resolved by the ticket
    workflow at the same instant, so each stops its own clocks against its own due times
    (an emergency filed at the start may be breached while a later consultation is met) and
    its client gets the usual resolution notice. The resolution text, when given, goes to
    every open child as a public reply first. Children already resolved are left as they
    are. Returns the children resolved now."""
    incident = _lock(incident, expected_version)
    if not incident.is_open:
        raise IncidentError(_("The incident is already resolved."))
    at = at or timezone.now()
    resolution = resolution.strip()
    children = _open_children(incident)
    for ticket in children:
        if resolution:
            ticket_actions.do_add_message(actor, ticket, resolution, at=at, from_staff=True)
        ticket_actions.do_change_status(
            actor,
            ticket,
            TicketStatus.RESOLVED,
            at=at,
            reason=_("Mass incident resolved: %(title)s") % {"title": incident.title},
        )
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = at
    incident.resolved_by = actor if getattr(actor, "pk", None) else None
    incident.resolution = resolution
    _bump(incident, "status", "resolved_at", "resolved_by", "resolution")
    record(
        actor,
        incident,
        AuditEvent.Action.STATUS,
        {"status": [Incident.Status.OPEN.label, Incident.Status.RESOLVED.label]},
        reason=_("%(count)s tickets resolved") % {"count": len(children)},
    )
    return children
