"""Meetings for tests: the two series and their meetings, action items."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from soprovod.meetings.defaults import CROSS_SECTIONS, TEAM_SECTIONS
from soprovod.meetings.models import ActionItem, Meeting, MeetingKind, MeetingSeries
from soprovod.sla.models import ClockStatus, Metric, SlaClock


def series(kind: str = MeetingKind.TEAM, *, chair=None, participants=(), **values) -> MeetingSeries:
    """The series of ``kind`` (the data migration made it; a transactional test's flush may
    have removed it), with ``chair`` and ``participants``."""
    defaults = {
        "title": "Планёрка" if kind == MeetingKind.TEAM else "Встреча с ОП и разработкой",
        "weekday": 0 if kind == MeetingKind.TEAM else 2,
        "start_time": dt.time(10, 0) if kind == MeetingKind.TEAM else dt.time(11, 0),
        "duration_minutes": 60,
        "sections": TEAM_SECTIONS if kind == MeetingKind.TEAM else CROSS_SECTIONS,
    }
    defaults.update(values)
    found, _ = MeetingSeries.objects.update_or_create(
        kind=kind, defaults={**defaults, "chair": chair}
    )
    found.participants.set(participants)
    return found


def meeting(the_series: MeetingSeries, starts_at: dt.datetime, **values) -> Meeting:
    created = Meeting.objects.create(
        series=the_series,
        kind=the_series.kind,
        title=the_series.title,
        occurs_on=timezone.localdate(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        chair=the_series.chair,
        **values,
    )
    created.participants.set(the_series.participants.all())
    return created


def item(
    the_meeting: Meeting, owner, due_on: dt.date, *, closed_on: dt.date | None = None, **values
):
    closed_at = (
        timezone.make_aware(dt.datetime.combine(closed_on, dt.time(15, 0))) if closed_on else None
    )
    return ActionItem.objects.create(
        meeting=the_meeting,
        title=values.pop("title", "Проверить настройки"),
        owner=owner,
        due_on=due_on,
        closed_at=closed_at,
        closed_on=closed_on,
        result="Сделано" if closed_on else "",
        created_at=values.pop("created_at", the_meeting.starts_at),
        **values,
    )


def clock(
    ticket,
    *,
    due_at: dt.datetime,
    stopped_at=None,
    status=ClockStatus.PENDING,
    metric=Metric.RESOLUTION,
):
    return SlaClock.objects.create(
        ticket=ticket,
        metric=metric,
        target_seconds=3600,
        started_at=due_at - dt.timedelta(hours=1),
        due_at=due_at,
        stopped_at=stopped_at,
        status=status,
    )
