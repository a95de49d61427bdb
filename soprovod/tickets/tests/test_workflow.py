"""sla.md clock rules driven through the ticket workflow (actions), not the engine alone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from soprovod.core.errors import StaleObjectError
from soprovod.core.models import Notification
from soprovod.sla.models import ClockStatus, Metric, SlaClock
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db(transaction=False)


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def status(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric).status


@pytest.fixture
def open_ticket(companies):
    def make(created=None, type=TicketType.STANDARD, category="Пропуска"):
        created = created or msk(2026, 3, 2, 10, 0)
        return actions.do_create_ticket(
            companies.client1,
            client=companies.a,
            contact=companies.contact_a,
            subject="Не открывается шлагбаум",
            body="Шлагбаум на въезде не реагирует на пропуск.",
            type=type,
            channel=Channel.PORTAL,
            category=CategoryFactory(name=category),
            created_at=created,
        )

    return make


def test_internal_note_does_not_stop_first_response_but_public_reply_does(open_ticket, staff):
    ticket = open_ticket()
    actions.do_add_message(
        staff.support, ticket, "Проверю логи", internal=True, at=msk(2026, 3, 2, 10, 5)
    )
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE).stopped_at is None
    actions.do_add_message(
        staff.support, ticket, "Ответ", is_automatic=True, at=msk(2026, 3, 2, 10, 6)
    )
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE).stopped_at is None
    actions.do_add_message(staff.support, ticket, "Смотрим", at=msk(2026, 3, 2, 11, 0))
    ticket.refresh_from_db()
    assert ticket.first_response_at == msk(2026, 3, 2, 11, 0)
    assert ticket.status == TicketStatus.OPEN
    assert status(ticket, Metric.FIRST_RESPONSE) == ClockStatus.MET


def test_client_reply_does_not_count_as_first_response(open_ticket, companies):
    ticket = open_ticket()
    actions.do_add_message(companies.client1, ticket, "Есть новости?", at=msk(2026, 3, 2, 10, 30))
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE).stopped_at is None


def test_waiting_for_client_pauses_and_client_reply_resumes(open_ticket, staff, companies):
    ticket = open_ticket()
    actions.do_change_status(
        staff.support, ticket, TicketStatus.WAITING_CLIENT, at=msk(2026, 3, 2, 12, 0)
    )
    actions.do_add_message(companies.client1, ticket, "Фото приложил", at=msk(2026, 3, 3, 12, 0))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert clock.paused_seconds == 9 * 3600
    assert clock.due_at == msk(2026, 3, 5, 16, 0)


def test_resolve_on_time_meets_and_reopen_continues(open_ticket, staff, companies):
    ticket = open_ticket()
    actions.do_change_status(
        staff.support, ticket, TicketStatus.RESOLVED, at=msk(2026, 3, 3, 10, 0)
    )
    assert status(ticket, Metric.RESOLUTION) == ClockStatus.MET
    ticket.refresh_from_db()
    actions.do_reopen(companies.client1, ticket, at=msk(2026, 3, 5, 10, 0))
    ticket.refresh_from_db()
    assert ticket.is_repeat and ticket.reopened_count == 1
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert clock.due_at == msk(2026, 3, 6, 16, 0)


def test_client_cannot_reopen_after_the_window(open_ticket, staff, companies):
    ticket = open_ticket()
    actions.do_change_status(
        staff.support, ticket, TicketStatus.RESOLVED, at=msk(2026, 3, 3, 10, 0)
    )
    ticket.refresh_from_db()
    with pytest.raises(actions.TicketError):
        actions.do_reopen(companies.client1, ticket, at=msk(2026, 3, 11, 10, 0))


def test_closing_freezes_the_outcome(open_ticket, staff):
    ticket = open_ticket()
    actions.do_change_status(
        staff.support, ticket, TicketStatus.RESOLVED, at=msk(2026, 3, 3, 10, 0)
    )
    actions.do_change_status(staff.support, ticket, TicketStatus.CLOSED, at=msk(2026, 3, 4, 10, 0))
    assert all(SlaClock.objects.filter(ticket=ticket).values_list("frozen", flat=True))
    with pytest.raises(actions.TicketError):
        actions.do_change_status(staff.support, ticket, TicketStatus.OPEN)


def test_type_change_recomputes_clocks(open_ticket, staff):
    ticket = open_ticket()
    with time_machine.travel(msk(2026, 3, 2, 10, 5), tick=False):
        actions.do_update_ticket(staff.support, ticket, type=TicketType.EMERGENCY)
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert clock.due_at == msk(2026, 3, 2, 10, 15)


def test_stale_version_is_refused_and_nothing_changes(open_ticket, staff):
    ticket = open_ticket()
    opened_at_version = ticket.version
    actions.do_add_message(staff.support, ticket, "Первый", expected_version=opened_at_version)
    with pytest.raises(StaleObjectError):
        actions.do_add_message(staff.engineer, ticket, "Второй", expected_version=opened_at_version)
    assert ticket.messages.filter(body="Второй").count() == 0


def test_repeat_when_same_client_and_category_resolved_within_30_days(open_ticket, staff):
    first = open_ticket(created=msk(2026, 3, 2, 10, 0))
    actions.do_change_status(staff.support, first, TicketStatus.RESOLVED, at=msk(2026, 3, 3, 10, 0))
    repeat = open_ticket(created=msk(2026, 4, 1, 10, 0))
    other_category = open_ticket(created=msk(2026, 4, 1, 11, 0), category="Мобильное приложение")
    late = open_ticket(created=msk(2026, 4, 3, 10, 0))
    assert repeat.is_repeat and repeat.repeat_of == first
    assert not other_category.is_repeat
    assert not late.is_repeat


def test_attachment_limits(open_ticket, staff, settings):
    ticket = open_ticket()
    with pytest.raises(actions.AttachmentError, match="virus.exe"):
        actions.do_add_message(
            staff.support, ticket, "см.", attachments=[SimpleUploadedFile("virus.exe", b"MZ")]
        )
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(actions.AttachmentError, match="big.pdf"):
        actions.do_add_message(
            staff.support, ticket, "см.", attachments=[SimpleUploadedFile("big.pdf", b"x" * 11)]
        )
    assert ticket.messages.count() == 1


def test_notifications_are_sent_after_commit_only(
    open_ticket, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()
    assert Notification.objects.filter(
        recipient=staff.support, key=f"ticket:{ticket.pk}:created"
    ).exists()


def test_escalation_needs_a_reason_and_notifies_the_head(
    open_ticket, staff, django_capture_on_commit_callbacks
):
    ticket = open_ticket()
    with pytest.raises(actions.TicketError):
        actions.do_escalate(staff.support, ticket, "head", "")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_escalate(staff.support, ticket, "head", "Клиент грозит расторжением")
    assert Notification.objects.filter(recipient=staff.head).count() == 1


def test_csat_only_for_resolved_tickets(open_ticket, staff, companies):
    ticket = open_ticket()
    with pytest.raises(actions.TicketError):
        actions.do_rate(companies.client1, ticket, 5)
    actions.do_change_status(
        staff.support, ticket, TicketStatus.RESOLVED, at=msk(2026, 3, 3, 10, 0)
    )
    ticket.refresh_from_db()
    actions.do_rate(companies.client1, ticket, 4, "Спасибо")
    ticket.refresh_from_db()
    assert ticket.csat_score == 4


def test_a_closed_tickets_rating_is_final_in_the_action_itself(open_ticket, staff, companies):
    ticket = open_ticket()
    actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    actions.do_rate(companies.client1, ticket, 2, "Долго")
    actions.do_rate(companies.client1, ticket, 3)  # still resolved: the client may change it
    actions.do_change_status(staff.support, ticket, TicketStatus.CLOSED)
    with translation.override("en"), pytest.raises(actions.TicketError, match="already rated"):
        actions.do_rate(companies.client1, ticket, 5)
    ticket.refresh_from_db()
    assert ticket.csat_score == 3


def test_a_stale_ticket_object_cannot_slip_a_second_rating_past_the_rule(
    open_ticket, staff, companies
):
    ticket = open_ticket()
    actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    stale = type(ticket).objects.get(pk=ticket.pk)  # read before the rating and the closing
    actions.do_rate(companies.client1, ticket, 4)
    actions.do_change_status(staff.support, ticket, TicketStatus.CLOSED)
    with translation.override("en"), pytest.raises(actions.TicketError, match="already rated"):
        actions.do_rate(companies.client1, stale, 1)
    ticket.refresh_from_db()
    assert ticket.csat_score == 4
