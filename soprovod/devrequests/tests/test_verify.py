"""`soprovod verify` recomputes each agreement round's clock figures from its history."""

import datetime as dt

import pytest

from soprovod.devrequests import actions
from soprovod.devrequests.models import AgreementRound
from soprovod.devrequests.verify import check_agreement_rounds
from soprovod.sla.calendars import bump_version
from soprovod.sla.models import CalendarDay, WorkCalendar

pytestmark = pytest.mark.django_db


def test_rounds_as_stored_agree(submitted):
    found = []
    assert check_agreement_rounds(found.append).checked == 1
    assert found == []


def test_a_holiday_added_later_is_reported_and_fixed(staff, tickets, settings):
    settings.DEV_REQUEST_CLOCK = "business"
    request = actions.do_create_request(staff.support, kind="bug", title="x", tickets=tickets[:1])
    # Friday 16:00 → due Monday 26 Oct 10:00; a holiday on Wednesday 21st moves it a day.
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 10, 21), kind="holiday")
    bump_version(calendar)
    found = []
    tally = check_agreement_rounds(found.append, fix=True)
    assert {d.field for d in found} == {"due_at", "warn_at"}
    assert tally.fixed == 2
    current = AgreementRound.objects.get(request=request)
    assert current.due_at == dt.datetime(2026, 10, 27, 7, 0, tzinfo=dt.UTC)  # Tue 10:00 MSK
    again = []
    check_agreement_rounds(again.append)
    assert again == []
