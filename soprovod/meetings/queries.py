"""Reads of meetings and action items that the pages, the API, the checker and the KPI
engine share: each rule once.

kpi.md «team.tasks_on_time»: action items due in the period done by their due date ÷ action
items due in the period. «Done by the due date» compares the date the item was closed (in the
department's zone) with its due date. An item still open whose due date has not come yet is
neither on time nor late: it is left out until it is closed or its day passes (as sla.md's
pending tickets are), so a running month is not judged on tasks that are not due yet. For a
period that has ended, every item due in it is decided and the figure is the formula as
written.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from soprovod.lib.periods import Period
from soprovod.meetings.models import ActionItem, Meeting, MeetingStatus
from soprovod.meetings.permissions import action_items_visible_to, meetings_visible_to

PAGE_SIZE = 50

# ---- the rules -----------------------------------------------------------------------------

OPEN = Q(closed_at__isnull=True)
ON_TIME = Q(closed_on__isnull=False, closed_on__lte=F("due_on"))


def overdue(today: dt.date) -> Q:
    """Open past its due date (the day after the due date it is overdue)."""
    return OPEN & Q(due_on__lt=today)


def late(today: dt.date) -> Q:
    """Closed after its due date, or open past it."""
    return Q(closed_on__gt=F("due_on")) | overdue(today)


def decided(today: dt.date) -> Q:
    """On time or late: closed, or its due date has passed."""
    return ON_TIME | late(today)


def due_in(period: Period) -> Q:
    return Q(due_on__gte=period.start, due_on__lte=period.end)


def tasks_on_time(period: Period, now: dt.datetime) -> dict:
    """kpi.md «team.tasks_on_time» in one aggregate query."""
    today = timezone.localdate(now)
    stats = ActionItem.objects.filter(due_in(period)).aggregate(
        on_time=Count("pk", filter=ON_TIME),
        counted=Count("pk", filter=decided(today)),
    )
    on_time, counted = stats["on_time"], stats["counted"]
    return {
        "value": on_time / counted if counted else None,
        "numerator": on_time,
        "denominator": counted,
    }


def kpi_items(period: Period, outcome: str, now: dt.datetime) -> QuerySet[ActionItem]:
    """The records behind the figure: ``counted``, ``on_time`` or ``late``."""
    today = timezone.localdate(now)
    condition = {"on_time": ON_TIME, "late": late(today)}.get(outcome, decided(today))
    return (
        ActionItem.objects.filter(due_in(period), condition)
        .select_related("owner", "meeting")
        .order_by("due_on", "pk")
    )


# ---- lists ---------------------------------------------------------------------------------


def meeting_list(user, *, kind: str = "") -> QuerySet[Meeting]:
    meetings = (
        meetings_visible_to(user)
        .select_related("series", "chair")
        .annotate(
            item_count=Count("action_items", distinct=True),
            open_count=Count(
                "action_items", filter=Q(action_items__closed_at__isnull=True), distinct=True
            ),
        )
        .order_by("-starts_at", "-pk")
    )
    if kind:
        meetings = meetings.filter(kind=kind)
    return meetings


def upcoming(user, now: dt.datetime, *, limit: int = 4) -> list[Meeting]:
    """The next meetings (not cancelled, not over), soonest first."""
    return list(
        meetings_visible_to(user)
        .select_related("series")
        .filter(ends_at__gte=now)
        .exclude(status__in=[MeetingStatus.CANCELLED, MeetingStatus.CLOSED])
        .order_by("starts_at", "pk")[:limit]
    )


def with_state(items: QuerySet[ActionItem], today: dt.date) -> QuerySet[ActionItem]:
    return items.annotate(
        is_overdue=ExpressionWrapper(overdue(today), output_field=BooleanField()),
        was_late=ExpressionWrapper(Q(closed_on__gt=F("due_on")), output_field=BooleanField()),
    )


def my_action_items(user, today: dt.date, *, closed: bool = False) -> QuerySet[ActionItem]:
    """The user's own action items: open ones by due date, or the closed ones, latest first."""
    items = with_state(
        action_items_visible_to(user).filter(owner=user).select_related("meeting", "owner"),
        today,
    )
    if closed:
        return items.filter(closed_at__isnull=False).order_by("-closed_at", "-pk")
    return items.filter(OPEN).order_by("due_on", "pk")


def items_of(meeting: Meeting, today: dt.date) -> QuerySet[ActionItem]:
    return with_state(
        meeting.action_items.select_related("owner", "closed_by").order_by("due_on", "pk"), today
    )


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series_id=meeting.series_id, starts_at__lt=meeting.starts_at)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-starts_at")
        .first()
    )


def next_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series_id=meeting.series_id, starts_at__gt=meeting.starts_at)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at")
        .first()
    )


def overdue_to_warn(today: dt.date) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(overdue(today)).select_related("owner", "meeting")
