"""The KPI benchmark's data generator (bench/kpi.py) writes SLA clocks as the rules would: a
paused resolution clock keeps the due time it had when the pause began (sla/clocks.py), so
every page can open its tickets and `evaluate` agrees with the stored status. PostgreSQL
only, like the generator."""

from __future__ import annotations

import pytest
from django.db import connection

from soprovod.sla import clocks
from soprovod.sla.models import SlaClock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the generator writes PostgreSQL SQL"
    ),
]


def test_paused_clocks_of_the_generator_have_a_due_time_and_agree_with_the_rules():
    from bench import kpi

    kpi.load(200_000, kpi.Phases())
    paused = list(SlaClock.objects.filter(paused_since__isnull=False, stopped_at__isnull=True))
    assert paused, "the generator made no paused clock to check"
    assert [c.pk for c in paused if c.due_at is None] == []
    assert [c.pk for c in paused if c.status != clocks.evaluate(c, c.paused_since)] == []
