"""Every write to the strategic KPIs: atomic, audited."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.kpi.engine import kpi_definitions
from soprovod.strategic.models import FactSource, ManualFact, QuarterPlan, StrategicKpi


class StrategicError(ValidationError):
    """A change the rules refuse; the message says why."""


def product_kpi_keys() -> list[tuple[str, str]]:
    """The engine's keys a strategic KPI may be fed from (not the strategic ones)."""
    return [(d.key, str(d.title)) for d in kpi_definitions() if not d.key.startswith("strategic.")]


def _set_plans(kpi: StrategicKpi, plans: Mapping[int, float | None]) -> dict:
    stored = {p.quarter: p for p in kpi.plans.all()}
    changes = {}
    for quarter, plan in plans.items():
        if quarter not in (1, 2, 3, 4):
            raise StrategicError(_("A quarter is 1 to 4."))
        if plan == 0:
            raise StrategicError(_("A plan of zero cannot be divided by: leave it empty."))
        old = stored.get(quarter)
        if (old.plan if old else None) == plan:
            continue
        changes[f"Q{quarter}"] = [old.plan if old else None, plan]
        if plan is None:
            old.delete()
        elif old is None:
            QuarterPlan.objects.create(kpi=kpi, quarter=quarter, plan=plan)
        else:
            old.plan = plan
            old.save(update_fields=["plan"])
    return changes


@transaction.atomic
def do_define_kpi(
    actor,
    *,
    year: int,
    key: str,
    title: str,
    source: str,
    kpi_key: str = "",
    description: str = "",
    plans: Mapping[int, float | None],
) -> StrategicKpi:
    """The head defines a strategic KPI of ``year`` with its quarterly plans."""
    if source == FactSource.KPI:
        if kpi_key not in dict(product_kpi_keys()):
            raise StrategicError(_("Choose the product KPI that feeds the fact."))
    else:
        kpi_key = ""
    kpi = StrategicKpi(
        year=year,
        key=key,
        title=title,
        source=source,
        kpi_key=kpi_key,
        description=description,
        created_by=actor,
    )
    kpi.full_clean(exclude=["created_by"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            kpi.save()
    except IntegrityError:
        raise StrategicError(
            _("strategic.%(key)s is already defined for %(year)s.") % {"key": key, "year": year}
        ) from None
    changes = {"title": [None, title], "source": [None, source], "kpi_key": [None, kpi_key]}
    changes.update(_set_plans(kpi, plans))
    record(actor, kpi, AuditEvent.Action.CREATED, changes)
    return kpi


@transaction.atomic
def do_set_plans(actor, kpi: StrategicKpi, plans: Mapping[int, float | None]) -> int:
    changes = _set_plans(kpi, plans)
    if changes:
        record(actor, kpi, AuditEvent.Action.UPDATED, changes)
    return len(changes)


@transaction.atomic
def do_enter_fact(actor, kpi: StrategicKpi, *, quarter: int, value: float, comment: str) -> str:
    """The head's fact of a hand-entered strategic KPI for a quarter, with a comment saying
    where it comes from."""
    if kpi.source != FactSource.MANUAL:
        raise StrategicError(_("This KPI's fact comes from the product KPI; it is not entered."))
    if quarter not in (1, 2, 3, 4):
        raise StrategicError(_("A quarter is 1 to 4."))
    if not comment.strip():
        raise StrategicError(_("Say where the figure comes from: a fact needs a comment."))
    fact = ManualFact.objects.filter(kpi=kpi, quarter=quarter).first()
    before = [fact.value, fact.comment] if fact else [None, None]
    if fact is None:
        fact = ManualFact.objects.create(
            kpi=kpi, quarter=quarter, value=value, comment=comment.strip(), entered_by=actor
        )
        outcome = "created"
    else:
        fact.value, fact.comment, fact.entered_by = value, comment.strip(), actor
        fact.save()
        outcome = "updated"
    record(
        actor,
        kpi,
        AuditEvent.Action.UPDATED,
        {f"Q{quarter} fact": [before[0], value], f"Q{quarter} comment": [before[1], comment]},
    )
    return outcome
