"""Meetings generated ahead, invitations with their calendar event, the minutes mailed once,
action items closed and warned when overdue."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from soprovod.accounts.tests.factories import UserFactory
from soprovod.audit.models import AuditEvent
from soprovod.core.errors import StaleObjectError
from soprovod.core.models import Notification
from soprovod.meetings import actions, mail
from soprovod.meetings.models import Meeting, MeetingKind, MeetingStatus
from soprovod.meetings.tests import factories as f
from soprovod.meetings.tests.conftest import msk

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(staff):
    return f.series(MeetingKind.TEAM, chair=staff.head, participants=[staff.support, staff.csm])


def event_of(message) -> icalendar.Event:
    name, content, mimetype = message.attachments[0]
    assert name == "invite.ics"
    assert mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_meetings_are_generated_ahead_once(
    team, staff, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    f.series(MeetingKind.CROSS, chair=staff.head, is_active=False)
    time_machine.move_to(msk(2026, 10, 14, 9, 0), tick=False)  # a Wednesday
    with django_capture_on_commit_callbacks(execute=True):
        created = actions.do_generate_meetings(weeks=4)
    # This week's Monday has passed: the next four Mondays.
    assert [m.occurs_on for m in created] == [
        dt.date(2026, 10, 19),
        dt.date(2026, 10, 26),
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 9),
    ]
    first = created[0]
    assert first.starts_at == msk(2026, 10, 19, 10, 0)
    assert set(first.participants.all()) == {staff.support, staff.csm}
    assert len(mailoutbox) == 4
    assert actions.do_generate_meetings(weeks=4) == []
    assert Meeting.objects.count() == 4


def test_invitation_carries_the_event_and_a_reschedule_updates_it(
    team, staff, django_capture_on_commit_callbacks, mailoutbox
):
    meeting = f.meeting(team, msk(2026, 10, 19, 10, 0), place="Переговорная «Север»")
    assert mail.send_invitation(meeting.pk)
    assert not mail.send_invitation(meeting.pk)  # sent once per sequence
    message = mailoutbox[0]
    assert set(message.to) == {staff.head.email, staff.support.email, staff.csm.email}
    calendar, event = event_of(message)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == meeting.ical_uid
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == msk(2026, 10, 19, 10, 0)
    assert str(event["location"]) == "Переговорная «Север»"

    with django_capture_on_commit_callbacks(execute=True):
        moved = actions.do_reschedule_meeting(
            staff.head,
            meeting,
            starts_at=msk(2026, 10, 20, 15, 0),
            duration_minutes=30,
            place="Zoom",
            expected_version=meeting.version,
        )
    assert len(mailoutbox) == 2
    calendar, event = event_of(mailoutbox[1])
    assert str(event["uid"]) == meeting.ical_uid
    assert int(event["sequence"]) == 1 == moved.ical_sequence
    assert event.decoded("dtend") == msk(2026, 10, 20, 15, 30)
    assert mailoutbox[1].subject.startswith("Перенесено")

    with django_capture_on_commit_callbacks(execute=True):
        actions.do_cancel_meeting(staff.head, moved)
    calendar, event = event_of(mailoutbox[2])
    assert str(calendar["method"]) == "CANCEL"
    assert int(event["sequence"]) == 2
    assert str(event["status"]) == "CANCELLED"


def test_reschedule_refuses_a_stale_form(team, staff):
    meeting = f.meeting(team, msk(2026, 10, 19, 10, 0))
    with pytest.raises(StaleObjectError):
        actions.do_reschedule_meeting(
            staff.head,
            meeting,
            starts_at=msk(2026, 10, 20, 15, 0),
            duration_minutes=30,
            place="",
            expected_version=meeting.version - 1,
        )


def test_minutes_are_mailed_once_after_closing(
    team, staff, django_capture_on_commit_callbacks, mailoutbox
):
    meeting = f.meeting(team, msk(2026, 10, 19, 10, 0))
    actions.do_start_meeting(staff.head, meeting, now=msk(2026, 10, 19, 10, 1))
    meeting.refresh_from_db()
    actions.do_save_minutes(
        staff.head, meeting, minutes="Решили: усилить дежурство", expected_version=meeting.version
    )
    actions.do_add_action_item(
        staff.head,
        meeting,
        title="Проверить очередь",
        owner=staff.support,
        due_on=dt.date(2026, 10, 23),
    )
    assert not mail.send_minutes(meeting.pk)  # not closed yet
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_close_meeting(staff.head, meeting, now=msk(2026, 10, 19, 10, 50))
    minutes = [m for m in mailoutbox if m.subject.startswith("Протокол")]
    assert len(minutes) == 1
    assert "Решили: усилить дежурство" in minutes[0].body
    assert "Проверить очередь" in minutes[0].body
    assert not mail.send_minutes(meeting.pk)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED and meeting.minutes_mailed_at is not None


def test_minutes_refuse_a_stale_save(team, staff):
    meeting = f.meeting(team, msk(2026, 10, 19, 10, 0))
    opened = meeting.version
    actions.do_save_minutes(staff.head, meeting, minutes="Первая версия", expected_version=opened)
    with pytest.raises(StaleObjectError):
        actions.do_save_minutes(
            staff.head, meeting, minutes="Чужая версия", expected_version=opened
        )
    meeting.refresh_from_db()
    assert meeting.minutes == "Первая версия"


def test_action_item_is_given_audited_and_closed(team, staff, companies):
    meeting = f.meeting(team, msk(2026, 10, 19, 10, 0))
    item = actions.do_add_action_item(
        staff.head,
        meeting,
        title="Позвонить клиенту",
        owner=staff.csm,
        due_on=dt.date(2026, 10, 23),
        record_kind="client",
        record_id=companies.a.pk,
        now=msk(2026, 10, 19, 10, 20),
    )
    assert item.record_label == companies.a.name
    assert Notification.objects.filter(
        recipient=staff.csm, key=f"meetings.item.{item.pk}.given"
    ).exists()
    closed = actions.do_close_action_item(
        staff.csm, item, result="Договорились о встрече", now=msk(2026, 10, 23, 23, 30)
    )
    assert closed.closed_on == dt.date(2026, 10, 23)  # Moscow date, not UTC's
    assert AuditEvent.objects.filter(
        object_id=str(item.pk), action=AuditEvent.Action.STATUS
    ).exists()
    with pytest.raises(actions.MeetingError):
        actions.do_close_action_item(staff.csm, closed, result="ещё раз")


def test_action_item_refuses_a_record_its_giver_cannot_read(team, staff, companies):
    meeting = f.meeting(team, msk(2026, 10, 19, 10, 0))
    outsider_chair = UserFactory(username="dev-chair", roles=["development"])
    with pytest.raises(actions.MeetingError):
        actions.do_add_action_item(
            outsider_chair,
            meeting,
            title="x",
            owner=staff.support,
            due_on=dt.date(2026, 10, 23),
            record_kind="client",
            record_id=companies.a.pk,
        )
    with pytest.raises(actions.MeetingError):
        actions.do_add_action_item(
            staff.head, meeting, title="x", owner=companies.client1, due_on=dt.date(2026, 10, 23)
        )


def test_overdue_items_warn_their_owner_once(team, staff, time_machine):
    meeting = f.meeting(team, msk(2026, 10, 12, 10, 0))
    overdue = f.item(meeting, staff.support, dt.date(2026, 10, 14))
    f.item(meeting, staff.csm, dt.date(2026, 10, 20))
    f.item(meeting, staff.engineer, dt.date(2026, 10, 13), closed_on=dt.date(2026, 10, 15))

    on_due_day = actions.do_warn_overdue_items(msk(2026, 10, 14, 18, 0))
    assert (on_due_day.overdue, on_due_day.warned) == (0, 0)

    first = actions.do_warn_overdue_items(msk(2026, 10, 15, 9, 0))
    again = actions.do_warn_overdue_items(msk(2026, 10, 15, 10, 0))
    assert (first.overdue, first.warned) == (1, 1)
    assert (again.overdue, again.warned) == (1, 0)
    notice = Notification.objects.get(recipient=staff.support)
    assert notice.key == f"meetings.item.{overdue.pk}.overdue.2026-10-14"
    assert "Проверить настройки" in notice.text
