"""Who opens the Bitrix24 pages: a section of the head and the administrator (403 for the
rest); a conflict that does not exist answers 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from soprovod.accounts.permissions import can_manage_bitrix, require
from soprovod.bitrix.models import Conflict


def require_bitrix(user) -> None:
    require(can_manage_bitrix(user))


def get_conflict_or_404(user, pk: int) -> Conflict:
    require_bitrix(user)
    return get_object_or_404(Conflict, pk=pk)
