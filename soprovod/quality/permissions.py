"""Who reviews and who reads reviews: the head, or the reviewer the head names, reviews and
reads every review; an agent reads only the reviews of their own tickets (another agent's
answers 404); nobody outside the support department sees the section."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import can_manage_team, is_signed_in, require
from soprovod.quality.models import ReviewItem, ReviewSettings


def can_edit_rubric(user) -> bool:
    """The rubric and the reviewer are the head's to set."""
    return can_manage_team(user)


def can_review(user) -> bool:
    if not is_signed_in(user) or not user.is_support_staff:
        return False
    if can_edit_rubric(user):
        return True
    reviewer_id = ReviewSettings.objects.filter(pk=1).values_list("reviewer_id", flat=True).first()
    return reviewer_id is not None and reviewer_id == user.pk


def can_see_quality(user) -> bool:
    return is_signed_in(user) and user.is_support_staff


def items_visible_to(user) -> QuerySet[ReviewItem]:
    qs = ReviewItem.objects.all()
    if not can_see_quality(user):
        return qs.none()
    if can_review(user):
        return qs
    return qs.filter(agent=user, reviewed_at__isnull=False)


def get_item_or_404(user, pk: int) -> ReviewItem:
    item = (
        items_visible_to(user)
        .select_related("ticket", "week", "rubric", "agent")
        .filter(pk=pk)
        .first()
    )
    require(item is not None, hidden=True)
    return item
