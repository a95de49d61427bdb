"""Impact computed from the data (issue 10), in the database: worked by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soprovod.devrequests import actions, queries
from soprovod.devrequests.models import DevRequest, RequestKind
from soprovod.tickets.tests.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_impact_as_worked_by_hand(staff, companies, tickets, submitted, now):
    companies.a.mrr_rub, companies.b.mrr_rub = Decimal(50000), Decimal(120000)
    companies.a.save()
    companies.b.save()
    passes = tickets[0].category
    TicketFactory(client=companies.a, category=passes, created_at=now - dt.timedelta(days=100))
    other = CategoryFactory(name="Шлагбаумы")
    linked_other = TicketFactory(
        client=companies.a, category=other, created_at=now - dt.timedelta(days=5)
    )
    TicketFactory(client=companies.b, category=other, created_at=now - dt.timedelta(days=5))
    actions.do_link(staff.support, submitted, tickets=[tickets[2], linked_other])
    row = queries.with_impact(DevRequest.objects.filter(pk=submitted.pk), now).get()
    assert row.ticket_count == 3  # #0 (emergency), #2 (client B), the other category's
    assert row.emergency_count == 1
    assert row.client_count == 2
    assert row.mrr_total == Decimal(170000)
    # «Пропуска» in 90 days: #0, #1, #2 (not the one 100 days old); plus the linked ticket
    # of another category; the unlinked one of that category does not count.
    assert row.recent_ticket_count == 4
    # 20 per emergency + 5 per client + 1 per recent ticket + 1 per vote + MRR / 10 000.
    assert row.impact == pytest.approx(20 + 10 + 4 + 1 + 17)


def test_a_request_without_links_has_no_impact_but_its_vote(staff, now):
    lone = actions.do_create_request(staff.support, kind=RequestKind.FEATURE, title="Тёмная тема")
    row = queries.with_impact(DevRequest.objects.filter(pk=lone.pk), now).get()
    assert (row.ticket_count, row.client_count, row.recent_ticket_count) == (0, 0, 0)
    assert row.mrr_total == 0 and row.impact == 1


def test_the_inbox_is_two_queries_whatever_its_length(staff, companies, submitted, now):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(queries.inbox(DevRequest.objects.all(), now))
        return len(captured)

    assert count() == 2  # recent tickets per category, then the requests
    for n in range(5):
        actions.do_create_request(
            staff.support, kind="bug", title=f"Запрос {n}", tickets=[TicketFactory()]
        )
    assert count() == 2  # recent tickets per category, then the requests
