"""Which clients, sites and contacts a user may see and edit: the role capabilities of
``soprovod.accounts.permissions`` narrowed to objects. Reads return querysets already scoped
to what the user may see; an object outside that scope answers 404, as if it did not exist,
so a client contact never learns another company exists.
"""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import (
    acts_for_a_client,
    can_edit_every_client,
    can_edit_own_clients,
    is_signed_in,
    reads_all_clients,
    reads_own_sales,
    require,
)
from soprovod.clients.models import Client, Contact, Site


def client_id_of_contact(user) -> int | None:
    """The company a client-contact user belongs to (cached on the user object)."""
    if not hasattr(user, "_contact_client_id"):
        user._contact_client_id = (
            Contact.objects.filter(user=user).values_list("client_id", flat=True).first()
        )
    return user._contact_client_id


def clients_visible_to(user) -> QuerySet[Client]:
    """Clients the user may read.

    Department staff and the CEO read the whole portfolio; sales read the clients they sold;
    a client contact reads only their own company; development reads no portfolio.
    """
    qs = Client.objects.all()
    if not is_signed_in(user):
        return qs.none()
    if reads_all_clients(user):
        return qs
    if reads_own_sales(user):
        return qs.filter(sold_by=user)
    if acts_for_a_client(user):
        client_id = client_id_of_contact(user)
        return qs.filter(pk=client_id) if client_id else qs.none()
    return qs.none()


def can_edit_client(user, client: Client) -> bool:
    """The head edits every client; a success manager edits their own clients."""
    if can_edit_every_client(user):
        return True
    return can_edit_own_clients(user) and client.success_manager_id == user.pk


def get_client_or_404(user, pk: int, *, for_update: bool = False) -> Client:
    """The client ``pk`` if the user may read it (and edit it, with ``for_update``), else 404.

    Editing without the right answers 404 too when the user cannot even read the client, and
    PermissionDenied (403) when they can read it but not edit it.
    """
    client = clients_visible_to(user).filter(pk=pk).select_related("success_manager").first()
    require(client is not None, hidden=True)
    require(not for_update or can_edit_client(user, client))
    return client


def sites_visible_to(user) -> QuerySet[Site]:
    return Site.objects.filter(client__in=clients_visible_to(user))


def contacts_visible_to(user) -> QuerySet[Contact]:
    return Contact.objects.filter(client__in=clients_visible_to(user))


def get_site_or_404(user, pk: int, *, for_update: bool = False) -> Site:
    site = sites_visible_to(user).select_related("client").filter(pk=pk).first()
    require(site is not None, hidden=True)
    require(not for_update or can_edit_client(user, site.client))
    return site


def get_contact_or_404(user, pk: int, *, for_update: bool = False) -> Contact:
    contact = contacts_visible_to(user).select_related("client").filter(pk=pk).first()
    require(contact is not None, hidden=True)
    require(not for_update or can_edit_client(user, contact.client))
    return contact
