"""Who sees and edits the routing rules: the support department reads them (to know why a
ticket came to them); only the head edits them, reorders them and runs the dry run.
Everyone else, a client contact included, gets 403."""

from __future__ import annotations

from soprovod.accounts.permissions import can_work_tickets, require
from soprovod.accounts.roles import Role
from soprovod.routing.models import Rule


def can_see_rules(user) -> bool:
    return bool(user.is_authenticated and can_work_tickets(user))


def can_edit_rules(user) -> bool:
    return can_see_rules(user) and (user.is_superuser or user.has_role(Role.HEAD))


def get_rule_or_404(user, pk: int) -> Rule:
    """A rule for the head to edit: 403 for anyone else, 404 for no such rule."""
    require(can_edit_rules(user))
    rule = Rule.objects.filter(pk=pk).first()
    require(rule is not None, hidden=True)
    return rule
