"""Who reads the budget and which version they may open (the role capabilities are in
`soprovod.accounts.permissions`). The budget is a section: 403 for those outside it; a
version that does not exist answers 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from soprovod.accounts.permissions import can_see_budget, require
from soprovod.budget.models import BudgetVersion


def require_budget(user) -> None:
    require(can_see_budget(user))


def get_version_or_404(user, pk: int, *, allowed: bool = True) -> BudgetVersion:
    """The version ``pk`` for a reader of the budget (403 otherwise), and 403 unless
    ``allowed`` (the capability of the action asked for)."""
    require_budget(user)
    version = get_object_or_404(
        BudgetVersion.objects.select_related("created_by", "decided_by", "based_on"), pk=pk
    )
    require(allowed)
    return version
