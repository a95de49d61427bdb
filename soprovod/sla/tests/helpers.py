"""Policies the tests of several apps need (SLA по договору)."""

from __future__ import annotations

from soprovod.sla import actions
from soprovod.sla.models import Metric, PolicyRule, SlaPolicy, WorkCalendar
from soprovod.tickets.models import TicketType


def premium_policy(head, *, warning_ratio: str = "0.8", client=None) -> SlaPolicy:
    """«Премиум 24/7»: every target round the clock, an emergency answered in 10 minutes,
    any other ticket in an hour, everything resolved in 8 hours; with ``client``, that
    client's own policy (a client rule)."""
    round_the_clock = WorkCalendar.objects.get(is_24x7=True)
    targets = {}
    for ticket_type in TicketType.values:
        targets[(ticket_type, Metric.FIRST_RESPONSE)] = actions.TargetValues(
            calendar=round_the_clock, target_minutes=10 if ticket_type == "emergency" else 60
        )
        targets[(ticket_type, Metric.RESOLUTION)] = actions.TargetValues(
            calendar=round_the_clock, target_minutes=8 * 60
        )
    policy = actions.do_create_policy(
        head, name="Премиум 24/7", warning_ratio=warning_ratio, targets=targets
    ).policy
    if client is not None:
        PolicyRule.objects.create(kind="client", client=client, policy=policy)
    return policy
