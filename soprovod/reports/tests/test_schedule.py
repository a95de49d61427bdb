"""Last month's report goes to the CEO (head in copy) on the first working day of the month,
by the default work calendar, exactly once — and a run that stopped halfway is finished."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.lib.periods import parse_month
from soprovod.reports import actions, tasks
from soprovod.reports.actions import ScheduleOutcome, first_working_day, run_monthly_schedule
from soprovod.reports.models import Report, ReportStatus
from soprovod.sla.calendars import bump_version
from soprovod.sla.models import CalendarDay, WorkCalendar

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def people(db):
    ceo = UserFactory(username="ceo", email="ceo@example.test", roles=[Role.CEO])
    head = UserFactory(username="head", email="head@example.test", roles=[Role.HEAD])
    UserFactory(username="support", email="support@example.test", roles=[Role.SUPPORT_MANAGER])
    return ceo, head


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return tasks.monthly.apply().get()


def test_first_working_day_follows_the_default_calendar(db):
    # 2026-11-01 is a Sunday; 2026-06-01 a Monday.
    assert first_working_day(2026, 11) == dt.date(2026, 11, 2)
    assert first_working_day(2026, 6) == dt.date(2026, 6, 1)
    # New Year holidays: 1–8 January, and 9–10 January 2027 fall on a weekend.
    assert first_working_day(2027, 1) == dt.date(2027, 1, 11)


def test_first_working_day_sees_the_heads_own_holidays(db):
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 11, 2), kind="holiday")
    bump_version(calendar)
    assert first_working_day(2026, 11) == dt.date(2026, 11, 3)


def test_nothing_before_the_first_working_day(people):
    assert run_at(msk(2026, 11, 1, 7, 30)) == ScheduleOutcome.NOT_YET  # Sunday
    assert Report.objects.count() == 0
    assert mail.outbox == []


def test_first_working_day_makes_last_months_report_and_mails_it_once(people):
    assert run_at(msk(2026, 11, 2, 7, 30)) == ScheduleOutcome.SENT
    report = Report.objects.get()
    assert (report.kind, report.period_start, report.period_end) == (
        "monthly",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )
    assert report.status == ReportStatus.READY and report.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ceo@example.test"]
    assert message.cc == ["head@example.test"]
    names = sorted(name for name, _content, _type in message.attachments)
    assert names == ["soprovod-report-2026-10.pdf", "soprovod-report-2026-10.xlsx"]
    pdf = next(content for name, content, _t in message.attachments if name.endswith(".pdf"))
    assert pdf.startswith(b"%PDF-")

    # The next days: nothing more.
    assert run_at(msk(2026, 11, 3, 7, 30)) == ScheduleOutcome.ALREADY_SENT
    assert run_at(msk(2026, 11, 20, 7, 30)) == ScheduleOutcome.ALREADY_SENT
    assert len(mail.outbox) == 1 and Report.objects.count() == 1


def test_january_waits_for_the_end_of_the_holidays(people):
    for day in range(1, 11):
        assert run_at(msk(2027, 1, day, 7, 30)) == ScheduleOutcome.NOT_YET
    assert mail.outbox == []
    assert run_at(msk(2027, 1, 11, 7, 30)) == ScheduleOutcome.SENT
    assert Report.objects.get().period_start == dt.date(2026, 12, 1)


def test_a_crash_between_generating_and_mailing_is_finished_the_next_day(people):
    with (
        mock.patch.object(actions, "build_report_email", side_effect=ConnectionError("smtp")),
        pytest.raises(ConnectionError),
    ):
        run_at(msk(2026, 11, 2, 7, 30))
    report = Report.objects.get()
    assert report.status == ReportStatus.READY and report.sent_at is None
    generated_at = report.generated_at

    assert run_at(msk(2026, 11, 3, 7, 30)) == ScheduleOutcome.SENT
    report.refresh_from_db()
    assert report.generated_at == generated_at  # not generated again, only mailed
    assert len(mail.outbox) == 1


def test_an_interim_report_of_the_month_is_generated_again_before_mailing(people):
    ceo, head = people
    with time_machine.travel(msk(2026, 10, 20, 12, 0), tick=False):
        report = actions.do_request_report(head, "monthly", parse_month("2026-10"))
        actions.do_generate_report(report.pk)
    report.refresh_from_db()
    assert report.generated_at.date() == dt.date(2026, 10, 20)

    assert run_at(msk(2026, 11, 2, 7, 30)) == ScheduleOutcome.SENT
    report.refresh_from_db()
    assert report.generated_at == msk(2026, 11, 2, 7, 30)
    assert Report.objects.count() == 1


def test_a_report_someone_is_generating_now_is_tried_again_shortly(people):
    with time_machine.travel(msk(2026, 11, 2, 7, 0), tick=False):
        Report.objects.create(
            kind="monthly",
            period_start=dt.date(2026, 10, 1),
            period_end=dt.date(2026, 10, 31),
            status=ReportStatus.GENERATING,
        )
    with time_machine.travel(msk(2026, 11, 2, 7, 5), tick=False):
        assert run_monthly_schedule() == ScheduleOutcome.BUSY
    assert mail.outbox == []


def test_no_ceo_the_head_gets_it(db):
    UserFactory(username="head", email="head@example.test", roles=[Role.HEAD])
    assert run_at(msk(2026, 11, 2, 7, 30)) == ScheduleOutcome.SENT
    assert mail.outbox[0].to == ["head@example.test"] and mail.outbox[0].cc == []


def test_nobody_to_mail_leaves_it_unsent_for_later(db):
    assert run_at(msk(2026, 11, 2, 7, 30)) == ScheduleOutcome.NO_RECIPIENTS
    assert Report.objects.get().sent_at is None
    UserFactory(username="ceo", email="ceo@example.test", roles=[Role.CEO])
    assert run_at(msk(2026, 11, 3, 7, 30)) == ScheduleOutcome.SENT


def test_beat_runs_it_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reports-monthly"]
    assert entry["task"] == "reports.monthly"
    assert entry["schedule"].hour == {7} and entry["schedule"].day_of_month == set(range(1, 32))
