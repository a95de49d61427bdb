"""«Breaching soon» is measured in business time, as each row's timer is (issue 16): on a
Friday evening a ticket due at 10:00 on Monday has less than an hour of business time left,
though almost three calendar days remain."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from soprovod.tickets import actions, queries
from soprovod.tickets.models import Channel, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def make(companies, created, subject):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject=subject,
        body="Шлагбаум на въезде не реагирует на пропуск.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=CategoryFactory(name="Пропуска"),
        created_at=created,
    )


def test_friday_evening_counts_the_business_hours_to_mondays_deadline(companies, staff):
    # Standard first response: 4 business hours on the 9–18 calendar.
    friday_late = make(companies, msk(2026, 3, 6, 15, 0), "Пропуск не действует")  # due Mon 10:00
    friday_noon = make(companies, msk(2026, 3, 6, 10, 0), "Нет связи")  # due Fri 14:00: breached
    monday_far = make(companies, msk(2026, 3, 6, 17, 50), "Вопрос по счёту")  # due Mon 12:50
    with time_machine.travel(msk(2026, 3, 6, 17, 30), tick=False):
        soon = [t.pk for t in queries.queue(staff.support, queries.QueueFilters(view="soon"))]
        counts = queries.queue_counts(staff.support, queries.QueueFilters())
        rows = queries.attach_time_left(
            queries.queue(staff.support, queries.QueueFilters(view="soon")), dt.datetime.now(MSK)
        )
    # 30 business minutes left on Friday, 1 hour on Monday morning: 1 h 30 min in all.
    assert friday_late.pk in soon
    assert {t.pk: t.sla_left_seconds for t in rows}[friday_late.pk] == 90 * 60
    # 30 minutes on Friday and 3 h 50 min on Monday: 4 h 20 min, past the 4-hour window.
    assert monday_far.pk not in soon
    assert friday_noon.pk not in soon  # overdue: «breached», not «soon»
    assert counts["soon"] == len(soon) == 1


def test_every_ticket_in_the_soon_tab_has_at_most_the_window_left_on_its_timer(companies, staff):
    for hour in (9, 11, 13, 15, 17):
        make(companies, msk(2026, 3, 5, hour, 10), f"Обращение {hour}")
    with time_machine.travel(msk(2026, 3, 5, 16, 45), tick=False):
        now = dt.datetime.now(MSK)
        everything = queries.attach_time_left(
            queries.queue(staff.support, queries.QueueFilters(view="open")), now
        )
        soon = {t.pk for t in queries.queue(staff.support, queries.QueueFilters(view="soon"))}
    window = queries.SOON_HOURS * 3600
    for ticket in everything:
        left = ticket.sla_left_seconds
        assert (ticket.pk in soon) == (left is not None and 0 < left <= window), (ticket.pk, left)
