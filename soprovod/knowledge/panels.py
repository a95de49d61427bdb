"""The knowledge base's panel on the ticket page (`soprovod.core.panels`, slot «ticket»):
the articles linked to the ticket, a search to link one, and buttons that insert a client
article — its link and summary, or its whole text — into the reply being written. The
ticket app knows nothing of it. Two queries."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from soprovod.accounts.permissions import can_read_knowledge, can_work_tickets
from soprovod.knowledge import queries


def ticket_panel(request: HttpRequest, ticket) -> str:
    user = request.user
    if not can_read_knowledge(user):
        return ""
    links = list(queries.for_ticket(ticket))
    suggestions = []
    if can_work_tickets(user):
        linked = {link.article_id for link in links}
        suggestions = [
            a for a in queries.suggest(ticket.subject, None, limit=4) if a.pk not in linked
        ][:3]
    return render_to_string(
        "knowledge/_ticket_panel.html",
        {
            "ticket": ticket,
            "links": links,
            "suggestions": suggestions,
            "can_work": can_work_tickets(user) and ticket.status != "closed",
        },
        request=request,
    )
