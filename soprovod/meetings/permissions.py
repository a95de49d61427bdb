"""Which meetings and action items a user may read and work (the role capabilities are in
`soprovod.accounts.permissions`). A meeting or item the user may not read answers 404.

- The support department and the CEO read every meeting.
- Sales and development read only the cross-department meetings they take part in (never
  the team meeting, whose agenda is the department's own tickets and people).
- Client contacts read none (the section answers 403).
- The head, and the meeting's chair, hold the meeting: start and close it, write the minutes,
  give action items. Everyone else reads.
- An action item's owner reads and closes it even without reading its meeting; the head and
  the chair close any of the meeting's items.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from soprovod.accounts.permissions import (
    can_run_meetings,
    can_see_meetings,
    reads_all_meetings,
    require,
)
from soprovod.meetings.models import ActionItem, Meeting, MeetingKind, MeetingStatus


def meetings_visible_to(user) -> QuerySet[Meeting]:
    meetings = Meeting.objects.all()
    if reads_all_meetings(user):
        return meetings
    if can_see_meetings(user):
        return meetings.filter(kind=MeetingKind.CROSS, participants=user)
    return meetings.none()


def can_hold_meeting(user, meeting: Meeting) -> bool:
    """Start, close, reschedule, write the minutes, give action items."""
    return can_run_meetings(user) or (
        can_see_meetings(user) and meeting.chair_id is not None and meeting.chair_id == user.pk
    )


def can_edit_minutes(user, meeting: Meeting) -> bool:
    """The minutes are written while the meeting runs and corrected after it; never for a
    cancelled meeting."""
    return can_hold_meeting(user, meeting) and meeting.status != MeetingStatus.CANCELLED


def get_meeting_or_404(user, pk: int, *, for_holding: bool = False) -> Meeting:
    meeting = meetings_visible_to(user).select_related("series", "chair").filter(pk=pk).first()
    require(meeting is not None, hidden=True)
    require(not for_holding or can_hold_meeting(user, meeting))
    return meeting


def action_items_visible_to(user) -> QuerySet[ActionItem]:
    if not can_see_meetings(user):
        return ActionItem.objects.none()
    return ActionItem.objects.filter(Q(meeting__in=meetings_visible_to(user)) | Q(owner=user))


def can_close_action_item(user, item: ActionItem) -> bool:
    if item.closed_at is not None:
        return False
    return item.owner_id == user.pk or can_hold_meeting(user, item.meeting)


def get_action_item_or_404(user, pk: int, *, for_closing: bool = False) -> ActionItem:
    item = action_items_visible_to(user).select_related("meeting", "owner").filter(pk=pk).first()
    require(item is not None, hidden=True)
    require(not for_closing or can_close_action_item(user, item))
    return item
