import datetime as dt

from soprovod.handoffs.actions import do_submit_handoff
from soprovod.handoffs.tests.conftest import msk
from soprovod.handoffs.tests.factories import make_handoff
from soprovod.handoffs.verify import check_handoff_rounds
from soprovod.sla.calendars import bump_version
from soprovod.sla.models import CalendarDay, WorkCalendar


def run(fix=False):
    found = []
    tally = check_handoff_rounds(found.append, fix=fix)
    return tally, [(d.field, d.stored, d.recomputed) for d in found]


def test_rounds_as_stored_agree(staff, friday):
    do_submit_handoff(staff.sales, make_handoff(staff.sales))
    tally, found = run()
    assert (tally.checked, found) == (1, [])


def test_a_holiday_added_later_is_reported_and_fixed(staff, friday, settings):
    settings.HANDOFF_CALENDAR = "default"
    agreement = do_submit_handoff(staff.sales, make_handoff(staff.sales))
    assert agreement.due_at == msk(2026, 10, 21, 13, 0)
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 10, 20), kind="holiday")
    bump_version(calendar)
    _tally, found = run()
    assert found == [
        ("due_at", msk(2026, 10, 21, 13, 0), msk(2026, 10, 22, 13, 0)),
        ("warn_at", msk(2026, 10, 20, 17, 12), msk(2026, 10, 21, 17, 12)),
    ]
    tally, _found = run(fix=True)
    assert tally.fixed == 2
    agreement.refresh_from_db()
    assert agreement.due_at == msk(2026, 10, 22, 13, 0)
    assert run()[1] == []
