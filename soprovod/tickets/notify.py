"""Who hears about what happens to a ticket. Called after commit by `tickets.actions`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for, users_with_role
from soprovod.accounts.roles import Role
from soprovod.core.notify import notify
from soprovod.tickets import tasks
from soprovod.tickets.models import Escalation, Ticket, TicketMessage


def _url(ticket_id: int) -> str:
    return reverse("tickets:detail", args=[ticket_id])


def ticket_created(ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("client", "assignee").get(pk=ticket_id)
    recipients = (
        acting_for(ticket.assignee)
        if ticket.assignee
        else list(users_with_role(Role.SUPPORT_MANAGER))
    )
    notify(
        recipients,
        key=f"ticket:{ticket.pk}:created",
        text=_("New ticket #%(number)s (%(type)s): %(subject)s")
        % {"number": ticket.pk, "type": ticket.get_type_display(), "subject": ticket.subject},
        url=_url(ticket.pk),
        email=ticket.type == "emergency",
    )
    # The client hears back at once: an automatic acknowledgement (does not stop first response).
    tasks.acknowledge.delay(ticket.pk)


def message_added(message_id: int) -> None:
    message = TicketMessage.objects.select_related("ticket__assignee").get(pk=message_id)
    ticket = message.ticket
    if message.from_staff and message.kind == TicketMessage.Kind.PUBLIC:
        # Public staff replies (and the acknowledgement) are mailed to the client.
        tasks.send_message.delay(message.pk)
    if not message.from_staff and ticket.assignee:
        # An assignee away: the colleague their work is routed to hears it (acting_for).
        notify(
            acting_for(ticket.assignee),
            key=f"message:{message.pk}",
            text=_("The client replied in ticket #%(number)s: %(subject)s")
            % {"number": ticket.pk, "subject": ticket.subject},
            url=_url(ticket.pk),
            email=False,
        )


def resolved(ticket_id: int) -> None:
    """The client hears that the ticket is resolved (`mail.resolution_notice`), with the
    rating links that other parts add to the mail (`mail.register_mail_extra`)."""
    tasks.resolution_notice.delay(ticket_id)


def assigned(ticket_id: int, actor_id: int | None) -> None:
    ticket = Ticket.objects.select_related("assignee").get(pk=ticket_id)
    if ticket.assignee_id and ticket.assignee_id != actor_id:
        notify(
            acting_for(ticket.assignee),
            key=f"ticket:{ticket.pk}:assigned:{ticket.assignee_id}:{ticket.version}",
            text=_("Ticket #%(number)s is assigned to you: %(subject)s")
            % {"number": ticket.pk, "subject": ticket.subject},
            url=_url(ticket.pk),
            email=False,
        )


def escalated(escalation_id: int) -> None:
    """Tell whoever acts for the level now (the head or the CEO, or the deputy standing in
    while they are away); an escalation to the CEO is copied to the head's side too."""
    escalation = Escalation.objects.select_related("ticket").get(pk=escalation_id)
    recipients = acting_for(Role.HEAD, escalation.created_at)
    if escalation.level == Escalation.Level.CEO:
        recipients = [*acting_for(Role.CEO, escalation.created_at), *recipients]
    ticket = escalation.ticket
    notify(
        recipients,
        key=f"escalation:{escalation.pk}",
        text=_("Escalation (ticket #%(number)s): %(reason)s")
        % {"number": ticket.pk, "reason": escalation.reason}
        if ticket
        else _("Escalation: %(reason)s") % {"reason": escalation.reason},
        url=reverse("escalations:detail", args=[escalation.pk]),
    )


def escalation_resolved(escalation_id: int) -> None:
    """Whoever raised it hears the decision."""
    escalation = Escalation.objects.select_related("raised_by").get(pk=escalation_id)
    if escalation.raised_by is None or escalation.raised_by_id == escalation.resolved_by_id:
        return
    notify(
        [escalation.raised_by],
        key=f"escalation:{escalation.pk}:resolved",
        text=_("Escalation resolved: %(decision)s") % {"decision": escalation.outcome},
        url=reverse("escalations:detail", args=[escalation.pk]),
        email=False,
    )
