"""The client page's SLA panel (core.panels slot ``"client"``): the client's own SLA terms in
plain words, which rule gives them, and, for the head, the choice of the client's policy."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from soprovod.accounts.permissions import can_edit_sla
from soprovod.sla.forms import ClientPolicyForm
from soprovod.sla.terms import client_terms


def client_panel(request: HttpRequest, client) -> str:
    """Whoever may open the client page reads its terms; only the head changes them."""
    terms = client_terms(client)
    can_edit = can_edit_sla(request.user)
    return render_to_string(
        "sla/_client_panel.html",
        {
            "client": client,
            "terms": terms,
            "can_edit": can_edit,
            "form": ClientPolicyForm(client=client) if can_edit else None,
        },
        request=request,
    )
