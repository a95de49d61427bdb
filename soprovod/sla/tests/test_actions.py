"""Writes to calendars and policies: validated, audited, versioned, and the open tickets
recomputed after the commit — closed tickets keep their outcome (sla.md «Recalculation»).

The shipped default policy and the Russian production calendar are installed by the
migrations; 2026-03-02 is a Monday, 2026-03-09 the day off for 8 March."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import trail_for
from soprovod.core.errors import StaleObjectError
from soprovod.sla import actions, clocks
from soprovod.sla.models import (
    CalendarDay,
    Metric,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    WorkCalendar,
)
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


def due(ticket, metric=Metric.RESOLUTION) -> dt.datetime:
    return SlaClock.objects.get(ticket=ticket, metric=metric).due_at


@pytest.fixture
def calendar(db) -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


@pytest.fixture
def policy(db) -> SlaPolicy:
    return SlaPolicy.objects.get(is_default=True)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what the action scheduled for after the commit, as a real request would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


# ---- dated overrides -----------------------------------------------------------------------


def test_a_new_holiday_moves_the_due_time_of_an_open_ticket_and_not_of_a_closed_one(
    staff, calendar, run_on_commit
):
    open_ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    closed_ticket = new_ticket(msk(2026, 3, 2, 10, 0), status=TicketStatus.CLOSED)
    assert due(open_ticket) == msk(2026, 3, 4, 16, 0)  # Mon 8 h + Tue 9 h + Wed 7 h

    applied = run_on_commit(
        actions.do_set_calendar_day,
        staff.head,
        calendar,
        dt.date(2026, 3, 3),
        "holiday",
        "Company day off",
    )

    assert applied.created == 1
    assert applied.recompute == actions.Recompute.INLINE
    assert due(open_ticket) == msk(2026, 3, 5, 16, 0)  # Tuesday no longer counts
    assert due(closed_ticket) == msk(2026, 3, 4, 16, 0)


def test_removing_a_holiday_gives_the_day_back_to_open_tickets(staff, calendar, run_on_commit):
    ticket = new_ticket(msk(2026, 3, 6, 10, 0))  # Friday; Monday 9 March is a day off
    assert due(ticket) == msk(2026, 3, 11, 16, 0)

    run_on_commit(actions.do_delete_calendar_day, staff.head, calendar, dt.date(2026, 3, 9))

    assert due(ticket) == msk(2026, 3, 10, 16, 0)
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 9)).exists()


def test_changing_a_day_bumps_the_version_and_is_audited(staff, calendar, run_on_commit):
    version = calendar.version
    run_on_commit(
        actions.do_set_calendar_day, staff.head, calendar, dt.date(2026, 3, 9), "working_day"
    )

    calendar.refresh_from_db()
    assert calendar.version == version + 1
    day = CalendarDay.objects.get(calendar=calendar, date=dt.date(2026, 3, 9))
    assert day.kind == "working_day"
    event = trail_for(calendar)[0]
    assert event.action == AuditEvent.Action.UPDATED
    assert event.actor == staff.head
    assert event.object_id == str(day.pk)
    assert list(event.changes) == ["kind"]


def test_saving_a_day_as_it_is_changes_nothing(staff, calendar, run_on_commit):
    version = calendar.version
    events = AuditEvent.objects.count()
    applied = run_on_commit(
        actions.do_set_calendar_day, staff.head, calendar, dt.date(2026, 3, 9), "day_off", ""
    )
    calendar.refresh_from_db()
    assert (applied.created, applied.updated, applied.unchanged) == (0, 0, 1)
    assert applied.recompute == actions.Recompute.NONE
    assert calendar.version == version
    assert AuditEvent.objects.count() == events


def test_deleting_a_day_is_audited_with_what_it_was(staff, calendar, run_on_commit):
    run_on_commit(actions.do_delete_calendar_day, staff.head, calendar, dt.date(2026, 3, 9))
    event = trail_for(calendar)[0]
    assert event.action == AuditEvent.Action.DELETED
    assert event.changes["date"] == ["2026-03-09", None]


def test_a_note_alone_moves_no_due_time(staff, calendar, run_on_commit):
    new_ticket(msk(2026, 3, 6, 10, 0))
    applied = run_on_commit(
        actions.do_set_calendar_day,
        staff.head,
        calendar,
        dt.date(2026, 3, 9),
        "day_off",
        "Moved from 8 March",
    )
    assert applied.updated == 1
    assert applied.recompute == actions.Recompute.NONE


@pytest.mark.parametrize(
    ("day", "kind"),
    [(dt.date(2026, 3, 3), "vacation"), (dt.date(1999, 12, 31), "holiday")],
)
def test_a_bad_day_is_refused(staff, calendar, day, kind):
    with pytest.raises(ValidationError):
        actions.do_set_calendar_day(staff.head, calendar, day, kind)


def test_a_round_the_clock_calendar_takes_no_holidays(staff):
    always = WorkCalendar.objects.get(is_24x7=True)
    with pytest.raises(ValidationError):
        actions.do_set_calendar_day(staff.head, always, dt.date(2026, 3, 3), "holiday")


# ---- weekly hours and time zone ------------------------------------------------------------


def test_a_lunch_break_moves_due_times_of_open_tickets(staff, calendar, run_on_commit):
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    assert due(ticket, Metric.FIRST_RESPONSE) == msk(2026, 3, 2, 14, 0)
    week = {str(day): [["09:00", "13:00"], ["14:00", "18:00"]] for day in range(5)}

    update = run_on_commit(
        actions.do_update_calendar,
        staff.head,
        calendar,
        expected_version=calendar.version,
        weekly_hours=week,
    )

    assert update.recompute == actions.Recompute.INLINE
    assert due(ticket, Metric.FIRST_RESPONSE) == msk(2026, 3, 2, 15, 0)
    event = trail_for(calendar)[0]
    assert event.changes["weekly_hours"][1].startswith("1 09:00–13:00, 14:00–18:00; 2 ")


def test_a_time_zone_change_recomputes_and_a_name_change_does_not(staff, calendar, run_on_commit):
    ticket = new_ticket(msk(2026, 3, 2, 8, 30))  # before opening in Moscow
    assert due(ticket, Metric.FIRST_RESPONSE) == msk(2026, 3, 2, 13, 0)
    renamed = run_on_commit(actions.do_update_calendar, staff.head, calendar, name="Main")
    assert renamed.recompute == actions.Recompute.NONE
    assert renamed.changes == {"name": [calendar.name, "Main"]}

    moved = run_on_commit(
        actions.do_update_calendar, staff.head, calendar, timezone="Asia/Yekaterinburg"
    )

    assert moved.recompute == actions.Recompute.INLINE
    # 08:30 in Moscow is 10:30 in Yekaterinburg, inside its working day: + 4 h.
    assert due(ticket, Metric.FIRST_RESPONSE) == msk(2026, 3, 2, 12, 30)


@pytest.mark.parametrize(
    "week",
    [
        {"0": [["09:00", "13:00"], ["12:00", "18:00"]]},  # overlap
        {"0": [["18:00", "09:00"]]},  # backwards
        {"0": [["9:00", "18:00"]]},  # not HH:MM
        {"0": [["09:00", "25:00"]]},
        {"7": [["09:00", "18:00"]]},  # no such weekday
        {},  # no working time at all
    ],
)
def test_bad_weekly_hours_are_refused(staff, calendar, week):
    with pytest.raises(ValidationError):
        actions.do_update_calendar(staff.head, calendar, weekly_hours=week)
    calendar.refresh_from_db()
    assert calendar.weekly_hours == {str(day): [["09:00", "18:00"]] for day in range(5)}


def test_hours_up_to_midnight_are_accepted(staff, calendar):
    update = actions.do_update_calendar(
        staff.head, calendar, weekly_hours={"0": [["14:00", "24:00"]]}
    )
    assert update.calendar.weekly_hours == {"0": [["14:00", "24:00"]]}


def test_an_unknown_time_zone_is_refused(staff, calendar):
    with pytest.raises(ValidationError):
        actions.do_update_calendar(staff.head, calendar, timezone="Mars/Olympus")


def test_a_stale_form_is_refused(staff, calendar):
    stale_version = calendar.version
    actions.do_update_calendar(staff.head, calendar, name="First")
    with pytest.raises(StaleObjectError):
        actions.do_update_calendar(
            staff.head, calendar, expected_version=stale_version, name="Second"
        )


# ---- recalculation in the background --------------------------------------------------------


def test_many_open_clocks_are_recomputed_by_the_background_task(
    staff, calendar, run_on_commit, monkeypatch
):
    monkeypatch.setattr(actions, "INLINE_CALENDAR_CLOCKS", 1)
    queued = []
    from soprovod.sla import tasks_recompute

    original = tasks_recompute.recompute_calendar_clocks.delay
    monkeypatch.setattr(
        tasks_recompute.recompute_calendar_clocks,
        "delay",
        lambda calendar_id: queued.append(calendar_id) or original(calendar_id),
    )
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))

    applied = run_on_commit(
        actions.do_set_calendar_day, staff.head, calendar, dt.date(2026, 3, 3), "holiday"
    )

    assert applied.recompute == actions.Recompute.BACKGROUND
    assert queued == [calendar.pk]
    assert due(ticket) == msk(2026, 3, 5, 16, 0)  # tests run Celery tasks eagerly


def test_nothing_is_recomputed_when_the_transaction_rolls_back(staff, calendar):
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_set_calendar_day(staff.head, calendar, dt.date(2026, 3, 3), "holiday")
        raise RuntimeError
    assert due(ticket) == msk(2026, 3, 4, 16, 0)
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 3)).exists()


# ---- policies --------------------------------------------------------------------------------


def _targets(policy):
    return {
        (t.ticket_type, t.metric): t
        for t in SlaTarget.objects.filter(policy=policy).select_related("calendar")
    }


def test_a_new_target_recomputes_the_open_tickets_of_the_policy(
    staff, policy, calendar, run_on_commit
):
    open_ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    closed_ticket = new_ticket(msk(2026, 3, 2, 10, 0), status=TicketStatus.CLOSED)
    version = policy.version

    update = run_on_commit(
        actions.do_update_policy,
        staff.head,
        policy,
        expected_version=version,
        targets={
            (TicketType.STANDARD, Metric.RESOLUTION): actions.TargetValues(
                calendar=calendar, target_minutes=16 * 60, ceiling_minutes=5 * 24 * 60
            )
        },
    )

    assert update.changed
    assert update.recompute == actions.Recompute.INLINE
    assert due(open_ticket) == msk(2026, 3, 3, 17, 0)  # Mon 8 h + Tue 8 h
    assert due(closed_ticket) == msk(2026, 3, 4, 16, 0)
    policy.refresh_from_db()
    assert policy.version == version + 1
    event = trail_for(policy)[0]
    assert event.action == AuditEvent.Action.UPDATED
    assert event.changes == {"target_minutes": [1440, 960]}


def test_the_warning_threshold_is_audited_and_recomputes_nothing(staff, policy, run_on_commit):
    new_ticket(msk(2026, 3, 2, 10, 0))
    update = run_on_commit(
        actions.do_update_policy,
        staff.head,
        policy,
        targets={},
        warning_ratio=Decimal("0.75"),
        reason="Earlier warnings",
    )
    assert update.recompute == actions.Recompute.NONE
    event = trail_for(policy)[0]
    assert event.changes == {"warning_ratio": ["0.80", "0.75"]}
    assert event.reason == "Earlier warnings"


def test_a_ceiling_only_for_resolution(staff, policy, calendar):
    with pytest.raises(ValidationError):
        actions.do_update_policy(
            staff.head,
            policy,
            targets={
                (TicketType.STANDARD, Metric.FIRST_RESPONSE): actions.TargetValues(
                    calendar=calendar, target_minutes=240, ceiling_minutes=600
                )
            },
        )
    assert _targets(policy)[(TicketType.STANDARD, Metric.FIRST_RESPONSE)].ceiling_minutes is None


def test_stopping_a_metric_deletes_its_target_and_the_clocks_of_open_tickets(
    staff, policy, run_on_commit
):
    ticket = new_ticket(msk(2026, 3, 2, 10, 0), TicketType.CONSULTATION)
    run_on_commit(
        actions.do_update_policy,
        staff.head,
        policy,
        targets={(TicketType.CONSULTATION, Metric.FIRST_RESPONSE): None},
    )
    assert (TicketType.CONSULTATION, Metric.FIRST_RESPONSE) not in _targets(policy)
    assert not SlaClock.objects.filter(ticket=ticket, metric=Metric.FIRST_RESPONSE).exists()
    assert trail_for(policy)[0].action == AuditEvent.Action.DELETED


def test_a_ceiling_shorter_than_the_target_is_saved_with_a_warning(
    staff, policy, calendar, time_machine
):
    time_machine.move_to(msk(2026, 3, 2, 9, 0), tick=False)
    update = actions.do_update_policy(
        staff.head,
        policy,
        targets={
            (TicketType.STANDARD, Metric.RESOLUTION): actions.TargetValues(
                calendar=calendar, target_minutes=24 * 60, ceiling_minutes=12 * 60
            )
        },
    )
    assert update.changed
    assert len(update.warnings) == 1
    assert "12" in update.warnings[0] and "24" in update.warnings[0]
    assert _targets(policy)[(TicketType.STANDARD, Metric.RESOLUTION)].ceiling_minutes == 720


def test_a_ceiling_the_target_reaches_past_on_its_calendar_is_no_warning(staff, policy, calendar):
    """24 business hours with 2 calendar days: from a Friday the target reaches past the
    ceiling, and the rule resolves it (the ceiling is the target); nothing to warn about."""
    update = actions.do_update_policy(
        staff.head,
        policy,
        targets={
            (TicketType.STANDARD, Metric.RESOLUTION): actions.TargetValues(
                calendar=calendar, target_minutes=24 * 60, ceiling_minutes=2 * 24 * 60
            )
        },
    )
    assert update.changed
    assert update.warnings == []


def test_the_shipped_policy_has_no_ceiling_warning(policy):
    """sla.md, as clarified: consultation is 48 business hours with a 5 calendar day
    ceiling, which a five-day week can never fit: the ceiling is the target itself. That is
    the rule, not a fault of the shipped policy (issue 16)."""
    targets = SlaTarget.objects.filter(policy=policy).select_related("calendar")
    assert actions.ceiling_warnings(targets) == []
