"""Tickets in the search (``soprovod.search``): the subject and the public messages as one
document a client contact may find in their own company's portal, the internal notes as a
second one for staff only; the number jumps straight to the ticket."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import acts_for_a_client, can_read_queue, is_signed_in
from soprovod.clients.permissions import client_id_of_contact
from soprovod.search.models import Audience
from soprovod.search.registry import Document, Provider
from soprovod.tickets.models import Ticket, TicketMessage

KIND = "ticket"


def documents(ids: list[int]) -> list[Document]:
    tickets = Ticket.objects.filter(pk__in=ids).values_list("pk", "subject", "client_id")
    texts: dict[tuple[int, str], list[str]] = defaultdict(list)
    messages = (
        TicketMessage.objects.filter(ticket_id__in=ids)
        .order_by("ticket_id", "created_at", "pk")
        .values_list("ticket_id", "kind", "body")
    )
    for ticket_id, kind, body in messages:
        texts[ticket_id, kind].append(body)
    made = []
    for pk, subject, client_id in tickets:
        made.append(
            Document(
                pk,
                subject,
                "\n".join(texts[pk, TicketMessage.Kind.PUBLIC]),
                Audience.PUBLIC,
                client_id,
                keys=(str(pk),),
            )
        )
        if notes := texts[pk, TicketMessage.Kind.INTERNAL]:
            made.append(Document(pk, subject, "\n".join(notes), Audience.STAFF, client_id))
    return made


def scope(user) -> Q | None:
    """As ``tickets_visible_to``: the department and the CEO find every ticket with its
    internal notes; a client contact their own company's subjects and public messages."""
    if not is_signed_in(user):
        return None
    if can_read_queue(user):
        return Q()
    if acts_for_a_client(user) and (client_id := client_id_of_contact(user)):
        return Q(company_id=client_id, audience=Audience.PUBLIC)
    return None


def url(user, number: int) -> str:
    if can_read_queue(user):
        return reverse("tickets:detail", args=[number])
    return reverse("portal:ticket", args=[number])


PROVIDER = Provider(
    kind=KIND,
    label=_("Tickets"),
    documents=documents,
    all_ids=lambda: Ticket.objects.values_list("pk", flat=True),
    scope=scope,
    url=url,
    watch={Ticket: "pk", TicketMessage: "ticket_id"},
    order=10,
)
