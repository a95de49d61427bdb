"""What this app adds to lower apps' pages (`soprovod.core.panels`): the ticket page's
incident panel, the queue's bulk action, the KPI dashboard's active incidents. One query
each at most."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from soprovod.incidents import queries
from soprovod.incidents.models import IncidentTicket
from soprovod.incidents.permissions import (
    can_see_incidents,
    can_work_incidents,
    incidents_visible_to,
)


def ticket_panel(request: HttpRequest, ticket) -> str:
    user = request.user
    if not can_see_incidents(user):
        return ""
    link = IncidentTicket.objects.select_related("incident").filter(ticket=ticket).first()
    can_link = can_work_incidents(user) and link is None and ticket.is_open
    return render_to_string(
        "incidents/_ticket_panel.html",
        {
            "link": link,
            "ticket": ticket,
            "can_link": can_link,
            "active": list(queries.active(incidents_visible_to(user))) if can_link else [],
        },
        request=request,
    )


def queue_bulk(request: HttpRequest, _obj) -> str:
    if not can_work_incidents(request.user):
        return ""
    return render_to_string(
        "incidents/_queue_bulk.html",
        {"active": list(incidents_visible_to(request.user).filter(status="open")[:50])},
        request=request,
    )


def dashboard_panel(request: HttpRequest, _obj) -> str:
    if not can_see_incidents(request.user):
        return ""
    return render_to_string(
        "incidents/_active_block.html",
        {"active": list(queries.active(incidents_visible_to(request.user))[:10])},
        request=request,
    )


def repeats_panel(request: HttpRequest, period) -> str:
    """The repeat analysis: the mass incidents behind the period's tickets — one failure,
    many clients' tickets (and how many of them the repeat rule counts)."""
    if not can_see_incidents(request.user):
        return ""
    return render_to_string(
        "incidents/_repeats_block.html",
        {"rows": list(queries.child_counts_by_incident(period)[:20])},
        request=request,
    )
