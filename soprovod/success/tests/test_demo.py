"""The demo's customer success: key accounts and a year of claims through the real actions."""

import datetime as dt

import pytest

from soprovod.core.testing import built_once
from soprovod.success.models import Claim, ClientProfile
from soprovod.tickets.models import Escalation
from soprovod.web.demo import build_demo

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def built_demo(django_db_setup, django_db_blocker):
    """A year's demo, built once for this module's read-only tests (soprovod.core.testing)."""
    with built_once(django_db_blocker):
        yield build_demo(clients=40, months=12, seed=7, today=TODAY)


@pytest.fixture
def demo(built_demo, db):
    return built_demo


def test_demo_has_key_accounts_and_claims_of_every_kind(demo):
    assert ClientProfile.objects.filter(key_account=True).count() >= 3
    claims = Claim.objects.all()
    outcomes = set(claims.values_list("outcome", flat=True))
    assert {"", "rejected", "partial", "satisfied", "court"} <= outcomes
    assert claims.filter(direction="to_client").exists()
    missed = claims.filter(outcome="", replied_on__isnull=True, response_due_on__lt=TODAY)
    assert missed.filter(direction="from_client").exists()
    assert Escalation.objects.filter(key__startswith="claim:").count() >= 2
    for claim in claims:
        assert claim.response_due_on == claim.received_on + dt.timedelta(days=claim.response_days)


def test_demo_has_churn_cases_and_call_notes(demo):
    from soprovod.clients.models import ClientStatus
    from soprovod.success.models import CallNote, ChurnCase, NextStep

    lost = ChurnCase.objects.get(outcome="lost")
    assert lost.client.status == ClientStatus.CHURNED
    assert lost.client.churned_at == lost.outcome_on
    saved = ChurnCase.objects.get(outcome="saved")
    assert saved.client.status == ClientStatus.ACTIVE
    assert saved.client.status_history.order_by("effective_on", "id").last().status == "active"
    assert ChurnCase.objects.filter(outcome="").exists()
    assert ChurnCase.objects.filter(tasks__done_at__isnull=True).exists()
    assert CallNote.objects.count() >= 4
    assert NextStep.objects.exists()
