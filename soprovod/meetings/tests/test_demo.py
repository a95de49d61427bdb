import datetime as dt

import pytest

from soprovod.lib.periods import Period
from soprovod.meetings import queries
from soprovod.meetings.models import ActionItem, Meeting, MeetingKind, MeetingStatus
from soprovod.web.demo import build_demo

TODAY = dt.date(2026, 10, 14)


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_demo(clients=40, months=12, seed=5, today=TODAY)


def test_a_year_of_weekly_meetings_with_minutes_and_items(demo):
    for kind in MeetingKind.values:
        held = Meeting.objects.filter(kind=kind, status=MeetingStatus.CLOSED)
        assert 50 <= held.count() <= 53
        assert not held.filter(agenda__isnull=True).exists()
        assert not held.filter(minutes="").exists()
        assert Meeting.objects.filter(kind=kind, status=MeetingStatus.SCHEDULED).count() >= 4
    items = ActionItem.objects.all()
    today = TODAY
    assert items.filter(queries.late(today), closed_at__isnull=False).exists()  # closed late
    assert items.filter(queries.overdue(today)).exists()  # open past due
    assert items.filter(queries.OPEN, due_on__gte=today).exists()  # open, not due yet
    assert items.exclude(record_kind="").exists()
    september = Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    value = queries.tasks_on_time(september, demo.at(TODAY))["value"]
    assert 0.6 < value < 1.0
