"""The home page's block for the success manager (and the head): the at-risk list, their
working list (issue 11: «The at-risk list is the success manager's home page»)."""

from __future__ import annotations

from soprovod.accounts.permissions import works_client_health
from soprovod.health import queries
from soprovod.health.views import decorate


def at_risk_block(user) -> list | None:
    """The rows of the block, or None for a user who does not work client health."""
    if not works_client_health(user):
        return None
    rows = queries.at_risk_for(user)
    decorate(rows)
    return rows
