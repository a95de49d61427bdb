"""The demo's requests to development: a year of them through the real actions, fitting the
demo portfolio — some late, some declined, some merged, some released."""

import datetime as dt

import pytest

from soprovod.devrequests.models import AgreementRound, DevRequest, RequestStatus, RoundOutcome
from soprovod.devrequests.queries import late
from soprovod.web.demo import build_demo

TODAY = dt.date(2026, 11, 25)


@pytest.mark.django_db
def test_a_year_of_requests_of_every_outcome_on_demo_tickets_and_clients():
    build_demo(clients=40, months=12, seed=7, today=TODAY)
    requests = DevRequest.objects.prefetch_related("tickets__client", "clients")
    statuses = set(requests.values_list("status", flat=True))
    assert {RequestStatus.RELEASED, RequestStatus.DECLINED, RequestStatus.MERGED} <= statuses
    assert requests.order_by("created_at").first().created_at.date() < dt.date(2026, 1, 15)
    now = dt.datetime(2026, 11, 25, 13, tzinfo=dt.UTC)
    assert AgreementRound.objects.filter(late(now)).exists()
    assert AgreementRound.objects.filter(outcome=RoundOutcome.ACCEPTED).exists()
    assert requests.filter(tickets__isnull=False).exists()
    for request in requests:
        clients = set(request.clients.all())
        assert clients, request
        assert {ticket.client for ticket in request.tickets.all()} <= clients
        if request.status == RequestStatus.MERGED:
            assert request.merged_into.status != RequestStatus.MERGED
