"""Which tickets, messages and attachments a user may see and act on: the role capabilities
of ``soprovod.accounts.permissions`` narrowed to objects. Another company's ticket answers
404 for everyone, as if it did not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import (
    acts_for_a_client,
    can_read_internal_notes,
    can_read_queue,
    can_work_tickets,
    is_signed_in,
    require,
)
from soprovod.clients.permissions import client_id_of_contact
from soprovod.tickets.models import Attachment, Ticket, TicketMessage


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
