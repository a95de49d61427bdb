"""Reads of the Bitrix24 pages: the run log, the review list and its counts."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from soprovod.bitrix.models import Conflict, ConflictStatus, SyncRun

PAGE_SIZE = 20


def runs() -> QuerySet[SyncRun]:
    return SyncRun.objects.select_related("started_by").order_by("-started_at", "-pk")


def conflicts(status: str) -> QuerySet[Conflict]:
    rows = Conflict.objects.select_related("decided_by").prefetch_related("clients")
    if status in ConflictStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-last_seen_at", "-pk")


def conflict_counts() -> dict[str, int]:
    """How many conflicts are open, resolved and ignored (one query)."""
    return Conflict.objects.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in ConflictStatus.values}
    )
