"""The agenda on hand-made data: each section pulls the right records as of the meeting
time, and the agenda stored at the start does not change afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from soprovod.clients.models import ClientStatus
from soprovod.clients.tests.factories import ClientFactory
from soprovod.devrequests.models import AgreementRound, DevRequest, RequestKind, RequestStatus
from soprovod.handoffs.models import HandoffRound
from soprovod.handoffs.tests.factories import make_handoff
from soprovod.health.models import Band, HealthScore
from soprovod.meetings import actions, agenda
from soprovod.meetings.models import MeetingKind
from soprovod.meetings.tests import factories as f
from soprovod.meetings.tests.conftest import msk
from soprovod.projects.tests.factories import open_project
from soprovod.sla.models import ClockStatus, Metric, TicketType
from soprovod.success.models import Claim, ClaimDirection
from soprovod.tickets.models import TicketStatus
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

MONDAY = msk(2026, 10, 19, 10, 0)


def records(built: agenda.Agenda, key: str) -> list[tuple[str, int | None]]:
    section = next(s for s in built.sections if s.key == key)
    return [(item.kind, item.record_id) for item in section.items]


@pytest.fixture
def team(staff):
    the_series = f.series(MeetingKind.TEAM, chair=staff.head, participants=[staff.support])
    return f.meeting(the_series, MONDAY)


def test_breaches_of_last_week_only(team):
    in_week = TicketFactory(subject="Не открывается шлагбаум")
    f.clock(
        in_week,
        due_at=msk(2026, 10, 15, 12, 0),
        stopped_at=msk(2026, 10, 15, 14, 0),
        status=ClockStatus.BREACHED,
    )
    still_running = TicketFactory()
    f.clock(still_running, due_at=msk(2026, 10, 18, 12, 0))
    week_before = TicketFactory()
    f.clock(
        week_before,
        due_at=msk(2026, 10, 10, 12, 0),
        stopped_at=msk(2026, 10, 10, 13, 0),
        status=ClockStatus.BREACHED,
    )
    met = TicketFactory()
    f.clock(
        met,
        due_at=msk(2026, 10, 16, 12, 0),
        stopped_at=msk(2026, 10, 16, 11, 0),
        status=ClockStatus.MET,
    )
    # The ceiling never makes a ticket breach SLA (sla.md).
    ceiling = TicketFactory()
    f.clock(ceiling, due_at=msk(2026, 10, 16, 12, 0), metric=Metric.RESOLUTION_CEILING)

    built = agenda.build_agenda(team, MONDAY)

    assert records(built, "sla_breaches") == [
        ("ticket", still_running.pk),
        ("ticket", in_week.pk),
    ]
    section = next(s for s in built.sections if s.key == "sla_breaches")
    assert "Не открывается шлагбаум" in section.items[1].label


def test_emergencies_and_tickets_about_to_breach(team):
    emergency = TicketFactory(type=TicketType.EMERGENCY, created_at=msk(2026, 10, 14, 9, 0))
    TicketFactory(type=TicketType.EMERGENCY, created_at=msk(2026, 10, 9, 9, 0))
    TicketFactory(type=TicketType.STANDARD, created_at=msk(2026, 10, 14, 9, 0))
    soon = TicketFactory(status=TicketStatus.OPEN)
    f.clock(soon, due_at=msk(2026, 10, 19, 15, 0))
    later = TicketFactory(status=TicketStatus.OPEN)
    f.clock(later, due_at=msk(2026, 10, 21, 15, 0))

    built = agenda.build_agenda(team, MONDAY)

    assert records(built, "emergencies") == [("ticket", emergency.pk)]
    assert records(built, "breaching_soon") == [("ticket", soon.pk)]


def test_overdue_handoffs_dev_requests_and_project_tasks(team, staff):
    late = make_handoff(staff.sales, client_name="ООО «Дельта»")
    HandoffRound.objects.create(
        handoff=late,
        number=1,
        submitted_at=msk(2026, 10, 15, 10, 0),
        target_seconds=86400,
        warn_at=msk(2026, 10, 16, 5, 0),
        due_at=msk(2026, 10, 16, 10, 0),
    )
    answered = make_handoff(staff.sales, client_name="ООО «Эпсилон»")
    HandoffRound.objects.create(
        handoff=answered,
        number=1,
        submitted_at=msk(2026, 10, 15, 10, 0),
        target_seconds=86400,
        warn_at=msk(2026, 10, 16, 5, 0),
        due_at=msk(2026, 10, 16, 10, 0),
        answered_at=msk(2026, 10, 15, 18, 0),
        outcome="accepted",
        elapsed_seconds=28800,
    )
    undecided = DevRequest.objects.create(
        kind=RequestKind.BUG, title="Дубли пропусков", status=RequestStatus.SUBMITTED
    )
    AgreementRound.objects.create(
        request=undecided,
        number=1,
        submitted_at=msk(2026, 10, 12, 10, 0),
        target_seconds=172800,
        warn_at=msk(2026, 10, 13, 20, 0),
        due_at=msk(2026, 10, 14, 10, 0),
    )
    slipped = DevRequest.objects.create(
        kind=RequestKind.FEATURE,
        title="Гостевые пропуска по QR",
        status=RequestStatus.ACCEPTED,
        planned_on=dt.date(2026, 10, 10),
    )
    DevRequest.objects.create(
        kind=RequestKind.FEATURE,
        title="Выгрузка в 1С",
        status=RequestStatus.RELEASED,
        planned_on=dt.date(2026, 10, 10),
    )
    project = open_project(ClientFactory(), staff.implementation, start=dt.date(2026, 10, 5))
    tasks = list(project.tasks.order_by("pk"))
    project.tasks.update(done_on=dt.date(2026, 10, 6))
    overdue_task = tasks[0]
    overdue_task.done_on = None
    overdue_task.planned_end = dt.date(2026, 10, 15)
    overdue_task.save()
    not_due = tasks[1]
    not_due.done_on = None
    not_due.planned_end = dt.date(2026, 10, 25)
    not_due.save()

    built = agenda.build_agenda(team, MONDAY)

    assert records(built, "overdue_handoffs") == [("handoff", late.pk)]
    assert records(built, "overdue_dev_requests") == [
        ("dev_request", undecided.pk),
        ("dev_request", slipped.pk),
    ]
    assert records(built, "overdue_project_tasks") == [("project_task", overdue_task.pk)]


def test_at_risk_clients(team):
    at_risk = ClientFactory(status=ClientStatus.AT_RISK, name="ООО «Риск»")
    ClientFactory(status=ClientStatus.ACTIVE)
    built = agenda.build_agenda(team, MONDAY)
    assert records(built, "at_risk_clients") == [("client", at_risk.pk)]


def test_previous_meetings_action_items(team, staff):
    the_series = team.series
    previous = f.meeting(the_series, msk(2026, 10, 12, 10, 0))
    older = f.meeting(the_series, msk(2026, 10, 5, 10, 0))
    done = f.item(previous, staff.support, dt.date(2026, 10, 16), closed_on=dt.date(2026, 10, 14))
    still_open = f.item(previous, staff.csm, dt.date(2026, 10, 16))
    carried = f.item(older, staff.engineer, dt.date(2026, 10, 9), title="Обновить регламент")
    f.item(older, staff.engineer, dt.date(2026, 10, 9), closed_on=dt.date(2026, 10, 8))
    # Given at this meeting: not on its own agenda.
    f.item(team, staff.support, dt.date(2026, 10, 26))

    built = agenda.build_agenda(team, MONDAY)

    section = next(s for s in built.sections if s.key == "action_items")
    states = {item.record_id: item.state for item in section.items}
    assert states == {carried.pk: "overdue", done.pk: "closed", still_open.pk: "overdue"}
    assert "Сделано" in next(i for i in section.items if i.record_id == done.pk).detail


def test_sections_follow_the_series_template(staff):
    cross = f.series(MeetingKind.CROSS, sections=["overdue_handoffs", "action_items", "gone"])
    meeting = f.meeting(cross, msk(2026, 10, 21, 11, 0))
    built = agenda.build_agenda(meeting, meeting.starts_at)
    assert [s.key for s in built.sections] == ["overdue_handoffs", "action_items"]


def test_a_registered_section_joins_the_agenda(team):
    """The extension point other apps use (health drops, claims)."""
    agenda.register_section(
        "test_extra",
        "Extra",
        lambda meeting, as_of: [agenda.AgendaItem(label=f"as of {as_of:%d.%m}")],
    )
    try:
        team.series.sections = [*team.series.sections, "test_extra"]
        team.series.save()
        built = agenda.build_agenda(team, MONDAY)
        assert built.sections[-1].items[0].label == "as of 19.10"
    finally:
        agenda._sections.pop("test_extra")


def test_the_agenda_is_stored_at_the_start(team, staff, time_machine):
    breached = TicketFactory()
    f.clock(
        breached,
        due_at=msk(2026, 10, 15, 12, 0),
        stopped_at=msk(2026, 10, 15, 14, 0),
        status=ClockStatus.BREACHED,
    )
    time_machine.move_to(MONDAY + dt.timedelta(minutes=2), tick=False)
    actions.do_start_meeting(staff.head, team)

    # Later a new breach of the same week appears; the stored agenda keeps what was discussed.
    late = TicketFactory()
    f.clock(
        late,
        due_at=msk(2026, 10, 16, 12, 0),
        stopped_at=msk(2026, 10, 16, 14, 0),
        status=ClockStatus.BREACHED,
    )
    team.refresh_from_db()
    stored, is_stored = agenda.agenda_of(team)
    assert is_stored
    assert records(stored, "sla_breaches") == [("ticket", breached.pk)]
    assert team.minutes == team.series.minutes_template


def test_due_agendas_are_stored_once(team, time_machine):
    time_machine.move_to(MONDAY - dt.timedelta(minutes=1), tick=False)
    assert actions.do_store_due_agendas() == 0
    time_machine.move_to(MONDAY + dt.timedelta(minutes=3), tick=False)
    assert actions.do_store_due_agendas() == 1
    assert actions.do_store_due_agendas() == 0
    team.refresh_from_db()
    assert team.agenda_at == MONDAY + dt.timedelta(minutes=3)


def test_health_drops_into_red_of_last_week(team):
    dropped = ClientFactory(name="ООО «Падение»")
    HealthScore.objects.create(
        client=dropped, day=dt.date(2026, 10, 16), score=38, band=Band.RED, dropped_from=Band.YELLOW
    )
    long_ago = ClientFactory()
    HealthScore.objects.create(
        client=long_ago, day=dt.date(2026, 10, 5), score=30, band=Band.RED, dropped_from=Band.GREEN
    )
    stays_red = ClientFactory()
    HealthScore.objects.create(client=stays_red, day=dt.date(2026, 10, 17), score=35, band=Band.RED)

    built = agenda.build_agenda(team, MONDAY)

    assert records(built, "health_drops") == [("client", dropped.pk)]


def test_claims_near_their_deadline(team, staff):
    def claim(number, due, **values):
        return Claim.objects.create(
            number=number,
            client=ClientFactory(),
            basis="Сбой пропусков",
            response_due_on=due,
            owner=staff.csm,
            **values,
        )

    overdue = claim("П-1", dt.date(2026, 10, 16))
    soon = claim("П-2", dt.date(2026, 10, 24))
    claim("П-3", dt.date(2026, 11, 20))  # far off
    claim("П-4", dt.date(2026, 10, 20), replied_on=dt.date(2026, 10, 18))  # answered
    claim("П-5", dt.date(2026, 10, 20), direction=ClaimDirection.TO_CLIENT)  # ours

    built = agenda.build_agenda(team, MONDAY)

    assert records(built, "claims_near_deadline") == [("claim", overdue.pk), ("claim", soon.pk)]
    states = [
        i.state for i in next(s for s in built.sections if s.key == "claims_near_deadline").items
    ]
    assert states == ["overdue", "soon"]
