"""The escalations section of a report (issue 12): how many were raised, acknowledged and
resolved in the period, the median time to acknowledge, and each escalation with its
decision. Counted in the database; the rows are the period's escalations, newest first."""

from __future__ import annotations

from django.db.models import Case, Count, F, FloatField, Func, Q, When
from django.utils import timezone

from soprovod.kpi.aggregates import PercentileCont
from soprovod.lib.periods import Period
from soprovod.tickets.escalations import describe, subject_label
from soprovod.tickets.models import Escalation


class SecondsBetween(Func):
    """``later - earlier`` in seconds, on PostgreSQL and SQLite alike (NULL if either is)."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60.0


def escalation_summary(period: Period) -> dict[str, dict[str, float | int | None]]:
    """Per level and in total: raised in the period; of those, acknowledged and resolved
    (by now); resolved in the period whenever raised; the median time to acknowledge of
    those raised in the period (minutes). One query."""
    start, end = period.start_at, period.end_at
    raised = Q(created_at__gte=start, created_at__lt=end)
    wait = SecondsBetween(F("acknowledged_at"), F("created_at"))
    aggregates = {}
    for level in [*Escalation.Level.values, None]:
        prefix = level or "total"
        scope = raised & Q(level=level) if level else raised
        aggregates[f"{prefix}__raised"] = Count("pk", filter=scope)
        aggregates[f"{prefix}__acknowledged"] = Count(
            "pk", filter=scope & Q(acknowledged_at__isnull=False)
        )
        aggregates[f"{prefix}__resolved"] = Count(
            "pk", filter=scope & Q(status=Escalation.Status.RESOLVED)
        )
        closed = Q(resolved_at__gte=start, resolved_at__lt=end)
        aggregates[f"{prefix}__resolved_in_period"] = Count(
            "pk", filter=closed & Q(level=level) if level else closed
        )
        # No FILTER on the percentile (its SQLite twin takes none): NULLs outside the scope.
        aggregates[f"{prefix}__ack_median"] = PercentileCont(Case(When(scope, then=wait)), 0.5)
    values = Escalation.objects.aggregate(**aggregates)
    result: dict[str, dict[str, float | int | None]] = {}
    for key, value in values.items():
        prefix, name = key.split("__")
        result.setdefault(prefix, {})[name] = _minutes(value) if name == "ack_median" else value
    return result


def escalation_rows(period: Period) -> list[dict]:
    """The escalations raised or resolved in the period, newest first, each with what it
    was about and its outcome (one query, plus one per registered subject kind)."""
    start, end = period.start_at, period.end_at
    escalations = list(
        Escalation.objects.filter(
            Q(created_at__gte=start, created_at__lt=end)
            | Q(resolved_at__gte=start, resolved_at__lt=end)
        )
        .select_related("ticket", "client")
        .order_by("-created_at", "-pk")
    )
    subjects = describe(escalations)
    rows = []
    for e in escalations:
        link = subjects.get(e.pk)
        kind = subject_label(e.subject)
        rows.append(
            {
                "raised_at": timezone.localtime(e.created_at).strftime("%d.%m.%Y %H:%M"),
                "level": e.get_level_display(),
                "about": f"{kind}: {link.text}" if link else kind,
                "reason": e.reason,
                "status": e.get_status_display(),
                "ack": (
                    (e.acknowledged_at - e.created_at).total_seconds() / 60.0
                    if e.acknowledged_at
                    else None
                ),
                "decision": e.outcome or "—",
            }
        )
    return rows
