"""Every write to the KPI app: targets (kpi.md «Targets»), each audited; the stored month
facts (`soprovod.kpi.months`), a cache of the tickets that verify --fix rebuilds audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.kpi import months
from soprovod.kpi.models import KpiTarget, MonthBuild

TARGET_FIELDS = ("key", "valid_from", "target", "comparison")


@transaction.atomic
def do_set_kpi_target(
    actor, key: str, *, target: float, comparison: str, valid_from: dt.date
) -> KpiTarget:
    """The target of KPI ``key`` from ``valid_from`` on (a second target from the same date
    replaces the first), with its audit event."""
    existing = KpiTarget.objects.select_for_update().filter(key=key, valid_from=valid_from).first()
    before = snapshot(existing, TARGET_FIELDS) if existing else {}
    row = existing or KpiTarget(key=key, valid_from=valid_from)
    row.target = target
    row.comparison = comparison
    row.set_by = actor
    row.set_at = timezone.now()
    row.save()
    action = AuditEvent.Action.UPDATED if existing else AuditEvent.Action.CREATED
    record(actor, row, action, diff(before, snapshot(row, TARGET_FIELDS)))
    return row


def do_store_month(month: dt.date, *, only_if_stale: bool = False, actor=None) -> int:
    """Store the ticket facts of the closed ``month`` (`months.store_months`), in one
    transaction; with ``only_if_stale`` a month already current is left as it is. An
    ``actor`` (``soprovod verify --fix``) leaves an audit event on the month's build.
    Returns how many groups were stored."""
    with transaction.atomic():
        if only_if_stale and month in months.stored_months([month]):
            return 0
        stored = months.store_months([month])
        if actor is not None:
            build = MonthBuild.objects.get(month=month)
            record(actor, build, AuditEvent.Action.UPDATED, {"facts": ["stale", stored]})
        return stored


# Months recomputed per transaction by `do_store_months` (one grouped query per dimension
# covers them all).
STORE_BATCH = 12


def do_store_months(*, actor=None) -> int:
    """Store every closed month whose facts are missing or stale, a year per transaction."""
    pending = months.months_to_store()
    stored = 0
    for start in range(0, len(pending), STORE_BATCH):
        batch = pending[start : start + STORE_BATCH]
        with transaction.atomic():
            stored += months.store_months(batch)
            if actor is not None:
                for build in MonthBuild.objects.filter(month__in=batch):
                    record(actor, build, AuditEvent.Action.UPDATED, {"facts": ["stale", "stored"]})
    return stored
