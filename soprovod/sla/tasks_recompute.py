"""Background recalculation of open SLA clocks after a calendar or policy edit.

Thin wrappers around `soprovod.sla.actions`: the action schedules one of these after its
commit when the affected set is too large to recompute in the request (see the module
docstring of ``actions``). Both are idempotent: they recompute from the calendar or policy
as it is when they run, so a retry or a late run after a newer edit is harmless.
"""

from __future__ import annotations

from celery import shared_task

from soprovod.sla import actions


@shared_task(acks_late=True)
def recompute_calendar_clocks(calendar_id: int) -> int:
    return actions.recompute_calendar(calendar_id)


@shared_task(acks_late=True)
def recompute_policy_clocks(policy_id: int) -> int:
    return actions.recompute_policy(policy_id)


@shared_task(acks_late=True)
def reassign_policies(client_ids: list[int] | None) -> int:
    """After an assignment rule changed: move these clients' open tickets (None: every
    client's) to the policy each client gets now."""
    return actions.reassign_clients(client_ids)
