"""Merging duplicates (issue 15): messages move, the client is told, the duplicate keeps a
pointer and is closed as merged, and each merged ticket keeps its own SLA outcome — the one
`soprovod verify` recomputes from its history."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from soprovod.sla.models import ClockStatus, Metric, SlaClock
from soprovod.tickets import actions, verify
from soprovod.tickets.models import Channel, Ticket, TicketMessage, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db(transaction=False)


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def outcome(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric).status


@pytest.fixture
def make(companies):
    def make(created, client=None, contact=None, type=TicketType.STANDARD, subject="Шлагбаум"):
        return actions.do_create_ticket(
            None,
            client=client or companies.a,
            contact=contact or companies.contact_a,
            subject=subject,
            body=f"{subject}: не открывается",
            type=type,
            channel=Channel.EMAIL,
            category=CategoryFactory(name="Шлагбаумы"),
            created_at=created,
        )

    return make


def test_messages_move_client_is_told_and_duplicate_is_closed_as_merged(make, staff):
    survivor = make(msk(2026, 3, 2, 10, 0))
    duplicate = make(msk(2026, 3, 2, 10, 30), subject="Опять шлагбаум")
    with time_machine.travel(msk(2026, 3, 2, 11, 0), tick=False):
        actions.do_merge_tickets(staff.support, survivor, [duplicate])
    duplicate.refresh_from_db()
    assert duplicate.status == TicketStatus.CLOSED
    assert duplicate.merged_into_id == survivor.pk
    assert duplicate.merged_at == msk(2026, 3, 2, 11, 0)
    bodies = list(survivor.messages.values_list("body", flat=True))
    assert "Опять шлагбаум: не открывается" in bodies  # the duplicate's message moved
    left = list(duplicate.messages.all())
    assert len(left) == 1  # only the notice to the client stays
    notice = left[0]
    assert notice.kind == TicketMessage.Kind.PUBLIC and notice.from_staff
    assert f"№{survivor.pk}" in notice.body
    assert survivor.messages.filter(kind=TicketMessage.Kind.INTERNAL).count() == 1


def test_merge_keeps_each_merged_tickets_sla_outcome(make, staff):
    survivor = make(msk(2026, 3, 2, 10, 0))
    # Filed on Monday at 10:00: first response due at 14:00 (4 business hours).
    late = make(msk(2026, 3, 2, 10, 0), subject="Давно ждём")
    recent = make(msk(2026, 3, 3, 9, 30), subject="Только что")
    answered = make(msk(2026, 3, 3, 9, 0), subject="Уже ответили")
    actions.do_add_message(staff.support, answered, "Смотрим", at=msk(2026, 3, 3, 9, 10))
    actions.do_merge_tickets(staff.support, survivor, [late, recent, answered],
                             at=msk(2026, 3, 3, 10, 0))  # fmt: skip
    # Past its due time at the merge: the breach stays a breach.
    assert outcome(late, Metric.FIRST_RESPONSE) == ClockStatus.BREACHED
    # Within its due times: met by the notice, at the merge instant.
    assert outcome(recent, Metric.FIRST_RESPONSE) == ClockStatus.MET
    assert outcome(recent, Metric.RESOLUTION) == ClockStatus.MET
    # Already answered before: that reply's instant, untouched by the merge.
    clock = SlaClock.objects.get(ticket=answered, metric=Metric.FIRST_RESPONSE)
    assert clock.stopped_at == msk(2026, 3, 3, 9, 10)
    assert clock.status == ClockStatus.MET
    # Frozen like any closed ticket's, and the history recomputes the same values.
    assert not SlaClock.objects.filter(ticket__in=[late, recent, answered], frozen=False).exists()
    assert [row for row in verify.compare() if row[1] is not None] == []
    # The survivor's clocks are not touched by the merge.
    assert SlaClock.objects.filter(ticket=survivor, stopped_at__isnull=True).count() >= 1


def test_merge_is_only_within_one_client(make, companies, staff):
    survivor = make(msk(2026, 3, 2, 10, 0))
    other = make(msk(2026, 3, 2, 10, 5), client=companies.b, contact=companies.contact_b)
    with pytest.raises(actions.TicketError, match="массовому инциденту"):
        actions.do_merge_tickets(staff.support, survivor, [other])
    other.refresh_from_db()
    assert other.merged_into_id is None and other.status == TicketStatus.NEW


def test_merge_refuses_closed_itself_and_chains(make, staff):
    survivor = make(msk(2026, 3, 2, 10, 0))
    duplicate = make(msk(2026, 3, 2, 10, 5))
    with pytest.raises(actions.TicketError):
        actions.do_merge_tickets(staff.support, survivor, [survivor])
    actions.do_merge_tickets(staff.support, survivor, [duplicate])
    third = make(msk(2026, 3, 2, 10, 10))
    with pytest.raises(actions.TicketError):  # into a merged (closed) ticket
        actions.do_merge_tickets(staff.support, duplicate, [third])
    with pytest.raises(actions.TicketError):  # a merged ticket again
        actions.do_merge_tickets(staff.support, third, [duplicate])


def test_the_merge_page_and_the_queue_bulk_merge(client, make, staff):
    survivor = make(msk(2026, 3, 2, 10, 0))
    duplicate = make(msk(2026, 3, 2, 10, 5))
    client.force_login(staff.support)
    response = client.post(f"/tickets/{duplicate.pk}/merge/", {"into": survivor.pk})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
    page = client.get(f"/tickets/{duplicate.pk}/").content.decode()
    assert f"/tickets/{survivor.pk}/" in page
    a, b = make(msk(2026, 3, 2, 11, 0)), make(msk(2026, 3, 2, 11, 5))
    client.post("/tickets/bulk/", {"tickets": [b.pk, a.pk], "action": "merge"})
    assert Ticket.objects.get(pk=b.pk).merged_into_id == a.pk


@pytest.mark.parametrize("who", ["sales", "dev", "ceo"])
def test_only_the_support_department_merges(client, make, staff, who):
    survivor = make(msk(2026, 3, 2, 10, 0))
    duplicate = make(msk(2026, 3, 2, 10, 5))
    client.force_login(getattr(staff, who))
    response = client.post(f"/tickets/{duplicate.pk}/merge/", {"into": survivor.pk})
    assert response.status_code in (403, 404)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_a_client_contact_cannot_merge(client, make, companies):
    survivor = make(msk(2026, 3, 2, 10, 0))
    duplicate = make(msk(2026, 3, 2, 10, 5))
    client.force_login(companies.client1)
    response = client.post(f"/tickets/{duplicate.pk}/merge/", {"into": survivor.pk})
    assert response.status_code == 403
    client.force_login(companies.client2)
    response = client.post(f"/tickets/{duplicate.pk}/merge/", {"into": survivor.pk})
    assert response.status_code == 404
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_verify_checks_merged_tickets(make, staff):
    survivor = make(msk(2026, 3, 2, 10, 0))
    duplicate = make(msk(2026, 3, 2, 10, 5))
    actions.do_merge_tickets(staff.support, survivor, [duplicate], at=msk(2026, 3, 2, 11, 0))
    found = []
    tally = verify.check_merges(found.append)
    assert (tally.checked, found) == (1, [])
    Ticket.objects.filter(pk=duplicate.pk).update(resolved_at=None)
    verify.check_merges(found.append)
    assert [d.field for d in found] == ["resolved_at"]
