"""Macros (issue 15): placeholders filled safely, fields applied through the ticket actions
(audited, SLA clocks reacting as for a change by hand), usage counted, and who may see and
edit which macro."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.macros import actions, placeholders
from soprovod.macros.models import Macro
from soprovod.sla.models import Metric, SlaClock
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Priority, Ticket, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(companies):
    return ticket_actions.do_create_ticket(
        None,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум не реагирует на пропуск",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        created_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK),
    )


def make(owner, **values):
    values.setdefault("title", "Ответ")
    return actions.do_save_macro(owner, None, **values)


def test_placeholders_are_filled_for_the_ticket_and_agent(ticket, staff, companies):
    staff.support.first_name, staff.support.last_name = "Ольга", "Смирнова"
    staff.support.save()
    macro = make(
        staff.support,
        body="{{ клиент }}, {{контакт}}: №{{ номер }} «{{ тема }}» до {{ СРОК }}. {{ агент }}",
    )
    used = actions.do_use_macro(staff.support, macro, ticket)
    due = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION).due_at
    assert used.text == (
        f"ООО «Альфа», {companies.contact_a.full_name}: №{ticket.pk} «Не открывается шлагбаум» "
        f"до {due.astimezone(MSK):%d.%m.%Y %H:%M}. Ольга Смирнова"
    )


def test_template_code_in_a_macro_stays_text(ticket, staff):
    text = "{% load static %}{{ ticket.client.inn }} {{ клиент|upper }} {{ номер }}"
    assert placeholders.render(text, ticket, staff.support) == (
        "{% load static %}{{ ticket.client.inn }} {{ клиент|upper }} " + str(ticket.pk)
    )


def test_unknown_placeholder_refused_on_save(staff):
    with pytest.raises(actions.MacroError, match="ticket.client"):
        make(staff.support, body="Здравствуйте, {{ ticket.client }}")


def test_a_macro_applies_fields_through_the_ticket_actions(ticket, staff):
    category = CategoryFactory(name="Шлагбаумы")
    macro = make(
        staff.head,
        shared=True,
        body="Сделаем",
        set_type=TicketType.EMERGENCY,
        set_category=category,
        set_priority=Priority.CRITICAL,
        assign_to_me=True,
        add_tags="Шлагбаум, VIP",
        set_status=TicketStatus.WAITING_CLIENT,
    )
    before = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION).target_seconds
    used = actions.do_use_macro(staff.support, macro, ticket)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.type, ticket.category, ticket.priority, ticket.assignee) == (
        TicketType.EMERGENCY,
        category,
        Priority.CRITICAL,
        staff.support,
    )
    assert ticket.status == TicketStatus.WAITING_CLIENT
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["vip", "шлагбаум"]
    assert used.changed
    # SLA reacts as for a change by hand: the emergency targets apply, the clock is paused.
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert clock.target_seconds < before
    assert clock.paused_since is not None
    # Audited: the field changes by the agent, the status change, and the macro named.
    events = AuditEvent.objects.filter(object_id=str(ticket.pk), actor=staff.support)
    changes = [e.changes for e in events]
    assert any("priority" in c and "tags" in c and "type" in c for c in changes)
    assert any("status" in c for c in changes)
    assert any(c.get("macro") == [None, macro.title] for c in changes)
    macro.refresh_from_db()
    assert macro.usage_count == 1


def test_a_refused_change_refuses_the_whole_use(ticket, staff):
    # Resolving needs a category (the ticket page's rule): nothing is applied, nothing counted.
    macro = make(staff.support, set_priority=Priority.HIGH, set_status=TicketStatus.RESOLVED)
    with pytest.raises(ticket_actions.TicketError):
        actions.do_use_macro(staff.support, macro, ticket)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.priority == Priority.NORMAL and ticket.status == TicketStatus.NEW
    macro.refresh_from_db()
    assert macro.usage_count == 0


def test_text_only_macro_fills_the_reply_box_by_htmx(client, ticket, staff):
    macro = make(staff.support, body="№{{ номер }}")
    client.force_login(staff.support)
    response = client.post(
        reverse("macros:use", args=[macro.pk, ticket.pk]),
        {"body": "Добрый день", "version": ticket.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_body"' in html and f"Добрый день\n\n№{ticket.pk}" in html
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_field_macro_reopens_the_page_with_the_text_in_the_box(client, ticket, staff):
    macro = make(staff.support, body="Беру, №{{ номер }}", assign_to_me=True)
    client.force_login(staff.support)
    response = client.post(
        reverse("macros:use", args=[macro.pk, ticket.pk]),
        {"version": ticket.version},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"].startswith(reverse("tickets:detail", args=[ticket.pk]))
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert f"Беру, №{ticket.pk}</textarea>" in page
    assert Ticket.objects.get(pk=ticket.pk).assignee == staff.support
    # Once only: the draft is not offered again.
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert f"Беру, №{ticket.pk}</textarea>" not in page


def test_a_stale_page_applies_nothing(client, ticket, staff):
    macro = make(staff.support, set_priority=Priority.HIGH)
    client.force_login(staff.support)
    client.post(
        reverse("macros:use", args=[macro.pk, ticket.pk]), {"version": ticket.version - 1 or 99}
    )
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.NORMAL


def test_list_shows_usage_counts(client, staff):
    macro = make(staff.support, body="Текст")
    Macro.objects.filter(pk=macro.pk).update(usage_count=17)
    client.force_login(staff.support)
    page = client.get(reverse("macros:list")).content.decode()
    assert "Ответ" in page and ">17<" in page


def test_personal_macro_is_the_owners_alone(client, staff, ticket):
    macro = make(staff.engineer, body="Мой личный")
    client.force_login(staff.support)
    assert client.get(reverse("macros:edit", args=[macro.pk])).status_code == 404
    assert client.post(reverse("macros:delete", args=[macro.pk])).status_code == 404
    response = client.post(reverse("macros:use", args=[macro.pk, ticket.pk]))
    assert response.status_code == 404
    assert "Мой личный" not in client.get(reverse("macros:list")).content.decode()
    assert Macro.objects.filter(pk=macro.pk).exists()


def test_shared_macro_edited_by_head_and_support_managers_only(client, staff):
    macro = make(staff.head, shared=True, body="Общий")
    client.force_login(staff.engineer)  # uses it, may not edit it
    assert client.get(reverse("macros:list")).status_code == 200
    assert client.get(reverse("macros:edit", args=[macro.pk])).status_code == 403
    client.force_login(staff.support)
    response = client.post(
        reverse("macros:edit", args=[macro.pk]),
        {"title": "Общий ответ", "body": "Общий", "shared": "on"},
    )
    assert response.status_code == 302
    macro.refresh_from_db()
    assert macro.title == "Общий ответ" and macro.shared


def test_engineer_cannot_make_a_shared_macro(client, staff):
    client.force_login(staff.engineer)
    client.post(reverse("macros:create"), {"title": "Мой", "body": "Текст", "shared": "on"})
    assert Macro.objects.get(title="Мой").shared is False


@pytest.mark.parametrize("who", ["ceo", "sales", "dev"])
def test_outside_the_department_no_macros(client, staff, who):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("macros:list")).status_code == 403
    assert client.get(reverse("macros:create")).status_code == 403


def test_client_contact_gets_nothing(client, staff, companies, ticket):
    macro = make(staff.head, shared=True, body="Общий")
    client.force_login(companies.client1)
    assert client.get(reverse("macros:list")).status_code == 403
    assert client.get(reverse("macros:edit", args=[macro.pk])).status_code == 403
    response = client.post(reverse("macros:use", args=[macro.pk, ticket.pk]))
    assert response.status_code in (403, 404)
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_ticket_page_shows_the_macros_panel(client, staff, ticket):
    make(staff.support, body="Панель")
    client.force_login(staff.support)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'id="macros-panel"' in page and reverse("macros:use", args=[1, ticket.pk])[:8] in page


def test_saving_a_macro_is_audited_created_then_updated_and_not_when_unchanged(staff):
    macro = make(staff.support, title="Ответ", body="Добрый день")
    macro = actions.do_save_macro(staff.support, macro, body="Здравствуйте")
    actions.do_save_macro(staff.support, macro, body="Здравствуйте")

    events = AuditEvent.objects.filter(object_id=str(macro.pk), object_repr=str(macro))
    created, updated = events.order_by("id")
    assert created.action == AuditEvent.Action.CREATED
    assert created.changes["title"] == [None, "Ответ"]
    assert created.changes["body"] == [None, "Добрый день"]
    assert updated.action == AuditEvent.Action.UPDATED
    assert updated.changes == {"body": ["Добрый день", "Здравствуйте"]}
