import datetime as dt

import pytest
from django.test import override_settings

from soprovod.core.testing import built_once
from soprovod.handoffs.models import Handoff, HandoffRound, HandoffStatus
from soprovod.web.demo import build_demo

TODAY = dt.date(2026, 10, 14)


@pytest.fixture(scope="module")
def built_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """A year's demo, built once for this module's read-only tests (soprovod.core.testing)."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), built_once(django_db_blocker):
        yield build_demo(clients=40, months=12, seed=5, today=TODAY)


@pytest.fixture
def demo(built_demo, db):
    return built_demo


def test_a_year_of_handoffs_fits_the_portfolio(demo):
    sold = [c for c in demo.clients if c.contract_start >= demo.history_start]
    accepted = Handoff.objects.filter(status=HandoffStatus.ACCEPTED)
    assert accepted.count() >= len(sold) - 2  # the last days' sales may still be in flight
    for handoff in accepted.select_related("client"):
        assert handoff.client.sold_by_id == handoff.sales_id
        assert handoff.rounds.filter(answered_at__isnull=True).count() == 0
    rounds = HandoffRound.objects.all()
    assert rounds.filter(outcome="returned").exists()
    assert Handoff.objects.filter(rounds__number=2).exists()  # resubmitted after a return
    late = [r for r in rounds if r.answered_at and r.answered_at > r.due_at]
    assert late
    assert set(Handoff.objects.filter(client__isnull=True).values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "returned",
    }


def test_the_demo_rounds_verify_clean(demo):
    from soprovod.handoffs.verify import check_handoff_rounds

    found = []
    tally = check_handoff_rounds(found.append)
    assert tally.checked > 0
    assert found == []
