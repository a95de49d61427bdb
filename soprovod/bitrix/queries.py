"""Reads of the Bitrix24 pages: the run log, the review list and its counts."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from soprovod.audit.models import AuditEvent
from soprovod.bitrix.actions import REASON
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


def recent_audit(limit: int = 15) -> QuerySet[AuditEvent]:
    """The audit trail of the sync: its runs, the review list's decisions and the clients
    it wrote (their events carry the reason «Bitrix24»), newest first."""
    types = ContentType.objects.get_for_models(SyncRun, Conflict).values()
    return (
        AuditEvent.objects.filter(Q(content_type__in=types) | Q(reason=REASON))
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
