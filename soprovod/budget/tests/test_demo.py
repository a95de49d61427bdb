"""The demo budget: two years with approved plans (one returned first), monthly facts,
next year's plan with the CEO late in the year."""

import datetime as dt
import random

from soprovod.audit.models import AuditEvent
from soprovod.budget import queries
from soprovod.budget.demo import create_budget
from soprovod.budget.models import BudgetFact, BudgetVersion, VersionStatus
from soprovod.core.demo import DemoContext
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period


def test_demo_budget(staff):
    ctx = DemoContext(seed=1, client_count=0, months=12, today=dt.date(2026, 11, 25))
    ctx.rng = random.Random(1)
    ctx.users = {"head": staff.head, "ceo": staff.ceo}
    create_budget(ctx)

    previous = queries.approved_version(2025)
    assert previous.decision_comment == "Согласовано."
    assert previous.decided_at.date() == dt.date(2024, 12, 10)
    returned = AuditEvent.objects.get(changes__status__1="returned", object_id=str(previous.pk))
    assert "урезать" in returned.changes["decision_comment"][1]
    assert BudgetVersion.objects.filter(year=2026, status=VersionStatus.SUPERSEDED).count() == 1
    assert queries.approved_version(2026).number == 2
    assert queries.open_version(2027).status == VersionStatus.SUBMITTED
    assert set(BudgetFact.objects.filter(year=2026).values_list("month", flat=True)) == set(
        range(1, 11)
    )
    assert BudgetFact.objects.filter(year=2025).values("month").distinct().count() == 12
    execution = compute(Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))).get("budget.execution")
    assert 0.85 < execution.value < 1.1
