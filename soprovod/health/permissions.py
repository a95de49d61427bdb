"""Whose health a user may read and whose sentiment they may set (the role capabilities are
in `soprovod.accounts.permissions`). A client the user may not read answers 404."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import (
    can_edit_every_client,
    can_see_health,
    require,
    works_client_health,
)
from soprovod.clients.models import Client


def clients_with_health_visible_to(user) -> QuerySet[Client]:
    """Every client for those who see health (the whole department and the CEO), none else."""
    clients = Client.objects.all()
    return clients if can_see_health(user) else clients.none()


def get_client_or_404(user, pk: int) -> Client:
    """The client ``pk`` for a health page: 403 for a role without health pages (a section),
    404 for a client that does not exist."""
    require(can_see_health(user))
    client = clients_with_health_visible_to(user).select_related("success_manager").filter(pk=pk)
    client = client.first()
    require(client is not None, hidden=True)
    return client


def can_set_sentiment(user, client: Client) -> bool:
    """The client's own success manager, and the head."""
    if can_edit_every_client(user):
        return True
    return works_client_health(user) and client.success_manager_id == user.pk
