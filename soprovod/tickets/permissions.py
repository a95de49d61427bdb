"""Which tickets, messages and attachments a user may see and act on: the role capabilities
of ``soprovod.accounts.permissions`` narrowed to objects. Another company's ticket answers
404 for everyone, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from soprovod.accounts.permissions import (
    acts_for_a_client,
    can_raise_escalations,
    can_read_escalations,
    can_read_internal_notes,
    can_read_queue,
    can_work_tickets,
    is_signed_in,
    require,
)
from soprovod.accounts.queries import roles_deputised
from soprovod.accounts.roles import Role
from soprovod.clients.permissions import client_id_of_contact
from soprovod.tickets.models import Attachment, Escalation, Ticket, TicketMessage


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """Tickets the user may read: the support department and the CEO read all; a client
    contact reads their own company's tickets; other roles read none."""
    qs = Ticket.objects.all()
    if not is_signed_in(user):
        return qs.none()
    if can_read_queue(user):
        return qs
    if acts_for_a_client(user):
        client_id = client_id_of_contact(user)
        return qs.filter(client_id=client_id) if client_id else qs.none()
    return qs.none()


def is_own_company_ticket(user, ticket: Ticket) -> bool:
    """A client contact acting on their own company's ticket (portal): they file, reply,
    reopen and rate there."""
    return (
        acts_for_a_client(user)
        and ticket.client_id is not None
        and ticket.client_id == client_id_of_contact(user)
    )


def get_ticket_or_404(user, number: int, *, for_work: bool = False) -> Ticket:
    """The ticket ``number`` if the user may read it (and work it, with ``for_work``)."""
    ticket = (
        tickets_visible_to(user)
        .select_related("client", "site", "contact", "category", "assignee", "policy")
        .filter(pk=number)
        .first()
    )
    require(ticket is not None, hidden=True)
    require(not for_work or can_work_tickets(user))
    return ticket


def attachments_visible_to(user) -> QuerySet[Attachment]:
    """Attachments of tickets the user may read; a client contact never sees attachments
    of internal notes."""
    qs = Attachment.objects.filter(message__ticket__in=tickets_visible_to(user))
    if not can_read_internal_notes(user):
        qs = qs.filter(message__kind=TicketMessage.Kind.PUBLIC)
    return qs


def messages_visible_to(user, ticket: Ticket) -> QuerySet[TicketMessage]:
    """Messages of a ticket the user may read (internal notes are staff-only)."""
    qs = ticket.messages.all()
    if not can_read_internal_notes(user):
        qs = qs.filter(kind=TicketMessage.Kind.PUBLIC)
    return qs


# ---- escalations ---------------------------------------------------------------------------

_LEVEL_ROLES = {Escalation.Level.HEAD: Role.HEAD, Escalation.Level.CEO: Role.CEO}


def escalation_levels(user, at=None) -> list[str]:
    """The levels whose escalations ``user`` receives at ``at``: those of the roles they
    hold, and those of a head or CEO they stand in for while that person is away."""
    if not is_signed_in(user):
        return []
    if user.is_superuser:
        return list(Escalation.Level.values)
    # Asked by the menu on every page and again by the page: kept on the user object (one
    # request) for the day asked about.
    day = timezone.localdate(at) if isinstance(at, dt.datetime) else at or timezone.localdate()
    cached = getattr(user, "_escalation_levels", None)
    if cached is not None and cached[0] == day:
        return list(cached[1])
    held = {level for level, role in _LEVEL_ROLES.items() if user.has_role(role)}
    if len(held) < len(_LEVEL_ROLES) and user.is_staff_member:
        deputised = roles_deputised(user, at)
        held |= {level for level, role in _LEVEL_ROLES.items() if role in deputised}
    levels = [level for level in _LEVEL_ROLES if level in held]
    user._escalation_levels = (day, tuple(levels))
    return levels


def can_see_escalation_inbox(user, at=None) -> bool:
    """The inbox: the head and the CEO, a deputy standing in for one of them, and whoever
    has escalations addressed to them still open."""
    if not is_signed_in(user) or not user.is_staff_member:
        return False
    if can_read_escalations(user) or escalation_levels(user, at):
        return True
    return (
        Escalation.objects.filter(addressed_to=user)
        .exclude(status=Escalation.Status.RESOLVED)
        .exists()
    )


def inbox_condition(user, at=None) -> Q:
    """The escalations in ``user``'s inbox: of the levels they receive now, or addressed to
    them (a deputy keeps what they received while standing in until it is resolved)."""
    return Q(level__in=escalation_levels(user, at)) | Q(addressed_to_id=user.pk)


def escalations_visible_to(user, at=None) -> QuerySet[Escalation]:
    """The head and the CEO read every escalation; others read those in their inbox and
    those they raised themselves; a client contact none."""
    qs = Escalation.objects.all()
    if not is_signed_in(user) or not user.is_staff_member:
        return qs.none()
    if can_read_escalations(user):
        return qs
    return qs.filter(inbox_condition(user, at) | Q(raised_by_id=user.pk))


def can_answer_escalation(user, escalation: Escalation, at=None) -> bool:
    """Acknowledge and resolve: whoever receives its level now, or the person it was
    addressed to (the head's deputy finishes what they took on)."""
    if not is_signed_in(user):
        return False
    return escalation.level in escalation_levels(user, at) or (
        escalation.addressed_to_id is not None and escalation.addressed_to_id == user.pk
    )


def get_escalation_or_404(user, pk: int) -> Escalation:
    escalation = (
        escalations_visible_to(user)
        .select_related(
            "ticket", "client", "raised_by", "addressed_to", "acknowledged_by", "resolved_by"
        )
        .filter(pk=pk)
        .first()
    )
    require(escalation is not None, hidden=True)
    return escalation


def can_raise_by_hand(user) -> bool:
    return can_raise_escalations(user)
