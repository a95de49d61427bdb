"""Signals of the SLA layer for the apps above it.

``clocks_written`` is sent, inside the writer's transaction, by every write of clocks (and of
the tickets they belong to) that bypasses ``Model.save()`` — bulk inserts of an import, bulk
updates of a recalculation, a verify repair — so a higher app that keeps figures derived from
them (the KPI month facts) learns which tickets changed. Arguments: ``ticket_ids`` (ids of
tickets whose clocks were written) and/or ``instants`` (their creation and resolution times,
when the sender has them at hand and a lookup would be wasted).
"""

from django.dispatch import Signal

clocks_written = Signal()


def clocks_were_written(sender, *, ticket_ids=(), instants=()) -> None:
    """Send `clocks_written` (a no-op without receivers)."""
    ticket_ids, instants = list(ticket_ids), list(instants)
    if ticket_ids or instants:
        clocks_written.send(sender=sender, ticket_ids=ticket_ids, instants=instants)
