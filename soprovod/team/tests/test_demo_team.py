"""The demo shows issue 12's records: escalations with outcomes (some acknowledged late,
a few open), absences (one past with the head's deputy, one going on now), training
records with a new rule most of the team still has to complete."""

import datetime as dt

import pytest

from soprovod.accounts.models import Absence
from soprovod.accounts.queries import acting_for
from soprovod.core.testing import built_once
from soprovod.team import queries
from soprovod.team.models import TrainingItem, TrainingRecord
from soprovod.tickets.models import Escalation
from soprovod.web.demo import build_demo

TODAY = dt.date(2026, 11, 25)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built_demo(django_db_setup, django_db_blocker):
    """The demo, built once for this module's read-only tests (soprovod.core.testing)."""
    with built_once(django_db_blocker):
        yield build_demo(clients=20, months=6, seed=42, today=TODAY)


@pytest.fixture
def demo(built_demo, db):
    return built_demo


def test_demo_has_escalations_with_outcomes(demo):
    escalations = Escalation.objects.all()
    resolved = escalations.filter(status=Escalation.Status.RESOLVED)
    assert resolved.count() >= 10
    assert not resolved.filter(outcome="").exists()
    late = [e for e in resolved if e.acknowledged_at - e.created_at > dt.timedelta(hours=24)]
    assert late
    assert escalations.exclude(status=Escalation.Status.RESOLVED).exists()
    subjects = set(escalations.values_list("subject", flat=True))
    assert {"ticket", "client", "department"} <= subjects
    assert escalations.filter(level=Escalation.Level.CEO).exists()
    # During the head's past holiday, the deputy received and answered the head's escalations.
    holiday = Absence.objects.get(person__username="head")
    during = escalations.filter(
        level="head",
        created_at__date__gte=holiday.starts_on,
        created_at__date__lte=holiday.ends_on,
        source=Escalation.Source.MANUAL,
    )
    assert during.exists()
    assert set(during.values_list("addressed_to__username", flat=True)) == {"engineer"}


def test_demo_has_absences_and_training(demo):
    head_holiday = Absence.objects.get(person__username="head")
    assert head_holiday.ends_on < TODAY and head_holiday.deputy.username == "engineer"
    current = Absence.objects.get(starts_on__lte=TODAY, ends_on__gte=TODAY)
    assert current.deputy is not None
    assert acting_for(current.person, TODAY) == [current.route_to]
    assert TrainingItem.objects.count() == 6 and TrainingRecord.objects.count() > 20
    newest = TrainingItem.objects.order_by("-published_on").first()
    assert queries.still_to_complete(newest).count() >= 5
