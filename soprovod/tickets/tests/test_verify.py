"""`soprovod verify` for tickets: every SLA clock recomputed from its ticket's history agrees
with what the workflow, the import and the demo stored; a stored value that the history does
not give is reported (ticket number, field, stored, recomputed) and `--fix` rewrites it
through the action, audited. The check reads in bulk: its query count does not grow with
the number of tickets."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from soprovod.audit.models import AuditEvent
from soprovod.sla.models import ClockStatus, Metric, SlaClock
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, Ticket, TicketStatus, TicketType
from soprovod.tickets.verify import check_ticket_clocks
from soprovod.web.demo import build_demo

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


def lines(**kwargs):
    found = []
    tally = check_ticket_clocks(lambda d: found.append(d.line()), **kwargs)
    return found, tally


def verify(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def worked(companies, staff):
    """Tickets taken through the workflow: waits before and after the due time, a reopening,
    a consultation past five days, one still open."""

    def make(type, created, events):
        with time_machine.travel(created, tick=False):
            ticket = actions.do_create_ticket(
                companies.client1,
                client=companies.a,
                subject="Не работает считыватель",
                body="Считыватель на проходной не видит карты.",
                type=type,
                channel=Channel.PORTAL,
                created_at=created,
            )
        for status, at in events:
            with time_machine.travel(at, tick=False):
                ticket = Ticket.objects.get(pk=ticket.pk)
                if status == "reply":
                    actions.do_add_message(staff.support, ticket, "Смотрим", at=at)
                else:
                    actions.do_change_status(staff.support, ticket, status, at=at)
        return ticket

    W, OPEN, R = TicketStatus.WAITING_CLIENT, TicketStatus.OPEN, TicketStatus.RESOLVED
    made = [
        make(TicketType.EMERGENCY, msk(2026, 3, 3, 9, 0), [
            ("reply", msk(2026, 3, 3, 9, 10)), (W, msk(2026, 3, 3, 13, 31)),
            (OPEN, msk(2026, 3, 3, 17, 28)), (R, msk(2026, 3, 3, 17, 40)),
        ]),
        make(TicketType.STANDARD, msk(2026, 3, 2, 10, 0), [
            (W, msk(2026, 3, 3, 10, 0)), (OPEN, msk(2026, 3, 5, 10, 0)), (R, msk(2026, 3, 5, 12, 0)),
            (OPEN, msk(2026, 3, 6, 10, 0)), (R, msk(2026, 3, 6, 11, 0)),
        ]),
        make(TicketType.CONSULTATION, msk(2026, 3, 2, 10, 0), [
            ("reply", msk(2026, 3, 2, 11, 0)), (R, msk(2026, 3, 10, 12, 0)),
        ]),
        make(TicketType.STANDARD, msk(2026, 3, 2, 10, 0), [(W, msk(2026, 3, 3, 10, 0))]),
    ]  # fmt: skip
    return made


def test_tickets_worked_through_the_workflow_verify_clean(worked):
    found, tally = lines()
    assert (found, tally.checked) == ([], 4)


def test_a_small_demo_verifies_clean():
    build_demo(clients=20, months=2, seed=42, today=dt.date(2026, 11, 25))
    assert Ticket.objects.count() > 20
    code, output = verify()
    assert code == 0, output
    assert f"tickets: {Ticket.objects.count()} checked, 0 differences" in output


def test_a_wrong_stored_outcome_is_reported_and_fixed(worked, staff):
    consultation = worked[2]
    # What issue 9 found: a ceiling earlier than the target breached a ticket resolved on time.
    SlaClock.objects.filter(ticket=consultation, metric=Metric.RESOLUTION_CEILING).update(
        due_at=msk(2026, 3, 7, 10, 0), ceiling_at=msk(2026, 3, 7, 10, 0), status="breached"
    )
    number = consultation.pk

    code, output = verify("--only", "tickets")
    assert code == 1
    assert output.splitlines() == [
        f"ticket #{number} resolution_ceiling: stored 2026-03-07T10:00:00+03:00, "
        "recomputed 2026-03-10T13:00:00+03:00",
        f"ticket #{number} resolution_ceiling_ceiling_at: stored 2026-03-07T10:00:00+03:00, "
        "recomputed 2026-03-10T13:00:00+03:00",
        f"ticket #{number} resolution_ceiling_status: stored breached, recomputed met",
        "tickets: 4 checked, 3 differences",
    ]

    code, output = verify("--fix", "--only", "tickets")
    assert code == 0, output
    assert output.splitlines()[-1] == "tickets: 4 checked, 3 differences, 3 fixed"
    ceiling = SlaClock.objects.get(ticket=consultation, metric=Metric.RESOLUTION_CEILING)
    assert (ceiling.due_at, ceiling.status) == (msk(2026, 3, 10, 13, 0), ClockStatus.MET)
    event = AuditEvent.objects.filter(object_id=str(number), reason="verify --fix").get()
    assert event.changes["resolution_ceiling_status"] == ["breached", "met"]
    assert verify("--only", "tickets") == (0, "tickets: 4 checked, 0 differences\n")


def test_a_moved_due_time_is_reported(worked):
    emergency = worked[0]
    # The old rule: the pause begun after the due time was added to it.
    SlaClock.objects.filter(ticket=emergency, metric=Metric.RESOLUTION).update(
        due_at=msk(2026, 3, 3, 16, 57), paused_seconds=3 * 3600 + 57 * 60, late_paused_seconds=0
    )
    found, tally = lines()
    assert found == [
        f"ticket #{emergency.pk} resolution_due: stored 2026-03-03T16:57:00+03:00, "
        "recomputed 2026-03-03T13:00:00+03:00",
        f"ticket #{emergency.pk} resolution_paused_seconds: stored 14220, recomputed 0",
        f"ticket #{emergency.pk} resolution_late_paused_seconds: stored 0, recomputed 14220",
    ]
    assert tally.checked == 4


def test_the_check_reads_in_bulk(worked, django_assert_num_queries, companies):
    with django_assert_num_queries(4):  # bounds, calendars, then clocks and pauses per range
        lines()
    for _ in range(5):
        actions.do_create_ticket(
            companies.client1,
            client=companies.a,
            subject="Ещё",
            body="Ещё одно обращение",
            type=TicketType.STANDARD,
            channel=Channel.PORTAL,
        )
    with django_assert_num_queries(4):
        lines()


def test_the_data_migration_recomputes_old_clocks_with_a_rule_correction(worked):
    """Clocks stored under the old rules (a ceiling of five calendar days that breached a
    consultation resolved on time; a pause after the due time added to it) are recomputed;
    each changed outcome is in the audit trail, old → new, reason «rule correction»."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("soprovod.tickets.migrations.0004_recompute_clocks_issue9")
    emergency, consultation = worked[0], worked[2]
    SlaClock.objects.filter(ticket=consultation, metric=Metric.RESOLUTION_CEILING).update(
        due_at=msk(2026, 3, 7, 10, 0), ceiling_at=msk(2026, 3, 7, 10, 0), status="breached"
    )
    SlaClock.objects.filter(ticket=consultation, metric=Metric.RESOLUTION).update(
        ceiling_at=msk(2026, 3, 7, 10, 0)
    )
    SlaClock.objects.filter(ticket=emergency, metric=Metric.RESOLUTION).update(
        due_at=msk(2026, 3, 3, 16, 57), paused_seconds=14220, late_paused_seconds=0, status="met"
    )
    events = AuditEvent.objects.count()

    migration.recompute_clocks(apps, None)
    migration.recompute_clocks(apps, None)  # and a second run finds nothing left to do

    assert lines() == ([], lines()[1])
    assert AuditEvent.objects.count() == events + 2
    assert verify("--only", "audit")[0] == 0  # the corrections joined the hash chain
    corrected = {
        e.object_id: e.changes for e in AuditEvent.objects.filter(reason="rule correction")
    }
    assert corrected[str(consultation.pk)] == {
        "resolution_ceiling": ["2026-03-07T07:00:00+00:00", "2026-03-10T10:00:00+00:00"],
        "resolution_ceiling_ceiling_at": [
            "2026-03-07T07:00:00+00:00",
            "2026-03-10T10:00:00+00:00",
        ],
        "resolution_ceiling_status": ["breached", "met"],
        "resolution_ceiling_at": ["2026-03-07T07:00:00+00:00", "2026-03-10T10:00:00+00:00"],
        "sla_status": ["breached", "met"],
    }
    assert corrected[str(emergency.pk)] == {
        "resolution_due": ["2026-03-03T13:57:00+00:00", "2026-03-03T10:00:00+00:00"],
        "resolution_status": ["met", "breached"],
        "sla_status": ["met", "breached"],
    }


def test_an_imported_history_verifies_clean():
    from soprovod.clients.tests.factories import ClientFactory
    from soprovod.tickets.imports import import_tickets

    ClientFactory(external_id="CRM-1")
    rows = [
        "external_id,client_external_id,type,category,subject,created_at,"
        "first_response_at,resolved_at,on_hold,csat",
        # a wait straddling the due time, one after it, a New Year consultation, one open
        "I-1,CRM-1,emergency,Пропуска,Шлагбаум,2026-03-03T09:00,2026-03-03T09:10,"
        "2026-03-03T15:30,2026-03-03T12:00/2026-03-03T15:00,5",
        "I-2,CRM-1,emergency,Пропуска,Шлагбаум,2026-03-03T09:00,2026-03-03T09:10,"
        "2026-03-03T17:40,2026-03-03T13:31/2026-03-03T17:28,",
        "I-3,CRM-1,consultation,Отчёты,Отчёт,2025-12-29T10:00,2025-12-29T11:00,"
        "2026-01-14T12:00,2025-12-30T17:00/2026-01-12T10:00,4",
        "I-4,CRM-1,standard,Пропуска,Пропуск,2026-11-20T10:00,,,,",
    ]
    with time_machine.travel(msk(2026, 11, 25, 12, 0), tick=False):
        import_tickets("\n".join(rows).encode(), filename="tickets.csv")
        found, tally = lines()
    assert (found, tally.checked) == ([], 4)
    late = SlaClock.objects.get(ticket__external_id="I-2", metric=Metric.RESOLUTION)
    assert (late.due_at, late.status) == (msk(2026, 3, 3, 13, 0), ClockStatus.BREACHED)


def test_a_paused_clock_without_a_due_time_is_reported(worked, staff):
    ticket = worked[-1]  # still open
    actions.do_change_status(staff.support, ticket, TicketStatus.WAITING_CLIENT)
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert clock.paused_since is not None and clock.due_at is not None
    SlaClock.objects.filter(pk=clock.pk).update(due_at=None)
    found, _tally = lines()
    assert [line for line in found if f"#{ticket.pk}" in line and "resolution_due" in line]
    code, out = verify()
    assert code != 0 and "resolution_due" in out
