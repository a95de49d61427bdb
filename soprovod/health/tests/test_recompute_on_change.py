"""A client's score is recomputed on commit when one of its inputs changes, once per
transaction, and not at all when the transaction rolls back."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from soprovod.clients.actions import do_record_mrr_change
from soprovod.health.models import HealthScore
from soprovod.health.tests.helpers import TODAY, ticket
from soprovod.sla.models import SlaClock
from soprovod.sla.signals import clocks_were_written
from soprovod.success.actions import do_create_claim
from soprovod.surveys.models import SurveyResponse
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Ticket, TicketStatus


def scores_of(client):
    return list(HealthScore.objects.filter(client=client).values_list("day", "score"))


def test_a_rating_recomputes_the_client(companies, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resolved = ticket(companies.a, 3)
    assert scores_of(companies.a) == [(TODAY, 100)]
    resolved.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        resolved.status = TicketStatus.RESOLVED
        resolved.save(update_fields=["status"])
        ticket_actions.do_rate(companies.client1, resolved, 1)
    # SLA 1.0 → 100 × 20, no repeats → 100 × 10, CSAT 1 → 0 × 15: 3000 ÷ 45 = 66.7 → 67
    assert scores_of(companies.a) == [(TODAY, 67)]
    assert scores_of(companies.b) == []  # only the client whose input changed


def test_an_nps_answer_and_an_mrr_change_recompute(
    companies, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        SurveyResponse.objects.create(kind="nps", client=companies.b, score=6)
    assert scores_of(companies.b) == [(TODAY, 40)]  # NPS 6 → 40, alone
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        do_record_mrr_change(
            None, companies.a, effective_on=TODAY - dt.timedelta(days=1),
            mrr_rub=Decimal(1000), reason="downsell",
        )  # fmt: skip
    assert len(callbacks) == 1
    assert HealthScore.objects.filter(client=companies.a, day=TODAY).exists()


def health_callbacks(callbacks):
    """The health score's own on-commit work (other apps, e.g. the search index, queue theirs
    on the same ticket writes)."""
    return [c for c in callbacks if c.__module__.startswith("soprovod.health")]


def test_a_saved_ticket_field_that_is_no_input_changes_nothing(
    companies, frozen, django_capture_on_commit_callbacks
):
    t = ticket(companies.a, 3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        t.subject = "Другая тема"
        t.save(update_fields=["subject"])
    assert health_callbacks(callbacks) == []


def test_many_changes_in_one_transaction_queue_one_recomputation(
    companies, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(5):
            ticket(companies.a, 3)
        ticket(companies.b, 3)
    assert len(health_callbacks(callbacks)) == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_recomputed_after_a_rollback(staff, companies, frozen):
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket(companies.a, 3)
        raise RuntimeError
    with transaction.atomic():
        ticket(companies.b, 3)
    assert scores_of(companies.a) == []
    assert scores_of(companies.b) == [(TODAY, 100)]


def test_a_claim_recomputes_its_client(
    staff, companies, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        do_create_claim(
            staff.csm, client=companies.b, number="П-7", received_on=TODAY,
            basis="Простой системы пропусков", owner=staff.csm,
        )  # fmt: skip
    row = HealthScore.objects.get(client=companies.b, day=TODAY)
    # 1 open claim → 40, the only measure with data; the flag beside it
    assert (row.score, row.flags) == (40, ["open_claim"])


def test_bulk_written_tickets_recompute_their_clients(
    companies, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        t = ticket(companies.a, 3)
    HealthScore.objects.all().delete()  # as if the ticket had been written in bulk
    with django_capture_on_commit_callbacks(execute=True):
        clocks_were_written(SlaClock, ticket_ids=[t.pk])
    assert scores_of(companies.a) == [(TODAY, 100)]
    assert scores_of(companies.b) == []


def test_an_import_of_recent_tickets_recomputes_every_client(
    companies, frozen, django_capture_on_commit_callbacks
):
    old = timezone.now() - dt.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        clocks_were_written(Ticket, instants=[old])  # history too old to move a score
    assert not HealthScore.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        clocks_were_written(Ticket, instants=[old, timezone.now() - dt.timedelta(days=5)])
    assert HealthScore.objects.filter(day=TODAY).count() == 2  # A and B
