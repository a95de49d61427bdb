"""The macros' panel on the ticket page (`soprovod.core.panels`, slot «ticket»): the user's
macros and the shared ones, each used in one click. The ticket app knows nothing of it.
One query."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from soprovod.macros import queries
from soprovod.macros.permissions import can_use_macros


def ticket_panel(request: HttpRequest, ticket) -> str:
    user = request.user
    if not can_use_macros(user) or ticket.status == "closed":
        return ""
    return render_to_string(
        "macros/_ticket_panel.html",
        {"ticket": ticket, "macros": list(queries.for_user(user)[:30])},
        request=request,
    )
