"""Issue 12, the team: roles given and taken by the head (never the last head's own),
absences with a deputy and routed work, handing work over, training records, the team
page's figures, and the denials."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from soprovod.accounts.actions import (
    TeamError,
    do_cancel_absence,
    do_grant_role,
    do_record_absence,
    do_revoke_role,
)
from soprovod.accounts.models import Absence, UserRole
from soprovod.accounts.queries import acting_for
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.core.models import Notification
from soprovod.team import actions, queries
from soprovod.team.models import TrainingItem, TrainingRecord
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, TicketType

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


# ---- roles ---------------------------------------------------------------------------------


def test_head_gives_and_takes_roles_audited(staff):
    assert do_grant_role(staff.head, staff.support, Role.SENIOR_ENGINEER)
    assert not do_grant_role(staff.head, staff.support, Role.SENIOR_ENGINEER)
    assert staff.support.has_role(Role.SENIOR_ENGINEER)
    assert do_revoke_role(staff.head, staff.support, Role.SENIOR_ENGINEER)
    assert not UserRole.objects.filter(user=staff.support, role=Role.SENIOR_ENGINEER).exists()
    events = AuditEvent.objects.filter(content_type__model="user", object_id=str(staff.support.pk))
    assert events.count() == 2


def test_the_last_head_cannot_remove_their_own_head_role(staff):
    with pytest.raises(TeamError):
        do_revoke_role(staff.head, staff.head, Role.HEAD)
    assert staff.head.has_role(Role.HEAD)
    # With a second head, one may step down.
    do_grant_role(staff.head, staff.engineer, Role.HEAD)
    assert do_revoke_role(staff.head, staff.head, Role.HEAD)
    with pytest.raises(TeamError):
        do_revoke_role(staff.engineer, staff.engineer, Role.HEAD)


def test_role_pages_head_only(client, staff):
    url = reverse("team:role", args=[staff.support.pk])
    client.force_login(staff.support)
    assert client.post(url, {"role": Role.HEAD, "action": "give"}).status_code == 403
    assert not staff.support.has_role(Role.HEAD)
    client.force_login(staff.ceo)
    assert client.post(url, {"role": Role.HEAD, "action": "give"}).status_code == 403
    client.force_login(staff.head)
    assert client.post(url, {"role": Role.SENIOR_ENGINEER, "action": "give"}).status_code == 302
    assert UserRole.objects.filter(user=staff.support, role=Role.SENIOR_ENGINEER).exists()
    # The last head's own role stays, with a message.
    own = reverse("team:role", args=[staff.head.pk])
    response = client.post(own, {"role": Role.HEAD, "action": "take"}, follow=True)
    assert "последнего руководителя" in response.content.decode()
    assert UserRole.objects.filter(user=staff.head, role=Role.HEAD).exists()


# ---- absences ------------------------------------------------------------------------------


def test_absence_rules(staff):
    with pytest.raises(TeamError):
        do_record_absence(
            staff.head, staff.support, starts_on=dt.date(2026, 3, 5), ends_on=dt.date(2026, 3, 4)
        )
    with pytest.raises(TeamError):
        do_record_absence(
            staff.head,
            staff.support,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 4),
            deputy=staff.support,
        )
    do_record_absence(
        staff.head, staff.support, starts_on=dt.date(2026, 3, 2), ends_on=dt.date(2026, 3, 6)
    )
    with pytest.raises(TeamError):
        do_record_absence(
            staff.head, staff.support, starts_on=dt.date(2026, 3, 6), ends_on=dt.date(2026, 3, 9)
        )


def test_routing_sends_a_persons_notices_to_the_colleague(staff, companies):
    do_record_absence(
        staff.head,
        staff.support,
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 6),
        deputy=staff.csm,
        route_to=staff.engineer,
    )
    assert acting_for(staff.support, msk(2026, 3, 3, 12, 0)) == [staff.engineer]
    assert acting_for(staff.support, msk(2026, 3, 7, 12, 0)) == [staff.support]
    # The deputy is for the role; the support managers' role goes to the deputy.
    assert staff.csm in acting_for(Role.SUPPORT_MANAGER, msk(2026, 3, 3, 12, 0))


def test_cancel_a_running_absence_ends_it_yesterday(staff):
    absence = do_record_absence(
        staff.head,
        staff.head,
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 13),
        deputy=staff.engineer,
    )
    do_cancel_absence(staff.head, absence, at=msk(2026, 3, 5, 9, 0))
    absence.refresh_from_db()
    assert absence.ends_on == dt.date(2026, 3, 4) and absence.cancelled_at is None
    assert acting_for(Role.HEAD, msk(2026, 3, 5, 9, 0)) == [staff.head]
    future = do_record_absence(
        staff.head, staff.head, starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 4, 3)
    )
    do_cancel_absence(staff.head, future, at=msk(2026, 3, 5, 9, 0))
    future.refresh_from_db()
    assert future.cancelled_at is not None


def test_absence_pages_head_only(client, staff):
    url = reverse("team:absence_add", args=[staff.head.pk])
    data = {"starts_on": "2026-03-09", "ends_on": "2026-03-13", "deputy": staff.engineer.pk}
    client.force_login(staff.support)
    assert client.post(url, data).status_code == 403
    assert not Absence.objects.exists()
    client.force_login(staff.head)
    assert client.post(url, data).status_code == 302
    absence = Absence.objects.get()
    assert absence.deputy == staff.engineer
    client.force_login(staff.support)
    cancel = reverse("team:absence_cancel", args=[absence.pk])
    assert client.post(cancel).status_code == 403


# ---- handing work over --------------------------------------------------------------------


def test_reassign_moves_open_tickets_and_clients(staff, companies):
    ticket = ticket_actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Тест",
        body="Тест",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        assignee=staff.csm,
    )
    moved = actions.do_reassign_work(staff.head, staff.csm, staff.csm2)
    assert moved == (1, 1)
    ticket.refresh_from_db()
    companies.a.refresh_from_db()
    assert ticket.assignee == staff.csm2 and companies.a.success_manager == staff.csm2
    with pytest.raises(actions.TrainingError):
        actions.do_reassign_work(staff.head, staff.csm, staff.sales)


# ---- training ------------------------------------------------------------------------------


def test_a_new_rule_shows_who_still_has_to_complete_it(staff):
    old = actions.do_add_training_item(
        staff.head, kind="course", title="Курс по СКУД", published_on=dt.date(2026, 1, 10)
    )
    rule = actions.do_add_training_item(
        staff.head,
        kind="rule",
        title="Регламент работы с авариями",
        published_on=dt.date(2026, 3, 1),
    )
    actions.do_record_completion(staff.head, rule, staff.support, dt.date(2026, 3, 2))
    actions.do_record_completion(staff.head, rule, staff.support, dt.date(2026, 3, 3))
    assert TrainingRecord.objects.get(item=rule, person=staff.support).completed_on == dt.date(
        2026, 3, 3
    )
    pending = set(queries.still_to_complete(rule).values_list("username", flat=True))
    assert pending == {"head", "csm", "csm2", "implementation", "engineer"}
    with time_machine.travel(msk(2026, 3, 5, 12, 0)):
        due = queries.training_due([staff.support.pk, staff.csm.pk], dt.date(2026, 3, 5))
    assert due == {staff.support.pk: 1, staff.csm.pk: 2}
    # Only staff have training records; the knowledge base records through the same seam.
    with pytest.raises(actions.TrainingError):
        actions.do_record_completion(staff.head, old, staff.sales, dt.date(2026, 3, 2))
    record = actions.do_record_completion(
        None, old, staff.csm, dt.date(2026, 3, 4), source=TrainingRecord.Source.KNOWLEDGE
    )
    assert record.source == "knowledge"
    assert TrainingItem.objects.count() == 2


def test_training_pages_and_denials(client, staff, companies):
    client.force_login(staff.head)
    response = client.post(
        reverse("team:training"),
        {"kind": "rule", "title": "Регламент эскалаций", "published_on": "2026-03-01"},
    )
    item = TrainingItem.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("team:training_item", args=[item.pk])).content.decode()
    assert "Регламент эскалаций" in page and str(staff.support) in page
    client.post(
        reverse("team:training_item", args=[item.pk]),
        {"person": staff.support.pk, "completed_on": "2026-03-02"},
    )
    assert TrainingRecord.objects.filter(person=staff.support).exists()

    client.force_login(staff.support)
    assert (
        client.post(
            reverse("team:training"), {"kind": "rule", "title": "x", "published_on": "2026-03-01"}
        ).status_code
        == 403
    )
    assert client.get(reverse("team:training_item", args=[item.pk])).status_code == 403
    # Their own page shows their training.
    own = client.get(reverse("team:person", args=[staff.support.pk]))
    assert own.status_code == 200 and "Регламент эскалаций" in own.content.decode()


# ---- the team page ------------------------------------------------------------------------


def test_team_page_for_the_head_own_page_for_others(client, staff, companies):
    do_record_absence(
        staff.head,
        staff.csm,
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 4),
        deputy=staff.csm2,
    )
    client.force_login(staff.head)
    page = client.get(reverse("team:people"))
    assert page.status_code == 200
    html = page.content.decode()
    for person in (staff.support, staff.csm, staff.engineer):
        assert str(person) in html
    assert str(staff.sales) not in html  # not in the department

    client.force_login(staff.support)
    assert client.get(reverse("team:people")).url == reverse("team:person", args=[staff.support.pk])
    assert client.get(reverse("team:person", args=[staff.csm.pk])).status_code == 404
    assert client.get(reverse("team:person", args=[staff.support.pk])).status_code == 200

    for outsider in (staff.sales, staff.ceo, companies.client1):
        client.force_login(outsider)
        assert client.get(reverse("team:people")).status_code == 403
        assert client.get(reverse("team:person", args=[staff.support.pk])).status_code == 403
        assert client.get(reverse("team:training")).status_code == 403


def test_person_rows_figures(staff, companies):
    ticket_actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="a",
        body="a",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        assignee=staff.csm,
    )
    rows = {r.person.pk: r for r in queries.person_rows([staff.csm, staff.csm2, staff.support])}
    assert rows[staff.csm.pk].open_tickets == 1
    assert rows[staff.csm.pk].clients == 1 and rows[staff.csm2.pk].clients == 1
    assert rows[staff.support.pk].open_tickets == 0 and rows[staff.support.pk].clients == 0


def test_team_page_queries_do_not_grow_with_the_team(client, staff, django_assert_max_num_queries):
    client.force_login(staff.head)
    client.get(reverse("team:people"))
    with django_assert_max_num_queries(30):
        client.get(reverse("team:people"))


def test_a_client_reply_reaches_the_colleague_the_assignee_routed_work_to(
    staff, companies, django_capture_on_commit_callbacks
):
    """Routing for the period: an absent assignee's notices go to the named colleague."""
    do_record_absence(
        staff.head,
        staff.csm,
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 3, 10),
        route_to=staff.engineer,
    )
    with time_machine.travel(msk(2026, 3, 3, 12, 0), tick=False):
        ticket = ticket_actions.do_create_ticket(
            companies.client1,
            client=companies.a,
            contact=companies.contact_a,
            subject="b",
            body="b",
            type=TicketType.STANDARD,
            channel=Channel.PORTAL,
            assignee=staff.csm,
        )
        with django_capture_on_commit_callbacks(execute=True):
            ticket_actions.do_add_message(companies.client1, ticket, "Есть новости?")
    notices = Notification.objects.filter(key__startswith="message:")
    assert set(notices.values_list("recipient__username", flat=True)) == {"engineer"}
