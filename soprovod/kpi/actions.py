"""Every write to the KPI app: targets (kpi.md «Targets»), each audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.kpi.models import KpiTarget

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
