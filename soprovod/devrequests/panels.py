"""The panels this app adds to the ticket and client pages (`soprovod.core.panels`): the
requests to development linked to the ticket or client, with their status, and a button to
file one. One query each."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from soprovod.accounts.permissions import can_file_dev_requests, can_see_dev_requests
from soprovod.devrequests import queries


def ticket_panel(request: HttpRequest, ticket) -> str:
    user = request.user
    if not can_see_dev_requests(user):
        return ""
    return render_to_string(
        "devrequests/_panel.html",
        {
            "requests": list(queries.for_ticket(ticket)),
            "create_query": f"ticket={ticket.pk}",
            "can_file": can_file_dev_requests(user),
        },
        request=request,
    )


def client_panel(request: HttpRequest, client) -> str:
    user = request.user
    if not can_see_dev_requests(user):
        return ""
    return render_to_string(
        "devrequests/_panel.html",
        {
            "requests": list(queries.for_client(client)),
            "create_query": f"client={client.pk}",
            "can_file": can_file_dev_requests(user),
        },
        request=request,
    )
