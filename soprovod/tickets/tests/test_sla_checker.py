"""sla.md «Warnings and escalations»: the checker warns at 80 %, escalates at breach, tells
the CEO about emergencies and ceilings, and does each exactly once — even across a crash."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from soprovod.core.models import Notification
from soprovod.sla import clocks
from soprovod.sla.models import ClockStatus, Metric, SlaClock, SlaNotification, SlaPolicy
from soprovod.tickets import actions
from soprovod.tickets import sla_checker as checker
from soprovod.tickets.models import Channel, Escalation, TicketStatus, TicketType
from soprovod.tickets.tasks import check_sla as check

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def new_ticket(companies, staff):
    def make(created=None, type=TicketType.STANDARD, assignee=None):
        created = created or msk(2026, 3, 2, 10, 0)  # a Monday
        with time_machine.travel(created, tick=False):
            return actions.do_create_ticket(
                companies.client1,
                client=companies.a,
                contact=companies.contact_a,
                subject="Не работает считыватель",
                body="Считыватель на проходной не видит карты.",
                type=type,
                channel=Channel.PORTAL,
                assignee=assignee or staff.engineer,
                created_at=created,
            )

    return make


def clock(ticket, metric) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def recipients(key: str) -> set[str]:
    return set(Notification.objects.filter(key=key).values_list("recipient__username", flat=True))


def sla_keys(clock: SlaClock, suffix: str) -> str:
    return f"sla:{clock.pk}:{int(clock.due_at.timestamp())}:{suffix}"


def test_warning_at_80_percent_goes_to_assignee_and_support_managers(new_ticket):
    ticket = new_ticket()  # first response due 14:00: 80 % of 4 h is reached at 13:12
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert checker.check_sla(msk(2026, 3, 2, 13, 11, 59)).warnings == 0
    result = checker.check_sla(msk(2026, 3, 2, 13, 12))
    assert result.warnings == 1 and result.breaches == 0
    assert recipients(sla_keys(first, "warning")) == {"engineer", "support"}
    assert SlaNotification.objects.filter(clock=first, threshold="warning").count() == 1


def test_warning_instant_counts_business_time_only(new_ticket):
    # Resolution: 24 business hours; 80 % = 19 h 12 min = Mon 8 h + Tue 9 h + Wed 2 h 12 min.
    ticket = new_ticket()
    resolution = clock(ticket, Metric.RESOLUTION)
    checker.check_sla(msk(2026, 3, 4, 11, 11))
    assert not SlaNotification.objects.filter(clock=resolution).exists()
    checker.check_sla(msk(2026, 3, 4, 11, 12))
    assert SlaNotification.objects.filter(clock=resolution, threshold="warning").exists()


def test_warning_respects_the_policy_ratio(new_ticket):
    SlaPolicy.objects.filter(is_default=True).update(warning_ratio="0.50")
    ticket = new_ticket()  # 50 % of 4 h: 12:00
    checker.check_sla(msk(2026, 3, 2, 12, 0))
    assert SlaNotification.objects.filter(
        clock=clock(ticket, Metric.FIRST_RESPONSE), threshold="warning"
    ).exists()


def test_each_notice_is_sent_once_however_often_the_checker_runs(new_ticket):
    ticket = new_ticket()
    for minute in range(12, 20):
        checker.check_sla(msk(2026, 3, 2, 13, minute))
    checker.check_sla(msk(2026, 3, 2, 14, 1))
    checker.check_sla(msk(2026, 3, 2, 14, 2))
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert SlaNotification.objects.filter(clock=first).count() == 2  # warning + breach
    assert Notification.objects.filter(key=sla_keys(first, "warning")).count() == 2
    assert Notification.objects.filter(key=sla_keys(first, "breach")).count() == 2
    assert Escalation.objects.filter(ticket=ticket).count() == 1


def test_breach_notifies_managers_and_head_and_escalates_to_the_head(new_ticket):
    ticket = new_ticket()
    result = checker.check_sla(msk(2026, 3, 2, 14, 0, 1))
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert (result.breaches, result.escalations) == (1, 1)
    assert first.status == ClockStatus.BREACHED  # marked by the same run
    assert recipients(sla_keys(first, "breach")) == {"support", "head"}
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.level == Escalation.Level.HEAD
    assert escalation.source == Escalation.Source.SLA_BREACH
    assert escalation.key == sla_keys(first, "head")
    assert escalation.client == ticket.client
    assert not recipients(sla_keys(first, "ceo"))


def test_not_due_yet_at_the_due_instant_itself(new_ticket):
    ticket = new_ticket()
    assert checker.check_sla(msk(2026, 3, 2, 14, 0)).breaches == 0
    assert clock(ticket, Metric.FIRST_RESPONSE).status == ClockStatus.PENDING


def test_emergency_breach_is_escalated_to_the_ceo(new_ticket):
    ticket = new_ticket(created=msk(2026, 3, 7, 12, 0), type=TicketType.EMERGENCY)  # Saturday
    checker.check_sla(msk(2026, 3, 7, 12, 16))  # first response: 15 minutes, 24/7
    first = clock(ticket, Metric.FIRST_RESPONSE)
    levels = set(Escalation.objects.filter(ticket=ticket).values_list("level", flat=True))
    assert levels == {Escalation.Level.HEAD, Escalation.Level.CEO}
    assert recipients(sla_keys(first, "ceo")) == {"ceo"}


def test_ticket_past_its_ceiling_is_escalated_to_the_ceo(new_ticket, staff):
    ticket = new_ticket()
    actions.do_add_message(staff.support, ticket, "Смотрим", at=msk(2026, 3, 2, 11, 0))
    # Resolution due Wed 16:00, extended to Friday 18:00; the ceiling is Sat 10:00.
    with time_machine.travel(msk(2026, 3, 3, 12, 0), tick=False):
        actions.do_extend_due(staff.support, ticket, msk(2026, 3, 6, 18, 0), "Ждём поставщика")
    checker.check_sla(msk(2026, 3, 7, 10, 0, 1))
    ceiling = clock(ticket, Metric.RESOLUTION_CEILING)
    escalation = Escalation.objects.get(key=sla_keys(ceiling, "ceo"))
    assert escalation.source == Escalation.Source.CEILING
    assert Escalation.objects.filter(key=sla_keys(ceiling, "head")).exists()
    assert recipients(sla_keys(ceiling, "ceo")) == {"ceo"}


def test_extension_gives_a_new_due_time_and_a_new_notice(new_ticket, staff):
    ticket = new_ticket()
    actions.do_add_message(staff.support, ticket, "Смотрим", at=msk(2026, 3, 2, 11, 0))
    checker.check_sla(msk(2026, 3, 4, 15, 0))  # warned: 80 % of 24 h was Wed 11:12
    resolution = clock(ticket, Metric.RESOLUTION)
    assert SlaNotification.objects.filter(clock=resolution, threshold="warning").count() == 1
    with time_machine.travel(msk(2026, 3, 4, 15, 5), tick=False):
        actions.do_extend_due(staff.support, ticket, msk(2026, 3, 5, 18, 0), "Ждём поставщика")
    checker.check_sla(msk(2026, 3, 4, 16, 1))  # the old due time passed: nothing breached
    assert not SlaNotification.objects.filter(clock=resolution, threshold="breach").exists()
    checker.check_sla(msk(2026, 3, 5, 18, 1))
    assert SlaNotification.objects.filter(clock=resolution, threshold="breach").count() == 1


def test_a_due_time_already_passed_is_not_extended(new_ticket, staff):
    """sla.md «Pauses and due times»: a clock already past its due time stays breached."""
    ticket = new_ticket()
    checker.check_sla(msk(2026, 3, 4, 16, 1))  # resolution breached (due Wed 16:00)
    with (
        time_machine.travel(msk(2026, 3, 4, 16, 5), tick=False),
        pytest.raises(clocks.ExtensionError),
    ):
        actions.do_extend_due(staff.support, ticket, msk(2026, 3, 5, 18, 0), "Ждём поставщика")
    resolution = clock(ticket, Metric.RESOLUTION)
    assert (resolution.due_at, resolution.extension_seconds) == (msk(2026, 3, 4, 16, 0), 0)
    assert resolution.status == ClockStatus.BREACHED


def test_stopped_and_paused_clocks_are_left_alone(new_ticket, staff):
    replied = new_ticket()
    actions.do_add_message(staff.support, replied, "Смотрим", at=msk(2026, 3, 2, 10, 30))
    waiting = new_ticket()
    actions.do_change_status(
        staff.support, waiting, TicketStatus.WAITING_CLIENT, at=msk(2026, 3, 2, 10, 30)
    )
    checker.check_sla(msk(2026, 3, 4, 15, 0))  # past 80 % of an unpaused resolution
    assert not SlaNotification.objects.filter(clock=clock(replied, Metric.FIRST_RESPONSE))
    assert not SlaNotification.objects.filter(clock=clock(waiting, Metric.RESOLUTION))
    assert SlaNotification.objects.filter(clock=clock(replied, Metric.RESOLUTION))


def test_resolved_tickets_are_not_checked(new_ticket, staff):
    ticket = new_ticket()
    actions.do_change_status(
        staff.support, ticket, TicketStatus.RESOLVED, at=msk(2026, 3, 2, 11, 0)
    )
    result = checker.check_sla(msk(2026, 3, 20, 10, 0))
    assert (result.warnings, result.breaches) == (0, 0)
    assert not Escalation.objects.exists()


class WorkerKilled(BaseException):
    """Stands for the worker process dying: not an error the checker may catch."""


def test_worker_killed_mid_run_loses_and_doubles_nothing(new_ticket, monkeypatch):
    tickets = [new_ticket(created=msk(2026, 3, 2, 10, minute)) for minute in range(5)]
    announce = checker._announce_breach
    calls = []

    def dies_on_the_third(*args, **kwargs):
        calls.append(args[0].pk)
        if len(calls) == 3:
            raise WorkerKilled
        return announce(*args, **kwargs)

    monkeypatch.setattr(checker, "_announce_breach", dies_on_the_third)
    with pytest.raises(WorkerKilled):
        checker.check_sla(msk(2026, 3, 2, 14, 10))  # every first response is breached
    assert SlaNotification.objects.filter(threshold="breach").count() == 2
    assert Escalation.objects.count() == 2

    monkeypatch.setattr(checker, "_announce_breach", announce)
    result = checker.check_sla(msk(2026, 3, 2, 14, 11))
    assert result.breaches == 3
    for ticket in tickets:
        first = clock(ticket, Metric.FIRST_RESPONSE)
        assert SlaNotification.objects.filter(clock=first, threshold="breach").count() == 1
        assert Escalation.objects.filter(key=sla_keys(first, "head")).count() == 1
        assert Notification.objects.filter(key=sla_keys(first, "breach")).count() == 2


def test_an_error_on_one_clock_does_not_block_the_others(new_ticket, monkeypatch):
    new_ticket(created=msk(2026, 3, 2, 10, 0))
    new_ticket(created=msk(2026, 3, 2, 10, 1))
    announce = checker._announce_breach
    calls = []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return announce(*args, **kwargs)

    monkeypatch.setattr(checker, "_announce_breach", fails_once)
    result = checker.check_sla(msk(2026, 3, 2, 14, 10))
    assert (result.failed, result.breaches) == (1, 1)
    assert checker.check_sla(msk(2026, 3, 2, 14, 11)).breaches == 1  # the failed one, retried


def test_a_notice_already_recorded_is_not_sent_again(new_ticket):
    """Two workers racing: the unique (clock, threshold, due) row decides who sends."""
    ticket = new_ticket()
    first = clock(ticket, Metric.FIRST_RESPONSE)
    now = msk(2026, 3, 2, 14, 10)
    rules = checker._Rules.load()
    assert checker._handle_clock(first.pk, "breach", first.due_at, now, rules) == 1
    assert checker._handle_clock(first.pk, "breach", first.due_at, now, rules) is None
    assert Escalation.objects.count() == 1


def test_sla_check_task_runs_the_checker():
    assert check.delay().get() == {
        "marked_breached": 0,
        "candidates": 0,
        "warnings": 0,
        "breaches": 0,
        "escalations": 0,
        "failed": 0,
    }


def test_periodic_jobs_are_scheduled(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"sla.check", "tickets.close_resolved"} <= schedule
