"""Hand-offs as a subject of escalations: the kind registered with `tickets.escalations`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.handoffs.models import HandoffEscalation
from soprovod.tickets.escalations import SubjectLink, register_subject

SUBJECT = "handoff"


def describe(escalation_ids: list[int]) -> dict[int, SubjectLink]:
    links = HandoffEscalation.objects.filter(escalation_id__in=escalation_ids).select_related(
        "handoff__client"
    )
    return {
        link.escalation_id: SubjectLink(
            str(link.handoff), reverse("handoffs:detail", args=[link.handoff_id])
        )
        for link in links
    }


def register() -> None:
    register_subject(SUBJECT, _("Hand-off"), describe)
