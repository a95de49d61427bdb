"""Requests to development in the search (``soprovod.search``): title and description, for
whoever reads the requests."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import can_see_dev_requests
from soprovod.devrequests.models import DevRequest
from soprovod.search.models import Audience
from soprovod.search.registry import Document, Provider

KIND = "devrequest"


def documents(ids: list[int]) -> list[Document]:
    rows = DevRequest.objects.filter(pk__in=ids).values_list(
        "pk", "title", "description", "decision"
    )
    return [
        Document(pk, title, "\n".join(t for t in (description, decision) if t), Audience.STAFF)
        for pk, title, description, decision in rows
    ]


def scope(user) -> Q | None:
    return Q() if can_see_dev_requests(user) else None


PROVIDER = Provider(
    kind=KIND,
    label=_("Requests to development"),
    documents=documents,
    all_ids=lambda: DevRequest.objects.values_list("pk", flat=True),
    scope=scope,
    url=lambda user, pk: reverse("devrequests:detail", args=[pk]),
    watch={DevRequest: "pk"},
    order=40,
)
