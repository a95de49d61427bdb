"""The health panel on the client page (`soprovod.core.panels`): the latest score with what
cost it points, the risk flags and the success manager's sentiment beside it. Two queries."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from soprovod.accounts.permissions import can_see_health
from soprovod.health import explain, queries
from soprovod.health.models import ClientSentiment


def client_panel(request: HttpRequest, client) -> str:
    if not can_see_health(request.user):
        return ""
    latest = queries.latest_for(client)
    return render_to_string(
        "health/_panel.html",
        {
            "client": client,
            "latest": latest,
            "summary": explain.summary(latest.score, latest.measures) if latest else "",
            "flags": explain.flag_labels(latest.flags) if latest else [],
            "band_label": explain.BAND_LABELS.get(latest.band, "") if latest else "",
            "sentiment": ClientSentiment.objects.filter(client=client).first(),
        },
        request=request,
    )
