"""The client 360 (карточка клиента): the one place that assembles the client page.

Header: status, tariff, MRR, contract dates, success manager (the portfolio record), the key
account flag, and the panels apps above add to the header (slot ``"client_header"`` of
`soprovod.core.panels`: the health app shows the score there). Then open items, the
timeline (`timeline`, in pages) and what the plain client page showed: sites, contacts,
status history, the panels of the ``"client"`` slot and the change history.

A fixed number of queries whatever the client's history (tests count them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from soprovod.accounts.permissions import (
    can_log_client_notes,
    can_mark_key_accounts,
    can_read_queue,
    can_see_churn_cases,
    can_see_claims,
    can_work_churn_cases,
    can_work_claims,
    reads_all_clients,
)
from soprovod.core.panels import render_panels
from soprovod.success import queries, timeline
from soprovod.success.models import ClientProfile, NextStep
from soprovod.surveys.models import DetractorTask
from soprovod.tickets.models import TicketStatus
from soprovod.tickets.permissions import tickets_visible_to

OPEN_TICKETS_SHOWN = 10


@dataclass
class OpenItems:
    tickets: list = field(default_factory=list)
    ticket_count: int = 0
    claims: list = field(default_factory=list)
    churn_case: object = None
    next_steps: list = field(default_factory=list)
    detractor_tasks: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.ticket_count
            or self.claims
            or self.churn_case
            or self.next_steps
            or self.detractor_tasks
        )


def open_items(user, client) -> OpenItems:
    items = OpenItems()
    if can_read_queue(user):
        open_tickets = (
            tickets_visible_to(user)
            .filter(client=client)
            .exclude(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED])
            .order_by("-created_at", "-pk")
        )
        items.tickets = list(open_tickets[:OPEN_TICKETS_SHOWN])
        items.ticket_count = open_tickets.count()
    if can_see_claims(user):
        items.claims = list(queries.open_claims([client]).order_by("response_due_on", "pk"))
    if can_see_churn_cases(user):
        items.churn_case = queries.open_case_of(client)
    if reads_all_clients(user):
        items.next_steps = list(
            NextStep.objects.filter(note__client=client, done_at__isnull=True)
            .select_related("owner", "note")
            .order_by("due_on", "pk")
        )
        items.detractor_tasks = list(
            DetractorTask.objects.filter(client=client, status=DetractorTask.Status.OPEN)
            .select_related("response")
            .order_by("due_at")
        )
    return items


def timeline_context(user, client, *, cursor=None, kinds=None) -> dict:
    events, next_cursor = timeline.page(user, client, cursor=cursor, kinds=kinds)
    return {
        "events": events,
        "next_cursor": next_cursor.encode() if next_cursor else "",
        "kinds_query": "".join(f"&kind={kind}" for kind in sorted(kinds or ())),
    }


def selected_kinds(user, request: HttpRequest) -> set[str]:
    allowed = {source.kind for source in timeline.sources_for(user)}
    return {kind for kind in request.GET.getlist("kind") if kind in allowed}


def render_card(request: HttpRequest, client, context: dict) -> HttpResponse:
    """The client page (`clients.pages` hook): the plain page's ``context`` plus the 360."""
    user = request.user
    profile = ClientProfile.objects.filter(client=client).first()
    kinds = selected_kinds(user, request)
    context.update(
        {
            "profile": profile,
            "is_key_account": bool(profile and profile.key_account),
            "can_mark_key": can_mark_key_accounts(user),
            "can_log_note": can_log_client_notes(user),
            "can_open_claim": can_work_claims(user),
            "can_open_churn": can_work_churn_cases(user),
            "header_panels": render_panels("client_header", request, client),
            "open": open_items(user, client),
            "today": timezone.localdate(),
            "sources": timeline.sources_for(user),
            "kinds": kinds,
            **timeline_context(user, client, kinds=kinds),
        }
    )
    return render(request, "success/card.html", context)
