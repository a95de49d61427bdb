"""sla.md «Target and ceiling» and «Pauses and due times» through the real workflow: the
ceiling is never earlier than the target and never turns a ticket resolved on time into a
breach, it waits with the client, it escalates to the CEO only a ticket past both; a pause
moves a due time only when it starts before it. The same histories imported give identical
clocks. Every expected instant is worked out by hand on the Russian production calendar
(Mon–Fri 09:00–18:00 Moscow; 9 March 2026 and 31 December 2025 – 11 January 2026 off)."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine

from soprovod.clients.tests.factories import ClientFactory
from soprovod.sla.models import ClockStatus, Metric, SlaClock
from soprovod.tickets import actions
from soprovod.tickets import sla_checker as checker
from soprovod.tickets.exports import export_tickets
from soprovod.tickets.imports import import_tickets
from soprovod.tickets.models import Channel, Escalation, Ticket, TicketStatus, TicketType

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=MSK)
MET, BREACHED, PENDING = ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.PENDING


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def live(companies, staff):
    """A ticket taken through the actions: created, then events ("reply", "waiting",
    "client" — the client writes back —, "resolve") at their times."""

    def make(type, created, events=()):
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
        for kind, at in events:
            ticket = Ticket.objects.get(pk=ticket.pk)
            with time_machine.travel(at, tick=False):
                if kind == "reply":
                    actions.do_add_message(staff.support, ticket, "Смотрим", at=at)
                elif kind == "client":
                    actions.do_add_message(None, ticket, "Проверили", at=at, from_staff=False)
                elif kind == "waiting":
                    actions.do_change_status(
                        staff.support, ticket, TicketStatus.WAITING_CLIENT, at=at
                    )
                elif kind == "resolve":
                    actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED, at=at)
        return Ticket.objects.get(pk=ticket.pk)

    return make


def clocks_of(ticket) -> dict[str, SlaClock]:
    return {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}


def figures(ticket) -> dict:
    """What the clocks store, per metric, without keys."""
    names = (
        "due_at", "ceiling_at", "paused_since", "paused_seconds", "late_paused_seconds",
        "stopped_at", "elapsed_seconds", "status",
    )  # fmt: skip
    return {m: [getattr(c, n) for n in names] for m, c in clocks_of(ticket).items()}


def imported(type, created, first, resolved, holds=()) -> Ticket:
    """The same history through the ticket import (its replay)."""
    ClientFactory(external_id="CRM-9")
    number = Ticket.objects.count() + 1
    row = [
        f"H-{number}", "CRM-9", type, "Пропуска", "Обращение", created.isoformat(),
        first.isoformat() if first else "", resolved.isoformat() if resolved else "",
        ";".join(f"{a.isoformat()}/{b.isoformat()}" for a, b in holds), "",
    ]  # fmt: skip
    out = io.StringIO()
    header = "external_id client_external_id type category subject created_at"
    header += " first_response_at resolved_at on_hold csat"
    csv.writer(out).writerows([header.split(), row])
    with time_machine.travel(NOW, tick=False):
        import_tickets(out.getvalue().encode(), filename="tickets.csv")
    return Ticket.objects.get(external_id=f"H-{number}")


def exported_rows() -> list[dict]:
    out = io.StringIO(newline="")
    export_tickets(out, now=NOW)
    return list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))


def same_clocks(acted: Ticket, replayed: Ticket) -> None:
    assert figures(replayed) == figures(acted)


# ---- the ceiling and the target ----------------------------------------------------------


def test_consultation_resolved_within_its_target_after_five_days_meets_sla(live, staff):
    created = msk(2026, 3, 2, 10, 0)  # Monday
    # 48 business hours: Mon 8 + Tue–Fri 36 = 44 by Friday 18:00; Monday 9 March is off;
    # Tuesday 09:00 + 4 h = 13:00. The five calendar days end Saturday 10:00, earlier, so the
    # ceiling is the target itself.
    events = [("reply", msk(2026, 3, 2, 11, 0)), ("resolve", msk(2026, 3, 10, 12, 0))]
    ticket = live(TicketType.CONSULTATION, msk(2026, 3, 2, 10, 0), events[:1])
    clocks = clocks_of(ticket)
    assert clocks[Metric.RESOLUTION].due_at == msk(2026, 3, 10, 13, 0)
    assert clocks[Metric.RESOLUTION_CEILING].due_at == msk(2026, 3, 10, 13, 0)
    assert clocks[Metric.RESOLUTION].ceiling_at == msk(2026, 3, 10, 13, 0)

    # Sunday: past five calendar days, within the target — no escalation, to the CEO or anyone.
    result = checker.check_sla(msk(2026, 3, 8, 12, 0))
    assert result.escalations == 0 and not Escalation.objects.exists()

    ticket = live(TicketType.CONSULTATION, created, events)
    clocks = clocks_of(ticket)
    assert [clocks[m].status for m in Metric.values] == [MET, MET, MET]
    (row,) = [r for r in exported_rows() if r["number"] == str(ticket.pk)]
    assert (row["first_response_status"], row["resolution_status"], row["sla_status"]) == (
        "met",
        "met",
        "met",
    )
    assert row["resolution_ceiling"] == row["resolution_due"] == "2026-03-10T13:00:00+03:00"
    same_clocks(
        ticket,
        imported("consultation", created, msk(2026, 3, 2, 11, 0), msk(2026, 3, 10, 12, 0)),
    )


def test_standard_over_a_weekend_and_a_holiday_gets_its_target_as_ceiling(live):
    # Friday 6 March 15:00: Fri 3 h, Monday 9 March off, Tue 9, Wed 9 = 21, Thursday +3 h =
    # 12:00. Five calendar days end Wednesday 15:00: earlier, so the ceiling is Thursday 12:00.
    created = msk(2026, 3, 6, 15, 0)
    ticket = live(TicketType.STANDARD, created, [("resolve", msk(2026, 3, 12, 11, 0))])
    clocks = clocks_of(ticket)
    assert clocks[Metric.RESOLUTION].due_at == msk(2026, 3, 12, 12, 0)
    assert clocks[Metric.RESOLUTION_CEILING].due_at == msk(2026, 3, 12, 12, 0)
    assert clocks[Metric.RESOLUTION].status == MET
    assert clocks[Metric.RESOLUTION_CEILING].status == MET
    same_clocks(ticket, imported("standard", created, None, msk(2026, 3, 12, 11, 0)))


def test_standard_within_the_week_keeps_five_calendar_days_as_ceiling(live):
    # Monday 10:00: target Wednesday 16:00, five days Saturday 10:00 — the later one.
    created = msk(2026, 3, 2, 10, 0)
    ticket = live(TicketType.STANDARD, created)
    clocks = clocks_of(ticket)
    assert clocks[Metric.RESOLUTION].due_at == msk(2026, 3, 4, 16, 0)
    assert clocks[Metric.RESOLUTION_CEILING].due_at == msk(2026, 3, 7, 10, 0)


def test_standard_over_the_new_year_holidays(live):
    # Monday 29 December 2025 10:00: Mon 8 h + Tue 9 h = 17; 31 December to 11 January off;
    # Monday 12 January 09:00 + 7 h = 16:00. Five days (3 January) are earlier.
    created, reply, resolved = (
        msk(2025, 12, 29, 10, 0),
        msk(2025, 12, 29, 11, 0),
        msk(2026, 1, 12, 15, 0),
    )
    ticket = live(TicketType.STANDARD, created, [("reply", reply), ("resolve", resolved)])
    clocks = clocks_of(ticket)
    assert clocks[Metric.RESOLUTION].due_at == msk(2026, 1, 12, 16, 0)
    assert clocks[Metric.RESOLUTION_CEILING].due_at == msk(2026, 1, 12, 16, 0)
    assert [clocks[m].status for m in Metric.values] == [MET, MET, MET]
    assert clocks[Metric.FIRST_RESPONSE].due_at == msk(2025, 12, 29, 14, 0)
    same_clocks(ticket, imported("standard", created, reply, resolved))


def test_the_ceiling_waits_with_the_client_over_the_new_year(live):
    # Waiting from Tuesday 30 December 17:00 to Monday 12 January 10:00: 2 business hours
    # (Dec 30 17–18, Jan 12 9–10) and 12 days 17 hours of calendar time.
    created = msk(2025, 12, 29, 10, 0)
    events = [
        ("reply", msk(2025, 12, 29, 11, 0)),
        ("waiting", msk(2025, 12, 30, 17, 0)),
        ("client", msk(2026, 1, 12, 10, 0)),
        ("resolve", msk(2026, 1, 12, 17, 30)),
    ]
    ticket = live(TicketType.STANDARD, created, events)
    clocks = clocks_of(ticket)
    resolution, ceiling = clocks[Metric.RESOLUTION], clocks[Metric.RESOLUTION_CEILING]
    assert resolution.paused_seconds == 2 * 3600
    assert resolution.due_at == msk(2026, 1, 12, 18, 0)  # 16:00 + 2 h
    # Five days to Saturday 3 January 10:00, plus 12 days 17 hours: Friday 16 January 03:00.
    assert ceiling.paused_seconds == (12 * 24 + 17) * 3600
    assert ceiling.due_at == msk(2026, 1, 16, 3, 0)
    assert (resolution.status, ceiling.status) == (MET, MET)
    # Run: Dec 29 8 h + Dec 30 9 h + Jan 12 8.5 h, less the 2 h waited.
    assert resolution.elapsed_seconds == (8 + 9 + 8.5 - 2) * 3600
    same_clocks(
        ticket,
        imported(
            "standard",
            created,
            msk(2025, 12, 29, 11, 0),
            msk(2026, 1, 12, 17, 30),
            [(msk(2025, 12, 30, 17, 0), msk(2026, 1, 12, 10, 0))],
        ),
    )


def test_past_the_ceiling_escalates_to_the_ceo_only_past_the_target_too(live):
    # Standard, Monday 2 March 10:00, waits for the client Tuesday 10:00 – Thursday 10:00:
    # 18 business hours, so resolution is due Friday 16:00; the ceiling, Saturday 10:00 plus
    # the 48 hours waited, is Monday 9 March 10:00.
    created = msk(2026, 3, 2, 10, 0)
    events = [
        ("reply", msk(2026, 3, 2, 10, 30)),
        ("waiting", msk(2026, 3, 3, 10, 0)),
        ("client", msk(2026, 3, 5, 10, 0)),
    ]
    ticket = live(TicketType.STANDARD, created, events)
    clocks = clocks_of(ticket)
    assert clocks[Metric.RESOLUTION].due_at == msk(2026, 3, 6, 16, 0)
    assert clocks[Metric.RESOLUTION_CEILING].due_at == msk(2026, 3, 9, 10, 0)

    checker.check_sla(msk(2026, 3, 7, 10, 1))  # five days from creation, not past the ceiling
    assert not Escalation.objects.filter(level=Escalation.Level.CEO).exists()
    assert Escalation.objects.filter(source=Escalation.Source.SLA_BREACH).count() == 1

    checker.check_sla(msk(2026, 3, 9, 10, 1))
    ceo = Escalation.objects.get(level=Escalation.Level.CEO)
    assert ceo.source == Escalation.Source.CEILING and ceo.ticket_id == ticket.pk


def test_no_export_row_has_a_ceiling_before_its_due_time(live):
    live(TicketType.CONSULTATION, msk(2026, 3, 2, 10, 0))
    live(TicketType.CONSULTATION, msk(2026, 3, 6, 17, 0))
    live(TicketType.STANDARD, msk(2025, 12, 29, 10, 0))
    live(TicketType.STANDARD, msk(2026, 3, 2, 10, 0), [("waiting", msk(2026, 3, 2, 12, 0))])
    live(TicketType.EMERGENCY, msk(2026, 3, 2, 10, 0))
    rows = exported_rows()
    assert len(rows) == 5
    for row in rows:
        if row["resolution_ceiling"]:
            assert dt.datetime.fromisoformat(row["resolution_ceiling"]) >= (
                dt.datetime.fromisoformat(row["resolution_due"])
            ), row


# ---- pauses and due times (emergency: 4 business hours, created Tuesday 09:00, due 13:00) --

CREATED = msk(2026, 3, 3, 9, 0)
REPLY = msk(2026, 3, 3, 9, 10)


@pytest.mark.parametrize(
    ("hold", "resolved", "due", "paused", "late", "status"),
    [
        # before the due time: an hour paused, due 14:00
        ((msk(2026, 3, 3, 10, 0), msk(2026, 3, 3, 11, 0)), msk(2026, 3, 3, 13, 30),
         msk(2026, 3, 3, 14, 0), 3600, 0, MET),
        # straddling it: begun at 12:00, so the three hours move it to 16:00
        ((msk(2026, 3, 3, 12, 0), msk(2026, 3, 3, 15, 0)), msk(2026, 3, 3, 15, 30),
         msk(2026, 3, 3, 16, 0), 3 * 3600, 0, MET),
        # after it (the ticket): the due time stays 13:00 and the breach stays
        ((msk(2026, 3, 3, 13, 31), msk(2026, 3, 3, 17, 28)), msk(2026, 3, 3, 17, 40),
         msk(2026, 3, 3, 13, 0), 0, 3 * 3600 + 57 * 60, BREACHED),
    ],
    ids=["before", "straddling", "after"],
)  # fmt: skip
def test_a_pause_moves_the_due_time_only_when_it_starts_before_it(
    live, hold, resolved, due, paused, late, status
):
    begin, end = hold
    ticket = live(TicketType.EMERGENCY, CREATED, [("reply", REPLY), ("waiting", begin)])
    waiting = clocks_of(ticket)[Metric.RESOLUTION]
    assert waiting.paused_since == begin
    # While waiting, a clock already past its due time is breached, not pending.
    assert waiting.status == (BREACHED if status == BREACHED else PENDING)

    ticket = live(
        TicketType.EMERGENCY,
        CREATED,
        [("reply", REPLY), ("waiting", begin), ("client", end), ("resolve", resolved)],
    )
    resolution = clocks_of(ticket)[Metric.RESOLUTION]
    assert resolution.due_at == due
    assert (resolution.paused_seconds, resolution.late_paused_seconds) == (paused, late)
    assert resolution.status == status
    # Time run: 09:00 to the resolution, less every pause (a late one too).
    ran = (resolved - CREATED).total_seconds() - (end - begin).total_seconds()
    assert resolution.elapsed_seconds == ran
    (row,) = [r for r in exported_rows() if r["number"] == str(ticket.pk)]
    assert row["resolution_due"] == due.isoformat()
    assert row["resolution_status"] == status

    same_clocks(ticket, imported("emergency", CREATED, REPLY, resolved, [(begin, end)]))
