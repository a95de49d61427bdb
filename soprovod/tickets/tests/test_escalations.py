"""Issue 12: an escalation's lifecycle (raised → acknowledged → resolved with a decision),
its subjects, the inboxes, and the deputy who receives the head's escalations during an
absence and not after it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from soprovod.accounts.actions import do_record_absence
from soprovod.accounts.queries import acting_for
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.core.errors import StaleObjectError
from soprovod.core.models import Notification
from soprovod.tickets import actions, notify, queries
from soprovod.tickets.escalations import describe
from soprovod.tickets.models import Channel, Escalation, TicketType
from soprovod.tickets.permissions import can_answer_escalation, escalations_visible_to

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def ticket(companies, staff):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="С утра не работает.",
        channel=Channel.PORTAL,
        type=TicketType.STANDARD,
        created_at=msk(2026, 3, 2, 10, 0),
    )


def test_lifecycle_raised_acknowledged_resolved(staff, ticket, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(msk(2026, 3, 2, 11, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        escalation = actions.do_escalate(staff.support, ticket, "head", "Клиент грозит уйти")
    assert escalation.status == Escalation.Status.RAISED
    assert escalation.subject == Escalation.SUBJECT_TICKET
    assert escalation.addressed_to == staff.head
    assert Notification.objects.filter(recipient=staff.head, key=f"escalation:{escalation.pk}")

    with time_machine.travel(msk(2026, 3, 2, 13, 30), tick=False):
        escalation = actions.do_acknowledge_escalation(staff.head, escalation)
    assert escalation.status == Escalation.Status.ACKNOWLEDGED
    assert escalation.acknowledged_by == staff.head
    assert escalation.acknowledged_at - escalation.created_at == dt.timedelta(hours=2, minutes=30)
    # Acknowledging again changes nothing.
    again = actions.do_acknowledge_escalation(staff.head, escalation)
    assert again.acknowledged_at == escalation.acknowledged_at

    with pytest.raises(actions.TicketError):
        actions.do_resolve_escalation(staff.head, escalation, "   ")
    with pytest.raises(StaleObjectError):
        actions.do_resolve_escalation(staff.head, escalation, "x", expected_version=1)
    with django_capture_on_commit_callbacks(execute=True):
        resolved = actions.do_resolve_escalation(
            staff.head, escalation, "Выделили инженера на выезд", expected_version=2
        )
    assert resolved.status == Escalation.Status.RESOLVED
    assert resolved.outcome == "Выделили инженера на выезд"
    assert resolved.resolved_by == staff.head
    with pytest.raises(actions.TicketError):
        actions.do_resolve_escalation(staff.head, resolved, "ещё раз")
    # The one who raised it hears the decision.
    assert Notification.objects.filter(
        recipient=staff.support, key=f"escalation:{escalation.pk}:resolved"
    ).exists()
    trail = AuditEvent.objects.filter(
        content_type__model="escalation", object_id=str(escalation.pk)
    )
    assert trail.count() == 3  # raised, acknowledged, resolved


def test_resolved_straight_away_counts_as_acknowledged(staff, ticket):
    escalation = actions.do_escalate(staff.support, ticket, "ceo", "Авария у клиента")
    resolved = actions.do_resolve_escalation(staff.ceo, escalation, "Решили на месте")
    assert resolved.acknowledged_at == resolved.resolved_at
    assert resolved.acknowledged_by == staff.ceo


def test_subjects_client_and_cross_department(staff, companies):
    about_client = actions.do_raise_escalation(
        staff.csm, level="head", reason="Клиент просит скидку", client=companies.a
    )
    cross = actions.do_raise_escalation(
        staff.head, level="ceo", reason="Разработка не даёт сроки по трём запросам"
    )
    assert about_client.subject == Escalation.SUBJECT_CLIENT
    assert cross.subject == Escalation.SUBJECT_DEPARTMENT and cross.client_id is None
    assert cross.addressed_to == staff.ceo
    links = describe(Escalation.objects.select_related("ticket", "client"))
    assert links[about_client.pk].text == companies.a.name
    assert links[cross.pk].url == ""
    with pytest.raises(actions.TicketError):
        actions.do_raise_escalation(staff.head, level="head", reason=" ")


def test_inboxes_sorted_by_age_and_scoped(staff, companies):
    with time_machine.travel(msk(2026, 3, 2, 10, 0), tick=False):
        older = actions.do_raise_escalation(staff.support, level="head", reason="первая")
    with time_machine.travel(msk(2026, 3, 3, 10, 0), tick=False):
        newer = actions.do_raise_escalation(staff.support, level="head", reason="вторая")
        critical = actions.do_raise_escalation(staff.head, level="ceo", reason="критично")
    now = msk(2026, 3, 4, 10, 0)
    assert list(queries.escalation_inbox(staff.head, "open", now)) == [older, newer]
    assert list(queries.escalation_inbox(staff.ceo, "open", now)) == [critical]
    assert queries.escalation_inbox_count(staff.ceo, now) == 1
    assert queries.escalation_inbox_count(staff.support, now) == 0
    # The support manager reads the ones they raised, not the CEO's.
    assert set(escalations_visible_to(staff.support)) == {older, newer}
    assert not escalations_visible_to(companies.client1).exists()
    assert not can_answer_escalation(staff.head, critical)
    assert can_answer_escalation(staff.ceo, critical)


def test_deputy_receives_escalations_during_absence_and_not_after(staff, ticket):
    do_record_absence(
        staff.head,
        staff.head,
        starts_on=dt.date(2026, 3, 9),
        ends_on=dt.date(2026, 3, 13),
        deputy=staff.engineer,
        reason="Отпуск",
    )
    assert acting_for(Role.HEAD, msk(2026, 3, 8, 23, 59)) == [staff.head]
    assert acting_for(Role.HEAD, msk(2026, 3, 9, 0, 0)) == [staff.engineer]
    assert acting_for(Role.HEAD, msk(2026, 3, 14, 0, 0)) == [staff.head]

    with time_machine.travel(msk(2026, 3, 10, 12, 0), tick=False):
        during = actions.do_escalate(staff.support, ticket, "head", "Во время отпуска")
        notify.escalated(during.pk)
        assert during.addressed_to == staff.engineer
        assert [e.pk for e in queries.escalation_inbox(staff.engineer)] == [during.pk]
        assert can_answer_escalation(staff.engineer, during)
    assert Notification.objects.filter(recipient=staff.engineer, key=f"escalation:{during.pk}")
    assert not Notification.objects.filter(recipient=staff.head, key=f"escalation:{during.pk}")

    with time_machine.travel(msk(2026, 3, 16, 12, 0), tick=False):
        after = actions.do_escalate(staff.support, ticket, "head", "После отпуска")
        notify.escalated(after.pk)
        assert after.addressed_to == staff.head
        inbox = [e.pk for e in queries.escalation_inbox(staff.engineer)]
        # The deputy keeps what they took on, and receives nothing new.
        assert inbox == [during.pk]
        assert not can_answer_escalation(staff.engineer, after)
        assert can_answer_escalation(staff.engineer, during)
    assert not Notification.objects.filter(recipient=staff.engineer, key=f"escalation:{after.pk}")
    assert Notification.objects.filter(recipient=staff.head, key=f"escalation:{after.pk}")


def test_pages_and_denials(client, staff, companies, ticket):
    escalation = actions.do_escalate(staff.support, ticket, "head", "Нужна помощь")
    critical = actions.do_raise_escalation(staff.head, level="ceo", reason="Критично")

    client.force_login(staff.ceo)
    page = client.get(reverse("escalations:inbox"))
    assert page.status_code == 200 and "Критично" in page.content.decode()
    assert "Нужна помощь" not in page.content.decode()
    # The head acknowledges their own; the CEO's critical one is the CEO's.
    client.force_login(staff.head)
    url = reverse("escalations:acknowledge", args=[critical.pk])
    assert client.post(url).status_code == 403
    assert client.post(reverse("escalations:acknowledge", args=[escalation.pk])).status_code == 302
    response = client.post(
        reverse("escalations:resolve", args=[escalation.pk]),
        {"version": 2, "decision": "Подключили разработку"},
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.RESOLVED

    client.force_login(staff.support)
    assert client.get(reverse("escalations:inbox")).status_code == 403
    assert client.get(reverse("escalations:detail", args=[critical.pk])).status_code == 404
    assert (
        client.post(
            reverse("escalations:create"), {"level": "head", "reason": "Межотдельский вопрос"}
        ).status_code
        == 302
    )
    client.force_login(companies.client1)
    assert client.get(reverse("escalations:detail", args=[escalation.pk])).status_code == 404
    assert client.get(reverse("escalations:create")).status_code == 403
    client.force_login(staff.sales)
    assert client.get(reverse("escalations:inbox")).status_code == 403


def test_menu_shows_the_open_count(client, staff, ticket):
    actions.do_escalate(staff.support, ticket, "head", "Раз")
    actions.do_escalate(staff.support, ticket, "head", "Два")
    client.force_login(staff.head)
    html = client.get(reverse("home")).content.decode()
    assert reverse("escalations:inbox") in html
    assert '<span class="nav-count"' in html and ">2</span>" in html
    client.force_login(staff.support)
    assert reverse("escalations:inbox") not in client.get(reverse("home")).content.decode()
