"""Every write to meetings and action items: atomic, audited, mail and notices queued on
commit.

- Meetings are generated ahead from their series (`do_generate_meetings`), one per series and
  date: running it again creates nothing new. New meetings are announced by an invitation
  with the calendar event; a reschedule or a cancellation raises the event's SEQUENCE and
  mails it again.
- Starting a meeting stores its agenda as of that instant (`do_start_meeting`); a meeting
  that nobody started gets it stored by the periodic job once its time has come.
- Closing a meeting mails the minutes to the participants, once.
- An action item open past its due date warns its owner, once per item and due date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.core.errors import StaleObjectError
from soprovod.core.notify import notify
from soprovod.meetings import agenda as agendas
from soprovod.meetings import links, queries, tasks
from soprovod.meetings.models import (
    ActionItem,
    Meeting,
    MeetingSeries,
    MeetingStatus,
)

# How many weeks ahead meetings exist (and are in the participants' calendars).
WEEKS_AHEAD = 4
SERIES_FIELDS = (
    "title",
    "weekday",
    "start_time",
    "duration_minutes",
    "chair",
    "place",
    "sections",
    "minutes_template",
    "is_active",
)


class MeetingError(ValidationError):
    """A meeting action the rules refuse."""


def _lock(model, obj, expected_version: int | None):
    current = model.objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _invite_on_commit(meeting_id: int) -> None:
    transaction.on_commit(lambda: tasks.send_invitation.delay(meeting_id))


# ---- series --------------------------------------------------------------------------------


@transaction.atomic
def do_save_series(
    actor,
    series: MeetingSeries,
    *,
    participants,
    expected_version: int | None = None,
    **values,
) -> MeetingSeries:
    """Change a series' template. Meetings already generated keep their time (reschedule
    them one by one); those not held yet get the new participants."""
    series = _lock(MeetingSeries, series, expected_version)
    before = snapshot(series, SERIES_FIELDS)
    before_people = sorted(str(p) for p in series.participants.all())
    for name, value in values.items():
        setattr(series, name, value)
    unknown = set(series.sections) - {s.key for s in agendas.sections()}
    if unknown:
        raise MeetingError(_("Unknown agenda sections: %(keys)s") % {"keys": ", ".join(unknown)})
    series.version = F("version") + 1
    series.save()
    series.refresh_from_db()
    series.participants.set(participants)
    changes = diff(before, snapshot(series, SERIES_FIELDS))
    after_people = sorted(str(p) for p in series.participants.all())
    if before_people != after_people:
        changes["participants"] = [", ".join(before_people), ", ".join(after_people)]
    record(actor, series, AuditEvent.Action.UPDATED, changes)
    for meeting in series.meetings.filter(status=MeetingStatus.SCHEDULED):
        meeting.participants.set(participants)
    return series


def _slot(series: MeetingSeries, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    starts_at = timezone.make_aware(dt.datetime.combine(day, series.start_time))
    return starts_at, starts_at + dt.timedelta(minutes=series.duration_minutes)


@transaction.atomic
def _create_meeting(series: MeetingSeries, day: dt.date, *, invite: bool = True) -> Meeting | None:
    if Meeting.objects.filter(series=series, occurs_on=day).exists():
        return None
    starts_at, ends_at = _slot(series, day)
    meeting = Meeting.objects.create(
        series=series,
        kind=series.kind,
        title=series.title,
        occurs_on=day,
        starts_at=starts_at,
        ends_at=ends_at,
        place=series.place,
        chair=series.chair,
    )
    meeting.participants.set(series.participants.all())
    record(None, meeting, AuditEvent.Action.CREATED, reason=_("generated from the series"))
    if invite:
        _invite_on_commit(meeting.pk)
    return meeting


def do_generate_meetings(
    now: dt.datetime | None = None, *, weeks: int = WEEKS_AHEAD, invite: bool = True
) -> list[Meeting]:
    """Create the meetings of every active series for this week and ``weeks`` weeks ahead
    (one per series and date: the natural key); returns those created."""
    today = timezone.localdate(now or timezone.now())
    monday = today - dt.timedelta(days=today.weekday())
    created = []
    for series in MeetingSeries.objects.filter(is_active=True).prefetch_related("participants"):
        for week in range(weeks + 1):
            day = monday + dt.timedelta(weeks=week, days=series.weekday)
            if day < today:
                continue
            meeting = _create_meeting(series, day, invite=invite)
            if meeting is not None:
                created.append(meeting)
    return created


# ---- one meeting ---------------------------------------------------------------------------


@transaction.atomic
def do_reschedule_meeting(
    actor,
    meeting: Meeting,
    *,
    starts_at: dt.datetime,
    duration_minutes: int,
    place: str,
    expected_version: int | None = None,
) -> Meeting:
    """Move a meeting: the same calendar event (UID) with SEQUENCE + 1, mailed again."""
    meeting = _lock(Meeting, meeting, expected_version)
    if meeting.status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        raise MeetingError(_("A meeting that was held or cancelled cannot be moved."))
    before = snapshot(meeting, ("starts_at", "ends_at", "place"))
    meeting.starts_at = starts_at
    meeting.ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    meeting.place = place
    changes = diff(before, snapshot(meeting, ("starts_at", "ends_at", "place")))
    if not changes:
        return meeting
    meeting.ical_sequence = F("ical_sequence") + 1
    meeting.version = F("version") + 1
    meeting.save()
    meeting.refresh_from_db()
    record(actor, meeting, AuditEvent.Action.UPDATED, changes, reason=_("rescheduled"))
    _invite_on_commit(meeting.pk)
    return meeting


@transaction.atomic
def do_cancel_meeting(actor, meeting: Meeting, *, reason: str = "") -> Meeting:
    meeting = _lock(Meeting, meeting, None)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingError(_("Only a meeting that has not started can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.ical_sequence = F("ical_sequence") + 1
    meeting.version = F("version") + 1
    meeting.save()
    meeting.refresh_from_db()
    record(
        actor,
        meeting,
        AuditEvent.Action.STATUS,
        {"status": ["scheduled", "cancelled"]},
        reason=reason,
    )
    _invite_on_commit(meeting.pk)
    return meeting


def _store_agenda(meeting: Meeting, as_of: dt.datetime) -> None:
    meeting.agenda = agendas.build_agenda(meeting, as_of).as_json()
    meeting.agenda_at = as_of


@transaction.atomic
def do_start_meeting(actor, meeting: Meeting, *, now: dt.datetime | None = None) -> Meeting:
    """The meeting begins: its agenda is stored as of now, the minutes start from the
    series' template."""
    now = now or timezone.now()
    meeting = _lock(Meeting, meeting, None)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingError(_("This meeting has already started or is over."))
    meeting.status = MeetingStatus.IN_PROGRESS
    meeting.started_at = now
    if meeting.agenda is None:
        _store_agenda(meeting, now)
    if not meeting.minutes:
        meeting.minutes = meeting.series.minutes_template
    meeting.version = F("version") + 1
    meeting.save()
    meeting.refresh_from_db()
    record(actor, meeting, AuditEvent.Action.STATUS, {"status": ["scheduled", "in_progress"]})
    return meeting


def do_store_due_agendas(now: dt.datetime | None = None) -> int:
    """Store the agenda of every meeting whose time has come and that nobody started (the
    periodic job): the data as of the meeting time, whatever happens later."""
    now = now or timezone.now()
    stored = 0
    due = Meeting.objects.filter(
        status=MeetingStatus.SCHEDULED, agenda__isnull=True, starts_at__lte=now
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            meeting = Meeting.objects.select_for_update().select_related("series").get(pk=pk)
            if meeting.agenda is not None:
                continue
            _store_agenda(meeting, min(now, meeting.ends_at))
            meeting.save(update_fields=["agenda", "agenda_at"])
            stored += 1
    return stored


@transaction.atomic
def do_save_minutes(
    actor, meeting: Meeting, *, minutes: str, expected_version: int | None = None
) -> Meeting:
    """Save the minutes (autosaved while they are written). A save based on an older
    version than the stored one is refused (`StaleObjectError`)."""
    meeting = _lock(Meeting, meeting, expected_version)
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("A cancelled meeting has no minutes."))
    if meeting.minutes == minutes:
        return meeting
    before = meeting.minutes
    meeting.minutes = minutes
    meeting.version = F("version") + 1
    meeting.save()
    meeting.refresh_from_db()
    record(actor, meeting, AuditEvent.Action.UPDATED, {"minutes": [before, minutes]})
    return meeting


@transaction.atomic
def do_close_meeting(actor, meeting: Meeting, *, now: dt.datetime | None = None) -> Meeting:
    """The meeting is over: its minutes are mailed to the participants (once)."""
    now = now or timezone.now()
    meeting = _lock(Meeting, meeting, None)
    if meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS):
        raise MeetingError(_("This meeting is already closed or cancelled."))
    before = meeting.status
    if meeting.agenda is None:
        _store_agenda(meeting, now)
    meeting.started_at = meeting.started_at or now
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = now
    meeting.version = F("version") + 1
    meeting.save()
    meeting.refresh_from_db()
    record(
        actor, meeting, AuditEvent.Action.STATUS, {"status": [before, MeetingStatus.CLOSED.value]}
    )
    transaction.on_commit(lambda: tasks.send_minutes.delay(meeting.pk))
    return meeting


# ---- action items --------------------------------------------------------------------------


def _item_url(item: ActionItem) -> str:
    return reverse("meetings:my_items") + f"#item-{item.pk}"


@transaction.atomic
def do_add_action_item(
    actor,
    meeting: Meeting,
    *,
    title: str,
    owner,
    due_on: dt.date,
    record_kind: str = "",
    record_id: int | None = None,
    now: dt.datetime | None = None,
) -> ActionItem:
    """Give an action item at a meeting. The record it is about must be one the giver may
    read; its owner is told."""
    now = now or timezone.now()
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("A cancelled meeting has no action items."))
    if owner is None or not owner.is_active or owner.is_client_contact:
        raise MeetingError(_("Choose a colleague as the owner."))
    label = ""
    if record_kind:
        found = links.find(actor, record_kind, record_id) if record_id else None
        if found is None:
            raise MeetingError(_("The record this item is about was not found."))
        label = links.label_of(record_kind, found)
    else:
        record_id = None
    item = ActionItem.objects.create(
        meeting=meeting,
        title=title.strip(),
        owner=owner,
        due_on=due_on,
        record_kind=record_kind,
        record_id=record_id,
        record_label=label,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    record(
        actor,
        item,
        AuditEvent.Action.CREATED,
        diff({}, {"title": item.title, "owner": str(owner), "due_on": due_on.isoformat()}),
        parent=meeting,
    )
    if owner.pk != getattr(actor, "pk", None):
        notify(
            [owner],
            key=f"meetings.item.{item.pk}.given",
            text=_("New action item from «%(meeting)s», due %(date)s: %(title)s")
            % {
                "meeting": meeting,
                "date": date_format(due_on, "SHORT_DATE_FORMAT"),
                "title": item.title,
            },
            url=_item_url(item),
        )
    return item


@transaction.atomic
def do_close_action_item(
    actor,
    item: ActionItem,
    *,
    result: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> ActionItem:
    """Close an action item with its result; the date it is done on (in the department's
    zone) is what «on time» compares with the due date."""
    now = now or timezone.now()
    item = _lock(ActionItem, item, expected_version)
    if item.closed_at is not None:
        raise MeetingError(_("This action item is already closed."))
    if not result.strip():
        raise MeetingError(_("Say what was done."))
    item.closed_at = now
    item.closed_on = timezone.localdate(now)
    item.closed_by = actor if getattr(actor, "pk", None) else None
    item.result = result.strip()
    item.version = F("version") + 1
    item.save()
    item.refresh_from_db()
    record(
        actor,
        item,
        AuditEvent.Action.STATUS,
        {"result": ["", item.result], "closed_on": [None, item.closed_on.isoformat()]},
        parent=item.meeting,
    )
    return item


@dataclass
class OverdueResult:
    overdue: int = 0
    warned: int = 0


def do_warn_overdue_items(now: dt.datetime | None = None) -> OverdueResult:
    """Tell the owner of every action item open past its due date, once per item and due
    date (the notification's key); a new due date would warn again."""
    today = timezone.localdate(now or timezone.now())
    result = OverdueResult()
    for item in queries.overdue_to_warn(today):
        result.overdue += 1
        with transaction.atomic():
            result.warned += notify(
                [item.owner],
                key=f"meetings.item.{item.pk}.overdue.{item.due_on.isoformat()}",
                text=_("Action item overdue since %(date)s: %(title)s")
                % {"date": date_format(item.due_on, "SHORT_DATE_FORMAT"), "title": item.title},
                url=_item_url(item),
            )
    return result
