"""Requests to development as a subject of escalations: the kind registered with
`tickets.escalations`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.devrequests.models import DevRequestEscalation
from soprovod.tickets.escalations import SubjectLink, register_subject

SUBJECT = "devrequest"


def describe(escalation_ids: list[int]) -> dict[int, SubjectLink]:
    links = DevRequestEscalation.objects.filter(escalation_id__in=escalation_ids).select_related(
        "request"
    )
    return {
        link.escalation_id: SubjectLink(
            str(link.request), reverse("devrequests:detail", args=[link.request_id])
        )
        for link in links
    }


def register() -> None:
    register_subject(SUBJECT, _("Request to development"), describe)
