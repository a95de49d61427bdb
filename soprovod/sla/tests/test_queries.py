"""sla/queries.py agrees with the clock rules: the database conditions that the queue, the
checker and the KPI engine use say of every clock what `clocks.evaluate` says of it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.sla import clocks, queries
from soprovod.sla.models import ClockStatus, SlaClock
from soprovod.tickets.models import TicketStatus
from soprovod.tickets.tests.factories import TicketFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


CREATED = msk(2026, 3, 2, 10, 0)  # standard: first response due 14:00, resolution Wed 16:00
# Each scenario: the workflow's events on one standard ticket, in order.
SCENARIOS = {
    "untouched": [],
    "replied on time": [("on_first_public_reply", msk(2026, 3, 2, 12, 0))],
    "replied late": [("on_first_public_reply", msk(2026, 3, 2, 15, 0))],
    "waiting before due": [("on_waiting_client", msk(2026, 3, 3, 10, 0))],
    "waiting after due": [("on_waiting_client", msk(2026, 3, 5, 10, 0))],
    "waited, then resumed": [
        ("on_waiting_client", msk(2026, 3, 3, 10, 0)),
        ("on_client_replied", msk(2026, 3, 4, 10, 0)),
    ],
    "resolved on time": [("on_resolved", msk(2026, 3, 3, 12, 0))],
    "resolved late": [("on_resolved", msk(2026, 3, 5, 12, 0))],
    "resolved, then reopened": [
        ("on_resolved", msk(2026, 3, 3, 12, 0)),
        ("on_reopened", msk(2026, 3, 5, 9, 0)),
    ],
}
LOOKS = [
    msk(2026, 3, 2, 11, 0),
    msk(2026, 3, 2, 14, 30),
    msk(2026, 3, 4, 15, 59),
    msk(2026, 3, 4, 16, 1),
    msk(2026, 3, 5, 17, 0),
    msk(2026, 3, 16, 10, 0),
]


def matching(condition, clock) -> bool:
    return SlaClock.objects.filter(condition, pk=clock.pk).exists()


@pytest.mark.parametrize("refreshed", [False, True], ids=["as stored", "after the checker"])
@pytest.mark.parametrize("events", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_breached_running_and_overdue_agree_with_the_clock_rules(events, refreshed):
    ticket = TicketFactory(created_at=CREATED)
    clocks.start_clocks(ticket, now=CREATED)
    for event, at in events:
        getattr(clocks, event)(ticket, at)
    last = max([CREATED, *(at for _event, at in events)])
    for now in (look for look in LOOKS if look >= last):
        if refreshed:
            clocks.refresh_statuses(now)
        for clock in SlaClock.objects.filter(ticket=ticket).select_related("calendar"):
            verdict = clocks.evaluate(clock, now)
            where = f"{clock.metric} at {now:%d.%m %H:%M}"
            assert matching(queries.breached(now), clock) == (verdict == ClockStatus.BREACHED), (
                where
            )
            assert matching(queries.running(), clock) == clock.is_running, where
            assert matching(queries.overdue(now), clock) == (
                clock.stopped_at is None and verdict == ClockStatus.BREACHED
            ), where


@pytest.mark.parametrize("status", list(TicketStatus))
def test_open_clocks_are_those_of_open_tickets_not_frozen(status):
    ticket = TicketFactory(created_at=CREATED, status=status)
    clocks.start_clocks(ticket, now=CREATED)
    if status == TicketStatus.CLOSED:
        clocks.on_closed(ticket)
    open_ids = set(queries.open_clocks().filter(ticket=ticket).values_list("pk", flat=True))
    expected = {c.pk for c in SlaClock.objects.filter(ticket=ticket) if not c.frozen}
    assert open_ids == (expected if ticket.is_open else set())
    assert (ticket in queries.open_tickets_on(ticket.policy or clocks.default_policy())) == (
        ticket.is_open
    )
