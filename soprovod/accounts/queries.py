"""Reads of people that every app shares."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from soprovod.accounts.models import User


def users_with_role(*roles: str | Iterable[str], include: int | None = None) -> QuerySet[User]:
    """Active users holding any of ``roles``, by name (each once). ``include`` adds one user
    whatever their roles, e.g. a client's current manager who has since lost the role, so an
    unchanged form still validates."""
    codes = {str(code) for role in roles for code in ([role] if isinstance(role, str) else role)}
    condition = Q(is_active=True, role_rows__role__in=codes)
    if include:
        condition |= Q(pk=include)
    return User.objects.filter(condition).distinct().order_by("last_name", "first_name", "pk")
