"""Clients in the search (``soprovod.search``): the name, INN, contacts and sites, for staff
who read the client; the INN and a contact's e-mail address jump straight to the client."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import is_signed_in, reads_all_clients
from soprovod.clients.models import Client, Contact, Site
from soprovod.clients.permissions import clients_visible_to
from soprovod.search.models import Audience
from soprovod.search.registry import Document, Provider

KIND = "client"


def documents(ids: list[int]) -> list[Document]:
    lines: dict[int, list[str]] = defaultdict(list)
    emails: dict[int, list[str]] = defaultdict(list)
    contacts = Contact.objects.filter(client_id__in=ids).order_by("client_id", "pk")
    for client_id, name, email, phone, position in contacts.values_list(
        "client_id", "full_name", "email", "phone", "position"
    ):
        lines[client_id].append(" ".join(v for v in (name, position, email, phone) if v))
        if email:
            emails[client_id].append(email)
    sites = Site.objects.filter(client_id__in=ids).order_by("client_id", "pk")
    for client_id, name, address in sites.values_list("client_id", "name", "address"):
        lines[client_id].append(" ".join(v for v in (name, address) if v))
    return [
        Document(
            pk,
            name,
            "\n".join([f"{inn} {segment} {tariff}".strip(), *lines[pk]]),
            Audience.STAFF,
            pk,
            keys=(inn, *emails[pk]),
        )
        for pk, name, inn, segment, tariff in Client.objects.filter(pk__in=ids).values_list(
            "pk", "name", "inn", "segment", "tariff"
        )
    ]


def scope(user) -> Q | None:
    """Staff who read clients (``clients_visible_to``); a client contact finds none here,
    their portal search covers their tickets and the articles."""
    if not is_signed_in(user) or not user.is_staff_member:
        return None
    if reads_all_clients(user):
        return Q()
    return Q(object_id__in=clients_visible_to(user).values("pk"))


PROVIDER = Provider(
    kind=KIND,
    label=_("Clients"),
    documents=documents,
    all_ids=lambda: Client.objects.values_list("pk", flat=True),
    scope=scope,
    url=lambda user, pk: reverse("clients:detail", args=[pk]),
    watch={Client: "pk", Contact: "client_id", Site: "client_id"},
    order=20,
)
