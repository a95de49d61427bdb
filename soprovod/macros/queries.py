"""Reads of macros: the list page (with usage counts) and the ticket page's picker."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.macros.models import Macro
from soprovod.macros.permissions import macros_visible_to


def for_user(user) -> QuerySet[Macro]:
    """The user's macros and the shared ones, most used first (the picker's order)."""
    return (
        macros_visible_to(user)
        .select_related("owner", "set_category", "set_assignee")
        .order_by("-usage_count", "title", "pk")
    )


def listing(user) -> tuple[list[Macro], list[Macro]]:
    """(the user's personal macros, the shared ones), each by title."""
    rows = list(macros_visible_to(user).select_related("owner").order_by("title", "pk"))
    return [m for m in rows if not m.shared], [m for m in rows if m.shared]
