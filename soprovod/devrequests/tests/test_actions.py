"""The request flow through the real actions: links, the 48-hour agreement clock (calendar
time, or business time across a weekend), decisions, release, merge."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings

from soprovod.audit.models import AuditEvent
from soprovod.core.models import Notification
from soprovod.devrequests import actions
from soprovod.devrequests.models import AgreementRound, RequestKind, RequestStatus, RoundOutcome
from soprovod.devrequests.tests.conftest import msk
from soprovod.tickets.models import TicketMessage, TicketStatus

pytestmark = pytest.mark.django_db


def test_request_from_a_ticket_links_it_its_client_and_category(submitted, tickets, companies):
    assert list(submitted.tickets.all()) == [tickets[0]]
    assert list(submitted.clients.all()) == [companies.a]
    assert submitted.category == tickets[0].category
    assert submitted.status == RequestStatus.SUBMITTED
    assert AuditEvent.objects.filter(object_id=str(submitted.pk)).exists()


def test_a_draft_has_no_clock_until_submitted(staff, companies, now):
    draft = actions.do_create_request(
        staff.csm,
        kind=RequestKind.FEATURE,
        title="Выгрузка в 1С",
        clients=[companies.b],
        submit=False,
    )
    assert draft.status == RequestStatus.DRAFT
    assert not draft.rounds.exists()
    assert list(draft.clients.all()) == [companies.b]
    actions.do_submit(staff.csm, draft)
    assert draft.rounds.get().submitted_at == now


def test_the_clock_is_48_calendar_hours_by_default(submitted, now):
    current = submitted.rounds.get()
    assert current.calendar is None
    assert current.due_at == msk(2026, 10, 18, 16, 0)  # Sunday: calendar time
    assert current.warn_at == now + dt.timedelta(hours=38.4)


def test_a_business_calendar_clock_crosses_the_weekend(staff, tickets, settings, time_machine):
    settings.DEV_REQUEST_CLOCK = "business"
    submitted = actions.do_create_request(
        staff.support, kind=RequestKind.BUG, title="Печать", tickets=[tickets[0]]
    )
    # Friday 16:00: 2 h on Friday, 9 h on each of Mon–Fri (45 h), 1 h on Monday 26th.
    current = submitted.rounds.get()
    assert current.calendar is not None and current.calendar.is_default
    assert current.due_at == msk(2026, 10, 26, 10, 0)
    # 80 % is 38.4 h: 2 + 4 × 9 = 38 h by Thursday's close, 24 minutes on Friday 23rd.
    assert current.warn_at == msk(2026, 10, 23, 9, 24)
    # Decided on Monday 19th at 12:00: 2 h on Friday + 3 h on Monday, the weekend not counted.
    time_machine.move_to(msk(2026, 10, 19, 12, 0), tick=False)
    actions.do_accept(staff.dev, submitted, planned_release="3.14")
    current.refresh_from_db()
    assert current.elapsed_seconds == 5 * 3600
    assert current.outcome == RoundOutcome.ACCEPTED


@override_settings(DEV_REQUEST_CLOCK="Нет такого календаря")
def test_a_clock_setting_naming_no_calendar_is_refused(staff, companies, now):
    with pytest.raises(actions.clock.ClockSettingsError):
        actions.do_create_request(staff.support, kind="bug", title="x", clients=[companies.a])


def test_accepting_needs_a_release_or_date_and_ends_the_clock(staff, submitted, time_machine):
    with pytest.raises(actions.DevRequestError):
        actions.do_accept(staff.dev, submitted)
    time_machine.move_to(msk(2026, 10, 17, 10, 0), tick=False)
    actions.do_accept(staff.dev, submitted, planned_on=dt.date(2026, 11, 20))
    submitted.refresh_from_db()
    current = submitted.rounds.get()
    assert submitted.status == RequestStatus.ACCEPTED
    assert submitted.planned_on == dt.date(2026, 11, 20)
    assert current.ended_at == msk(2026, 10, 17, 10, 0)
    assert current.elapsed_seconds == 18 * 3600
    assert current.decided_by == staff.dev


def test_a_declined_request_submitted_again_is_a_new_round(staff, submitted, time_machine):
    with pytest.raises(actions.DevRequestError):
        actions.do_decline(staff.dev, submitted, decision="  ")
    actions.do_decline(staff.dev, submitted, decision="Нужны логи принтера")
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.DECLINED
    assert submitted.decision == "Нужны логи принтера"
    time_machine.move_to(msk(2026, 10, 20, 11, 0), tick=False)
    actions.do_submit(staff.support, submitted)
    rounds = list(submitted.rounds.order_by("number"))
    assert [(r.number, r.outcome) for r in rounds] == [(1, RoundOutcome.DECLINED), (2, "")]
    assert rounds[1].due_at == msk(2026, 10, 22, 11, 0)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED and submitted.decision == ""


def test_only_the_next_steps_are_allowed(staff, submitted):
    with pytest.raises(actions.DevRequestError):
        actions.do_release(staff.dev, submitted)
    with pytest.raises(actions.DevRequestError):
        actions.do_start(staff.dev, submitted)
    actions.do_accept(staff.dev, submitted, planned_release="3.14")
    with pytest.raises(actions.DevRequestError):
        actions.do_submit(staff.support, submitted)
    actions.do_wont_do(staff.dev, submitted, decision="Заменено новым модулем")
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.WONT_DO


def test_release_notes_open_tickets_and_tells_the_success_managers(
    staff, submitted, tickets, companies, django_capture_on_commit_callbacks
):
    closed = tickets[2]
    closed.status = TicketStatus.CLOSED
    closed.save()
    actions.do_link(staff.support, submitted, tickets=[tickets[1], closed])
    actions.do_accept(staff.dev, submitted, planned_release="3.14")
    actions.do_start(staff.dev, submitted)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_release(staff.dev, submitted)
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.RELEASED
    assert submitted.released_in == "3.14"
    notes = TicketMessage.objects.filter(kind=TicketMessage.Kind.INTERNAL)
    assert sorted(notes.values_list("ticket_id", flat=True)) == [tickets[0].pk, tickets[1].pk]
    assert "3.14" in notes.first().body
    told = Notification.objects.filter(key=f"devrequest:{submitted.pk}:released")
    # Client B came in with the closed ticket: its manager hears too, though its ticket is closed.
    assert set(told.values_list("recipient__username", flat=True)) == {"csm", "csm2"}


def test_clients_are_told_by_email_once(
    staff, submitted, tickets, companies, django_capture_on_commit_callbacks
):
    tickets[0].requester_email = "ivanova@alfa.example"
    tickets[0].save()
    actions.do_accept(staff.dev, submitted, planned_release="3.14")
    actions.do_release(staff.dev, submitted)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_tell_clients(staff.support, submitted) == 1
    reply = TicketMessage.objects.get(kind=TicketMessage.Kind.PUBLIC, ticket=tickets[0])
    assert "3.14" in reply.body
    assert [m.to for m in mail.outbox] == [["ivanova@alfa.example"]]
    with pytest.raises(actions.DevRequestError):
        actions.do_tell_clients(staff.support, submitted)


def test_merging_carries_links_and_votes_to_the_survivor(staff, submitted, tickets, companies):
    duplicate = actions.do_create_request(
        staff.csm2, kind=RequestKind.BUG, title="Пропуск обрезает фамилию", tickets=[tickets[2]]
    )
    actions.do_vote(staff.csm2, duplicate)  # 2 votes
    actions.do_merge(staff.dev, duplicate, submitted)
    submitted.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.status == RequestStatus.MERGED
    assert duplicate.merged_into == submitted
    assert submitted.votes == 3
    assert set(submitted.tickets.all()) == {tickets[0], tickets[2]}
    assert set(submitted.clients.all()) == {companies.a, companies.b}
    # The duplicate's clock ended without a decision; the survivor's still runs.
    assert duplicate.rounds.get().outcome == RoundOutcome.WITHDRAWN
    assert submitted.rounds.get().ended_at is None
    with pytest.raises(actions.DevRequestError):
        actions.do_merge(staff.dev, submitted, duplicate)
    with pytest.raises(actions.DevRequestError):
        actions.do_merge(staff.dev, submitted, submitted)


def test_one_clock_runs_per_request(submitted):
    assert AgreementRound.objects.filter(request=submitted, ended_at__isnull=True).count() == 1
