"""Who uses and edits macros. The support department uses them (they answer tickets); a
personal macro is its owner's alone — another colleague never learns it exists (404); a
shared macro is read and used by the whole department and edited by the head and the
support managers (the people who write the department's answers). Everyone else, a client
contact included, gets 403 on the section."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from soprovod.accounts.permissions import can_work_tickets, require
from soprovod.accounts.roles import Role
from soprovod.macros.models import Macro


def can_use_macros(user) -> bool:
    return bool(user.is_authenticated and can_work_tickets(user))


def can_edit_shared_macros(user) -> bool:
    return can_use_macros(user) and (
        user.is_superuser or user.has_role(Role.HEAD, Role.SUPPORT_MANAGER)
    )


def macros_visible_to(user) -> QuerySet[Macro]:
    """The user's own macros and the shared ones."""
    if not can_use_macros(user):
        return Macro.objects.none()
    return Macro.objects.filter(Q(owner=user) | Q(shared=True))


def can_edit_macro(user, macro: Macro) -> bool:
    if not can_use_macros(user):
        return False
    if macro.shared:
        return can_edit_shared_macros(user)
    return macro.owner_id == user.pk


def get_macro_or_404(user, pk: int, *, for_edit: bool = False) -> Macro:
    """404 for a macro the user may not see (another's personal one); 403 for a shared one
    they may use but not edit."""
    require(can_use_macros(user))
    macro = macros_visible_to(user).filter(pk=pk).select_related("owner").first()
    require(macro is not None, hidden=True)
    require(not for_edit or can_edit_macro(user, macro))
    return macro
