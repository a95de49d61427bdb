"""Routing rules (issue 15): evaluation order and «stop here», each condition, each action,
a firing in the ticket's history, the dry run writing nothing, and who may edit rules."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.audit.models import AuditEvent
from soprovod.core.models import Notification
from soprovod.routing import actions, engine
from soprovod.routing.models import Assign, BusinessHours, Firing, Rule
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Priority, Ticket, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db
MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=MSK)
SUNDAY_NIGHT = dt.datetime(2026, 3, 1, 23, 0, tzinfo=MSK)


@pytest.fixture
def file(companies):
    def file(subject="Вопрос", body="Текст", company="a", at=MONDAY_NOON, **extra):
        extra.setdefault("type", TicketType.STANDARD)
        extra.setdefault("channel", Channel.PORTAL)
        return ticket_actions.do_create_ticket(
            None,
            client=getattr(companies, company),
            subject=subject,
            body=body,
            created_at=at,
            **extra,
        )

    return file


def rule(head, **values):
    values.setdefault("name", f"Правило {Rule.objects.count() + 1}")
    return actions.do_save_rule(head, None, **values)


def test_rules_run_in_order_each_seeing_the_previous(staff, file):
    rule(staff.head, set_priority=Priority.HIGH)
    rule(staff.head, set_priority=Priority.CRITICAL)
    ticket = file()
    assert ticket.priority == Priority.CRITICAL
    fired = list(Firing.objects.filter(ticket=ticket).order_by("pk").values_list("rule__name"))
    assert fired == [("Правило 1",), ("Правило 2",)]


def test_stop_here_ends_the_run_and_order_can_be_changed(staff, file):
    first = rule(staff.head, set_priority=Priority.HIGH, stop_processing=True)
    second = rule(staff.head, set_priority=Priority.CRITICAL)
    assert file().priority == Priority.HIGH
    actions.do_move_rule(staff.head, second, -1)
    assert [r.pk for r in Rule.objects.order_by("position")] == [second.pk, first.pk]
    assert file().priority == Priority.HIGH  # the second now sets critical, then the first stops


def test_a_rule_that_does_not_match_does_not_stop(staff, file):
    rule(staff.head, words="касса", stop_processing=True, set_priority=Priority.LOW)
    rule(staff.head, set_priority=Priority.HIGH)
    assert file().priority == Priority.HIGH


@pytest.mark.parametrize(
    "condition, matching, other",
    [
        ({"channels": [Channel.EMAIL]}, {"channel": Channel.EMAIL}, {"channel": Channel.PHONE}),
        ({"ticket_type": TicketType.EMERGENCY}, {"type": TicketType.EMERGENCY}, {}),
        ({"words": "шлагбаум, ворота"}, {"subject": "Не открывается ШЛАГБАУМА"}, {}),
        ({"words": "считывател"}, {"body": "Считыватель на въезде молчит"}, {}),
        ({"business_hours": BusinessHours.INSIDE}, {"at": MONDAY_NOON}, {"at": SUNDAY_NIGHT}),
        ({"business_hours": BusinessHours.OUTSIDE}, {"at": SUNDAY_NIGHT}, {"at": MONDAY_NOON}),
    ],
)
def test_each_ticket_condition(staff, file, condition, matching, other):
    rule(staff.head, set_priority=Priority.HIGH, **condition)
    assert file(**matching).priority == Priority.HIGH
    assert file(**other).priority == Priority.NORMAL


def test_client_tariff_segment_and_category_conditions(staff, file, companies):
    companies.a.tariff, companies.a.segment = "Бизнес", "ЖК"
    companies.a.save()
    companies.b.tariff, companies.b.segment = "Старт", "Бизнес-центр"
    companies.b.save()
    category = CategoryFactory(name="Шлагбаумы")
    rule(staff.head, client=companies.a, set_priority=Priority.LOW)
    rule(staff.head, tariff="бизнес", set_type=TicketType.CONSULTATION)
    rule(staff.head, segment="ЖК", words="x", set_priority=Priority.HIGH)
    rule(staff.head, category=category, set_priority=Priority.CRITICAL)
    a = file(company="a")
    assert (a.priority, a.type) == (Priority.LOW, TicketType.CONSULTATION)
    b = file(company="b", category=category)
    assert (b.priority, b.type) == (Priority.CRITICAL, TicketType.STANDARD)
    assert file(company="a", subject="x").priority == Priority.HIGH


def test_assign_to_a_person_and_to_the_success_manager(staff, file):
    rule(staff.head, words="авария", assign=Assign.PERSON, assign_person=staff.engineer)
    rule(staff.head, assign=Assign.SUCCESS_MANAGER)
    assert file(subject="Авария").assignee == staff.engineer
    assert file(company="b").assignee == staff.csm2


def test_an_assignee_is_kept_unless_the_rule_reassigns(staff, file):
    rule(staff.head, assign=Assign.PERSON, assign_person=staff.engineer)
    assert file(assignee=staff.support).assignee == staff.support
    Rule.objects.update(reassign=True)
    assert file(assignee=staff.support).assignee == staff.engineer


def test_round_robin_within_a_role(staff, file):
    second = UserFactory(username="support2", roles=[Role.SUPPORT_MANAGER])
    rule(staff.head, assign=Assign.ROUND_ROBIN, assign_role=Role.SUPPORT_MANAGER)
    picked = [file().assignee for _ in range(3)]
    assert picked == [staff.support, second, staff.support]


def test_least_loaded_counts_open_tickets(staff, file):
    second = UserFactory(username="support2", roles=[Role.SUPPORT_MANAGER])
    for _ in range(2):
        file(assignee=staff.support)
    file(assignee=second)
    rule(staff.head, assign=Assign.LEAST_LOADED, assign_role=Role.SUPPORT_MANAGER)
    assert file().assignee == second  # 1 open against 2
    assert file().assignee == staff.support  # 2 and 2: the earlier colleague
    assert file().assignee == second


def test_set_type_category_priority_watchers_and_notify(staff, file):
    category = CategoryFactory(name="Шлагбаумы")
    made = rule(
        staff.head,
        set_type=TicketType.EMERGENCY,
        set_category=category,
        set_priority=Priority.CRITICAL,
        add_watchers=[staff.head, staff.engineer],
        notify_users=[staff.head],
    )
    ticket = file()
    assert (ticket.type, ticket.category, ticket.priority) == (
        TicketType.EMERGENCY,
        category,
        Priority.CRITICAL,
    )
    assert set(ticket.watchers.all()) == {staff.head, staff.engineer}
    note = Notification.objects.get(recipient=staff.head, key__startswith="routing:")
    assert f"#{ticket.pk}" in note.text and made.name in note.text
    # The type change recomputed the SLA clocks, as a change by hand does.
    assert ticket.clocks.get(metric="resolution").target_seconds == 4 * 3600


def test_every_firing_is_in_the_ticket_history(staff, file):
    made = rule(staff.head, set_priority=Priority.HIGH, assign=Assign.PERSON,
                assign_person=staff.engineer)  # fmt: skip
    ticket = file()
    event = AuditEvent.objects.get(object_id=str(ticket.pk), changes__has_key="rule")
    assert event.changes["rule"] == [None, made.name]
    assert event.changes["priority"] == ["Обычный", "Высокий"]
    assert event.changes["assignee"][1] == str(staff.engineer)
    assert made.name in event.reason
    made.refresh_from_db()
    assert made.fired_count == 1 and made.last_fired_at is not None


def test_on_update_rules_run_on_a_change_and_not_again_on_their_own(staff, file):
    category = CategoryFactory(name="Шлагбаумы")
    rule(staff.head, on_create=False, on_update=True, category=category,
         set_priority=Priority.HIGH)  # fmt: skip
    ticket = file()
    assert ticket.priority == Priority.NORMAL
    ticket = ticket_actions.do_update_ticket(staff.support, ticket, category=category)
    assert ticket.priority == Priority.HIGH
    assert Firing.objects.filter(ticket=ticket).count() == 1


def test_a_rule_that_changes_nothing_is_not_recorded(staff, file):
    rule(staff.head, set_priority=Priority.NORMAL)
    ticket = file()
    assert not Firing.objects.filter(ticket=ticket).exists()


def test_dry_run_writes_nothing(staff, file, django_assert_max_num_queries):
    tickets = [file(subject="шлагбаум") for _ in range(3)] + [file(subject="Счёт")]
    made = rule(staff.head, words="шлагбаум", set_priority=Priority.HIGH,
                assign=Assign.ROUND_ROBIN, assign_role=Role.SUPPORT_MANAGER)  # fmt: skip
    audit_before = AuditEvent.objects.count()
    with django_assert_max_num_queries(12):
        rows = engine.dry_run(made)
    by_ticket = {row.ticket.pk: row for row in rows}
    assert [by_ticket[t.pk].matched for t in tickets] == [True, True, True, False]
    assert by_ticket[tickets[0].pk].changes["priority"] == ["Обычный", "Высокий"]
    assert all(t.priority == Priority.NORMAL for t in Ticket.objects.all())
    assert not Ticket.objects.exclude(assignee=None).exists()
    assert AuditEvent.objects.count() == audit_before
    made.refresh_from_db()
    assert made.fired_count == 0 and made.last_assigned is None
    assert not Firing.objects.exists()


def test_dry_run_page_for_the_head(client, staff, file):
    file(subject="шлагбаум")
    made = rule(staff.head, words="шлагбаум", set_priority=Priority.HIGH)
    Ticket.objects.update(priority=Priority.NORMAL)
    client.force_login(staff.head)
    page = client.get(reverse("routing:dry_run", args=[made.pk])).content.decode()
    assert "Обычный → Высокий" in page
    assert Ticket.objects.get().priority == Priority.NORMAL


def test_head_edits_rules_through_the_pages(client, staff):
    client.force_login(staff.head)
    response = client.post(
        reverse("routing:create"),
        {"name": "Аварии", "is_active": "on", "on_create": "on", "business_hours": "any",
         "ticket_type": "emergency", "set_priority": "critical", "assign": ""},
    )  # fmt: skip
    assert response.status_code == 302
    made = Rule.objects.get(name="Аварии")
    assert made.ticket_type == "emergency"
    assert client.get(reverse("routing:rules")).status_code == 200
    assert client.post(reverse("routing:delete", args=[made.pk])).status_code == 302
    assert not Rule.objects.exists()


@pytest.mark.parametrize("who", ["support", "engineer", "csm"])
def test_colleagues_read_rules_but_cannot_edit(client, staff, who):
    made = rule(staff.head, set_priority=Priority.HIGH)
    client.force_login(getattr(staff, who))
    assert client.get(reverse("routing:rules")).status_code == 200
    assert client.get(reverse("routing:create")).status_code == 403
    assert client.get(reverse("routing:edit", args=[made.pk])).status_code == 403
    assert client.post(reverse("routing:delete", args=[made.pk])).status_code == 403
    assert client.post(reverse("routing:move", args=[made.pk])).status_code == 403
    assert client.get(reverse("routing:dry_run", args=[made.pk])).status_code == 403
    assert Rule.objects.filter(pk=made.pk).exists()


@pytest.mark.parametrize("who", ["ceo", "sales"])
def test_outside_the_department_no_rules(client, staff, who):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("routing:rules")).status_code == 403


def test_client_contact_gets_nothing(client, staff, companies):
    made = rule(staff.head, set_priority=Priority.HIGH)
    client.force_login(companies.client1)
    assert client.get(reverse("routing:rules")).status_code == 403
    assert client.get(reverse("routing:dry_run", args=[made.pk])).status_code == 403
    assert client.post(reverse("routing:delete", args=[made.pk])).status_code == 403


def test_saving_a_rule_is_audited_with_its_watchers_and_not_when_unchanged(staff):
    made = rule(staff.head, name="VIP", set_priority=Priority.HIGH)
    made = actions.do_save_rule(staff.head, made, add_watchers=[staff.support])
    actions.do_save_rule(staff.head, made, add_watchers=[staff.support])

    events = AuditEvent.objects.filter(object_id=str(made.pk), object_repr=str(made))
    created, updated = events.order_by("id")
    assert created.action == AuditEvent.Action.CREATED
    assert created.changes["name"] == [None, "VIP"]
    assert created.changes["add_watchers"] == [None, "[]"]  # lists are kept as their text
    assert updated.action == AuditEvent.Action.UPDATED
    assert updated.changes == {"add_watchers": ["[]", str([str(staff.support)])]}
