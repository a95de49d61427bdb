"""Recompute a client's score when one of its inputs changes, on commit (issue 11: «when an
input changes»). The lower apps' rows are watched with Django's model signals, connected in
`HealthConfig.ready`, so tickets, surveys, clients and projects need not know health exists.

The clients touched in one transaction are collected and recomputed together on commit, in
the fixed number of queries of `actions.do_recompute` (an import that saves a thousand tickets
runs one recomputation, not a thousand); nothing runs for a transaction that rolls back, and
a failing recomputation is logged without undoing or failing the write that caused it (the
nightly run catches up).
"""

from __future__ import annotations

import datetime as dt

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from soprovod.health import actions, inputs
from soprovod.tickets.models import Ticket

EVERY_CLIENT = -1  # in the pending set: recompute every scored client
# How far back a ticket still moves a score: the 90-day window and the 30 days before it.
HORIZON = dt.timedelta(days=inputs.RECENT_DAYS + inputs.BEFORE_DAYS)
LOOKUP_CHUNK = 900  # ids per lookup (SQLite's limit on query parameters)

# Ticket fields whose change moves a measure (SLA, CSAT, repeats, volume): a save that
# touches only others (assignee, subject, version) is not an input change.
TICKET_FIELDS = frozenset(
    {"status", "resolved_at", "csat_score", "is_repeat", "reopened_count", "type", "client"}
)


def mark(client_id: int | None) -> None:
    """Recompute ``client_id``'s score once the current transaction commits."""
    if client_id is None:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        _recompute({client_id})
        return
    pending = getattr(connection, "_health_pending", None)
    # Django replaces the list of a transaction's on-commit callbacks after each commit or
    # rollback: a set tied to another list belongs to a finished transaction.
    if pending is None or pending[0] is not connection.run_on_commit:
        ids = {client_id}
        pending = connection._health_pending = (connection.run_on_commit, ids)

        def flush() -> None:
            if getattr(connection, "_health_pending", None) is pending:
                connection._health_pending = None  # later changes queue their own run
            _recompute(ids)

        flush.health_recompute = True  # what it is, for tests that list the callbacks
        transaction.on_commit(flush, robust=True)
        return
    pending[1].add(client_id)


def _recompute(ids: set[int]) -> None:
    actions.do_recompute(client_ids=None if EVERY_CLIENT in ids else sorted(ids))


def clocks_written(sender, ticket_ids=(), instants=(), **kwargs) -> None:
    """Tickets and clocks written in bulk, without ``post_save`` (`sla.signals`): the clients
    of ``ticket_ids``; an import that names only instants recomputes every client when one
    of them is recent enough to move a score."""
    ids = list(ticket_ids)
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        for client_id in (
            Ticket.objects.filter(pk__in=chunk).values_list("client_id", flat=True).distinct()
        ):
            mark(client_id)
    if not ids and instants:
        horizon = timezone.now() - HORIZON
        if any(at >= horizon for at in instants):
            mark(EVERY_CLIENT)


def ticket_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or update_fields is None or TICKET_FIELDS & set(update_fields):
        mark(instance.client_id)


def escalation_saved(sender, instance, created, **kwargs) -> None:
    """An SLA breach raises an escalation (the checker marks the clocks in bulk, unseen)."""
    if created:
        mark(instance.client_id or (instance.ticket.client_id if instance.ticket_id else None))


def client_row_saved(sender, instance, **kwargs) -> None:
    """A survey answer, an MRR change, a project: rows that name their client."""
    mark(getattr(instance, "client_id", None))


def project_part_saved(sender, instance, **kwargs) -> None:
    """A project's task, stage or blocker changed: its client's implementation status."""
    mark(instance.project.client_id)


def client_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """The contract end or the status (a churned client leaves the scores)."""
    if not created:
        mark(instance.pk)
