"""Which requests to development a user may read and act on (the role capabilities are in
`soprovod.accounts.permissions`). A request the user may not read answers 404."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import can_see_dev_requests, require
from soprovod.devrequests.models import DevRequest


def requests_visible_to(user) -> QuerySet[DevRequest]:
    """Development, the support department and the CEO read every request; nobody else
    (sales, client contacts) reads any."""
    requests = DevRequest.objects.all()
    return requests if can_see_dev_requests(user) else requests.none()


def get_request_or_404(user, pk: int, *, allowed: bool = True) -> DevRequest:
    """The request ``pk`` if the user may read it (404 otherwise), and 403 unless ``allowed``
    (the capability of the action asked for)."""
    request = (
        requests_visible_to(user)
        .select_related("category", "created_by", "merged_into")
        .filter(pk=pk)
        .first()
    )
    require(request is not None, hidden=True)
    require(allowed)
    return request
