"""Which claims, churn cases and notes a user may read and change (the role capabilities
are in `soprovod.accounts.permissions`). An object the user may not read answers 404; a
change the user may not make, 403."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from soprovod.accounts.permissions import (
    can_see_claims,
    can_work_claims,
    can_work_every_claim,
    require,
)
from soprovod.success.models import Claim


def claims_visible_to(user) -> QuerySet[Claim]:
    """The head, the success managers and the CEO read the whole register; nobody else
    (client contacts, sales, development, support engineers) reads any claim."""
    claims = Claim.objects.all()
    return claims if can_see_claims(user) else claims.none()


def can_edit_claim(user, claim: Claim) -> bool:
    """The head edits every claim; a success manager the claims they own or that concern
    their clients."""
    if can_work_every_claim(user):
        return True
    if not can_work_claims(user):
        return False
    return claim.owner_id == user.pk or claim.client.success_manager_id == user.pk


def claims_editable_by(user) -> Q:
    if can_work_every_claim(user):
        return Q()
    return Q(owner=user) | Q(client__success_manager=user)


def get_claim_or_404(user, pk: int, *, for_update: bool = False) -> Claim:
    claim = (
        claims_visible_to(user)
        .select_related("client", "owner", "client__success_manager")
        .filter(pk=pk)
        .first()
    )
    require(claim is not None, hidden=True)
    require(not for_update or can_edit_claim(user, claim))
    return claim
