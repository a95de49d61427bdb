"""The clock rules of sla.md on real clock rows with the shipped default policy and the
Russian production calendar (2026: 9 March is a day off for 8 March)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.sla import clocks
from soprovod.sla.models import CalendarDay, ClockStatus, Metric, SlaClock, WorkCalendar
from soprovod.tickets.models import TicketStatus, TicketType
from soprovod.tickets.tests.factories import TicketFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


def new_ticket(created, type=TicketType.STANDARD, **kwargs):
    ticket = TicketFactory(created_at=created, type=type, **kwargs)
    clocks.start_clocks(ticket, now=created)
    return ticket


def clock(ticket, metric):
    return SlaClock.objects.select_related("calendar").get(ticket=ticket, metric=metric)


def test_standard_ticket_due_times():
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == msk(2026, 3, 2, 14, 0)
    # 24 business hours: Mon 8 h + Tue 9 h + Wed 7 h.
    assert clock(ticket, Metric.RESOLUTION).due_at == msk(2026, 3, 4, 16, 0)
    assert clock(ticket, Metric.RESOLUTION).ceiling_at == msk(2026, 3, 7, 10, 0)
    assert clock(ticket, Metric.RESOLUTION_CEILING).due_at == msk(2026, 3, 7, 10, 0)


def test_emergency_first_response_runs_24_7_and_resolution_skips_the_holiday():
    ticket = new_ticket(msk(2026, 3, 7, 12, 0), TicketType.EMERGENCY)  # a Saturday
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == msk(2026, 3, 7, 12, 15)
    # Sunday, then Monday 9 March is the day off for 8 March: Tuesday 9:00 + 4 h.
    assert clock(ticket, Metric.RESOLUTION).due_at == msk(2026, 3, 10, 13, 0)
    assert not SlaClock.objects.filter(ticket=ticket, metric=Metric.RESOLUTION_CEILING).exists()


def test_due_time_landing_on_closing_time_is_closing_time():
    ticket = new_ticket(msk(2026, 3, 2, 14, 0))
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == msk(2026, 3, 2, 18, 0)


def test_first_reply_on_time_is_met_and_late_is_breached():
    on_time = new_ticket(msk(2026, 3, 2, 10, 0))
    clocks.on_first_public_reply(on_time, msk(2026, 3, 2, 14, 0))
    assert clock(on_time, Metric.FIRST_RESPONSE).status == ClockStatus.MET
    late = new_ticket(msk(2026, 3, 2, 10, 0))
    clocks.on_first_public_reply(late, msk(2026, 3, 2, 14, 0, 1))
    assert clock(late, Metric.FIRST_RESPONSE).status == ClockStatus.BREACHED
    assert clock(late, Metric.FIRST_RESPONSE).elapsed_seconds == 4 * 3600 + 1


def test_waiting_for_the_client_pauses_resolution_in_business_time():
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    clocks.on_waiting_client(ticket, msk(2026, 3, 2, 12, 0))
    paused = clock(ticket, Metric.RESOLUTION)
    assert paused.paused_since == msk(2026, 3, 2, 12, 0)
    clocks.on_client_replied(ticket, msk(2026, 3, 3, 12, 0))
    resumed = clock(ticket, Metric.RESOLUTION)
    assert resumed.paused_seconds == 9 * 3600  # Mon 12–18 and Tue 9–12
    assert resumed.due_at == msk(2026, 3, 5, 16, 0)  # Wed 16:00 moved by 9 business hours
    # The ceiling pauses too, in calendar time: 24 hours later than 7 March 10:00.
    assert clock(ticket, Metric.RESOLUTION_CEILING).due_at == msk(2026, 3, 8, 10, 0)
    assert resumed.ceiling_at == msk(2026, 3, 8, 10, 0)


def test_reopening_continues_from_where_the_clock_stopped():
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    clocks.on_resolved(ticket, msk(2026, 3, 3, 10, 0))
    resolved = clock(ticket, Metric.RESOLUTION)
    assert resolved.elapsed_seconds == 9 * 3600
    assert resolved.status == ClockStatus.MET
    clocks.on_reopened(ticket, msk(2026, 3, 5, 10, 0))
    reopened = clock(ticket, Metric.RESOLUTION)
    assert reopened.stopped_at is None
    # 15 business hours left from Thursday 10:00: Thu 8 h + Fri 7 h.
    assert reopened.due_at == msk(2026, 3, 6, 16, 0)
    clocks.on_resolved(ticket, msk(2026, 3, 6, 17, 0))
    assert clock(ticket, Metric.RESOLUTION).status == ClockStatus.BREACHED


def test_resolving_while_waiting_for_the_client_ends_the_pause():
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    clocks.on_waiting_client(ticket, msk(2026, 3, 2, 11, 0))
    clocks.on_resolved(ticket, msk(2026, 3, 10, 11, 0))
    resolution = clock(ticket, Metric.RESOLUTION)
    assert resolution.elapsed_seconds == 3600
    assert resolution.status == ClockStatus.MET
    # The ceiling waited with the client too: an hour of its five days ran (sla.md).
    ceiling = clock(ticket, Metric.RESOLUTION_CEILING)
    assert ceiling.status == ClockStatus.MET
    assert ceiling.elapsed_seconds == 3600
    assert ceiling.paused_seconds == 8 * 86400


def test_running_past_due_is_breached_and_pending_before():
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    assert clocks.refresh_statuses(msk(2026, 3, 2, 13, 59)) == 0
    assert clocks.refresh_statuses(msk(2026, 3, 2, 14, 0, 1)) == 1
    assert clock(ticket, Metric.FIRST_RESPONSE).status == ClockStatus.BREACHED
    assert clock(ticket, Metric.RESOLUTION).status == ClockStatus.PENDING


def test_extension_needs_a_reason_and_stops_at_the_ceiling(staff, time_machine):
    time_machine.move_to(msk(2026, 3, 3, 10, 0), tick=False)
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    resolution = clock(ticket, Metric.RESOLUTION)
    with pytest.raises(clocks.ExtensionError):
        clocks.extend_due(resolution, msk(2026, 3, 5, 12, 0), actor=staff.support, reason=" ")
    with pytest.raises(clocks.ExtensionError):
        clocks.extend_due(
            resolution, msk(2026, 3, 7, 10, 1), actor=staff.support, reason="Ждём запчасть"
        )
    clocks.extend_due(
        resolution, msk(2026, 3, 6, 12, 0), actor=staff.support, reason="Ждём запчасть"
    )
    extended = clock(ticket, Metric.RESOLUTION)
    assert extended.due_at == msk(2026, 3, 6, 12, 0)
    event = ticket.__class__.objects.get(pk=ticket.pk)
    from soprovod.audit.recorder import trail_for

    assert trail_for(event)[0].reason == "Ждём запчасть"


def test_emergency_resolution_cannot_be_extended(staff):
    ticket = new_ticket(msk(2026, 3, 3, 10, 0), TicketType.EMERGENCY)
    with pytest.raises(clocks.ExtensionError):
        clocks.extend_due(
            clock(ticket, Metric.RESOLUTION), msk(2026, 3, 3, 16, 0), actor=staff.head, reason="x"
        )


def test_calendar_edit_recomputes_open_tickets_only():
    open_ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    closed_ticket = new_ticket(msk(2026, 3, 2, 10, 0), status=TicketStatus.CLOSED)
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 3, 3), kind="holiday")
    from soprovod.sla.calendars import bump_version

    bump_version(calendar)
    assert (
        clocks.recompute_for_calendar(calendar, msk(2026, 3, 2, 11, 0)) == 3 - 1
    )  # FR + resolution
    assert clock(open_ticket, Metric.RESOLUTION).due_at == msk(2026, 3, 5, 16, 0)
    assert clock(closed_ticket, Metric.RESOLUTION).due_at == msk(2026, 3, 4, 16, 0)


def test_type_change_rebuilds_the_clocks_of_an_open_ticket():
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    clocks.on_first_public_reply(ticket, msk(2026, 3, 2, 10, 30))
    ticket.type = TicketType.EMERGENCY
    ticket.save()
    clocks.recompute_ticket(ticket, msk(2026, 3, 2, 10, 40))
    assert clock(ticket, Metric.FIRST_RESPONSE).status == ClockStatus.BREACHED  # 30 > 15 min
    assert clock(ticket, Metric.RESOLUTION).due_at == msk(2026, 3, 2, 14, 0)
    assert not SlaClock.objects.filter(ticket=ticket, metric=Metric.RESOLUTION_CEILING).exists()


def test_ticket_meets_sla_only_when_every_metric_is_met():
    assert clocks.ticket_sla_status(["met", "met"]) == "met"
    assert clocks.ticket_sla_status(["met", "pending"]) == "pending"
    assert clocks.ticket_sla_status(["pending", "breached"]) == "breached"


def test_a_calendar_edit_moves_a_ceiling_that_is_the_target():
    # Consultation, Monday 2 March 10:00: 48 business hours end Tuesday 10 March 13:00 (9 March
    # off), later than five calendar days, so that is the ceiling too.
    ticket = new_ticket(msk(2026, 3, 2, 10, 0), TicketType.CONSULTATION)
    assert clock(ticket, Metric.RESOLUTION_CEILING).due_at == msk(2026, 3, 10, 13, 0)
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 3, 10), kind="holiday")
    from soprovod.sla.calendars import bump_version

    bump_version(calendar)
    clocks.recompute_for_calendar(calendar, msk(2026, 3, 2, 11, 0))
    # One more day off: the target and the ceiling both move to Wednesday 13:00.
    assert clock(ticket, Metric.RESOLUTION).due_at == msk(2026, 3, 11, 13, 0)
    assert clock(ticket, Metric.RESOLUTION).ceiling_at == msk(2026, 3, 11, 13, 0)
    assert clock(ticket, Metric.RESOLUTION_CEILING).due_at == msk(2026, 3, 11, 13, 0)
