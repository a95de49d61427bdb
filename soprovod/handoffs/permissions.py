"""Which hand-offs a user may read and work (the role capabilities are in
`soprovod.accounts.permissions`). A hand-off the user may not read answers 404."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import (
    can_agree_handoffs,
    can_start_handoffs,
    reads_all_handoffs,
    require,
)
from soprovod.handoffs.models import Handoff, HandoffStatus


def handoffs_visible_to(user) -> QuerySet[Handoff]:
    """The department and the CEO read every hand-off; sales read the ones they made;
    nobody else reads any."""
    handoffs = Handoff.objects.all()
    if reads_all_handoffs(user):
        return handoffs
    if can_start_handoffs(user):
        return handoffs.filter(sales=user)
    return handoffs.none()


def owns_handoff(user, handoff: Handoff) -> bool:
    """Sales work their own hand-offs (whether its status allows a change now is the
    action's to say: ``actions.HandoffStateError``)."""
    return can_start_handoffs(user) and handoff.sales_id == user.pk


def can_edit_handoff(user, handoff: Handoff) -> bool:
    """Sales change, document and submit their own draft or returned hand-off."""
    return owns_handoff(user, handoff) and handoff.status in (
        HandoffStatus.DRAFT,
        HandoffStatus.RETURNED,
    )


def can_answer_handoff(user, handoff: Handoff) -> bool:
    """Support accepts or returns a submitted hand-off."""
    return can_agree_handoffs(user) and handoff.status == HandoffStatus.SUBMITTED


def may_answer_handoffs(user) -> bool:
    """Support's role accepts and returns hand-offs (whether this one's status allows it now
    is the action's to say: ``actions.HandoffStateError``)."""
    return can_agree_handoffs(user)


def get_handoff_or_404(user, pk: int, *, for_answer: bool = False):
    handoff = (
        handoffs_visible_to(user)
        .select_related("client", "sales", "success_manager", "project")
        .filter(pk=pk)
        .first()
    )
    require(handoff is not None, hidden=True)
    require(not for_answer or may_answer_handoffs(user))
    return handoff
