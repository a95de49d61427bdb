"""The support manager's queue: which tickets each tab holds, filters, search, bulk actions,
who may open it, and a query count that does not grow with the number of tickets."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.search import index as search_index
from soprovod.tickets import actions, queries
from soprovod.tickets.models import Channel, Ticket, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


NOW = msk(2026, 3, 2, 12, 0)  # Monday noon; standard first response: 4 business hours
QUEUE = reverse("tickets:queue")


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read the English source strings, whatever the Russian catalogue says."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_ticket(companies):
    def make(
        created,
        *,
        type=TicketType.STANDARD,
        subject="Не открывается шлагбаум",
        client=None,
        category="Пропуска",
        channel=Channel.PORTAL,
        assignee=None,
    ):
        return actions.do_create_ticket(
            companies.client1,
            client=client or companies.a,
            contact=companies.contact_a,
            subject=subject,
            body="Шлагбаум на въезде не реагирует на пропуск.",
            type=type,
            channel=channel,
            category=CategoryFactory(name=category),
            assignee=assignee,
            created_at=created,
        )

    return make


def numbers(qs):
    return [t.pk for t in qs]


def tab(user, view, **params):
    return numbers(queries.queue(user, queries.QueueFilters.from_query({"view": view, **params})))


# ---- what each tab holds ------------------------------------------------------------------


@pytest.fixture
def desk(make_ticket, staff, frozen):
    """A morning at the desk (now: Monday 12:00 Moscow)."""
    t = {}
    t["fresh"] = make_ticket(msk(2026, 3, 2, 11, 30))  # first response due 15:30
    t["due_13"] = make_ticket(msk(2026, 3, 2, 9, 0))  # due 13:00: 1 h left
    t["due_1430"] = make_ticket(msk(2026, 3, 2, 10, 30))  # due 14:30
    t["emergency"] = make_ticket(msk(2026, 3, 2, 11, 50), type=TicketType.EMERGENCY)  # 12:05
    t["consultation"] = make_ticket(
        msk(2026, 3, 2, 12, 0), type=TicketType.CONSULTATION
    )  # first response due Tuesday 11:00: not soon
    t["overdue"] = make_ticket(msk(2026, 2, 27, 10, 0))  # due Friday 14:00: running, breached
    t["answered_late"] = make_ticket(msk(2026, 2, 27, 10, 0))
    actions.do_add_message(staff.support, t["answered_late"], "Смотрим", at=msk(2026, 2, 27, 16))
    t["closed_late"] = make_ticket(msk(2026, 2, 27, 10, 0))
    actions.do_change_status(
        staff.support, t["closed_late"], TicketStatus.RESOLVED, at=msk(2026, 3, 2, 11)
    )
    actions.do_change_status(staff.support, t["closed_late"], TicketStatus.CLOSED)
    t["waiting"] = make_ticket(msk(2026, 3, 2, 9, 30))
    actions.do_add_message(staff.support, t["waiting"], "Пришлите фото", at=msk(2026, 3, 2, 9, 40))
    actions.do_change_status(
        staff.support, t["waiting"], TicketStatus.WAITING_CLIENT, at=msk(2026, 3, 2, 9, 41)
    )
    actions.do_assign(staff.support, t["fresh"], staff.support)
    actions.do_assign(staff.support, t["overdue"], staff.engineer)
    return {name: ticket.pk for name, ticket in t.items()}


def test_breached_holds_open_tickets_with_a_running_or_stopped_breached_clock(desk, staff):
    assert set(tab(staff.support, "breached")) == {desk["overdue"], desk["answered_late"]}
    assert desk["closed_late"] not in tab(staff.support, "breached")


def test_breaching_soon_is_sorted_by_time_left(desk, staff):
    assert tab(staff.support, "soon") == [
        desk["emergency"],  # 12:05
        desk["due_13"],
        desk["due_1430"],
        desk["fresh"],  # 15:30, inside the 4-hour window
    ]


def test_breaching_soon_leaves_out_overdue_and_far_off_tickets(desk, staff):
    soon = tab(staff.support, "soon")
    assert desk["overdue"] not in soon
    assert desk["consultation"] not in soon
    assert desk["waiting"] not in soon  # its resolution clock is paused


def test_waiting_mine_unassigned_and_all_open(desk, staff):
    assert tab(staff.support, "waiting") == [desk["waiting"]]
    assert tab(staff.support, "mine") == [desk["fresh"]]
    assert tab(staff.engineer, "mine") == [desk["overdue"]]
    unassigned = tab(staff.support, "unassigned")
    assert desk["fresh"] not in unassigned and desk["overdue"] not in unassigned
    assert desk["due_13"] in unassigned
    assert desk["closed_late"] not in tab(staff.support, "open")
    assert len(tab(staff.support, "open")) == 8


def test_counts_per_tab_match_the_tabs(desk, staff):
    counts = queries.queue_counts(staff.support, queries.QueueFilters())
    for view in queries.VIEWS:
        assert counts[view] == len(tab(staff.support, view)), view


def test_next_due_and_business_time_left_are_annotated(desk, staff):
    ticket = next(
        t
        for t in queries.attach_time_left(
            queries.queue(staff.support, queries.QueueFilters.from_query({"view": "soon"})), NOW
        )
        if t.pk == desk["due_13"]
    )
    assert ticket.next_due_at == msk(2026, 3, 2, 13, 0)
    assert ticket.next_metric == "first_response"
    assert ticket.sla_left_seconds == 3600
    assert ticket.sla_status == "pending"


def test_business_time_left_skips_the_night(make_ticket, staff, frozen):
    # Created 17:00: first response due Tuesday 12:00, that is 1 business hour today + 3.
    ticket = make_ticket(msk(2026, 3, 2, 17, 0))
    frozen.move_to(msk(2026, 3, 2, 17, 30))
    row = queries.attach_time_left(
        queries.queue(staff.support, queries.QueueFilters()), msk(2026, 3, 2, 17, 30)
    )[0]
    assert row.pk == ticket.pk
    assert row.next_due_at == msk(2026, 3, 3, 12, 0)
    assert row.sla_left_seconds == 3 * 3600 + 30 * 60


# ---- filters and search ----------------------------------------------------------------------


def test_filters(make_ticket, companies, staff, frozen):
    a_phone = make_ticket(msk(2026, 3, 2, 10), channel=Channel.PHONE, assignee=staff.support)
    b_app = make_ticket(
        msk(2026, 3, 2, 10),
        client=companies.b,
        category="Мобильное приложение",
        type=TicketType.CONSULTATION,
    )
    assert tab(staff.head, "open", client=str(companies.b.pk)) == [b_app.pk]
    assert tab(staff.head, "open", type="consultation") == [b_app.pk]
    assert tab(staff.head, "open", category=str(b_app.category_id)) == [b_app.pk]
    assert tab(staff.head, "open", channel="phone") == [a_phone.pk]
    assert tab(staff.head, "open", assignee=str(staff.support.pk)) == [a_phone.pk]
    assert tab(staff.head, "open", assignee="none") == [b_app.pk]
    assert tab(staff.head, "open", status="resolved") == []
    # Malformed values are ignored, not refused: a stale bookmark still opens the queue.
    assert len(tab(staff.head, "bogus", client="x", status="nope", sort="?")) == 2


def test_search_by_number_or_subject_also_finds_closed_tickets(make_ticket, staff, frozen):
    barrier = make_ticket(msk(2026, 3, 2, 10), subject="Шлагбаум не открывается")
    reader = make_ticket(msk(2026, 3, 2, 10), subject="Считыватель молчит")
    actions.do_change_status(staff.support, reader, TicketStatus.RESOLVED)
    actions.do_change_status(staff.support, reader, TicketStatus.CLOSED)
    search_index.rebuild(["ticket"])  # as it is when those writes commit
    assert tab(staff.head, "open", q=f"#{reader.pk}") == [reader.pk]
    assert tab(staff.head, "open", q=str(reader.pk)) == [reader.pk]
    assert tab(staff.head, "open", q="открываются") == [barrier.pk]  # Cyrillic, any form
    assert tab(staff.head, "open", q="СЧИТЫВАТЕЛЬ") == [reader.pk]
    assert tab(staff.head, "open", q="#999999") == []


def test_the_text_search_finds_word_forms_in_messages_and_notes_for_staff(
    make_ticket, staff, companies, frozen
):
    barrier = make_ticket(msk(2026, 3, 2, 10), subject="Не работает въезд")
    actions.do_add_message(staff.support, barrier, "Шлагбаумы на въезде перезапущены")
    actions.do_add_message(staff.support, barrier, "Реле контроллера заменили", internal=True)
    search_index.rebuild(["ticket"])
    assert tab(staff.head, "open", q="шлагбаума") == [barrier.pk]
    assert tab(staff.head, "open", q="реле") == [barrier.pk]
    # The API's list for a client contact searches no internal note.
    filters = queries.QueueFilters.from_query({"q": "реле"})
    assert not queries.tickets_visible_to(companies.client1).filter(filters.condition()).exists()


def test_client_contact_scope_is_their_company_only(make_ticket, companies, frozen):
    mine = make_ticket(msk(2026, 3, 2, 10))
    make_ticket(msk(2026, 3, 2, 10), client=companies.b)
    assert tab(companies.client1, "open") == [mine.pk]


# ---- the page ------------------------------------------------------------------------------


def test_queue_page_lists_tickets_with_tabs_and_sla(client, desk, staff):
    client.force_login(staff.support)
    response = client.get(QUEUE, {"view": "soon"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("tickets:detail", args=[desk["emergency"]])}"' in html
    assert 'hx-trigger="every 60s"' in html
    assert 'name="tickets"' in html  # bulk checkboxes
    assert "12:05" in html  # next due, Moscow time
    assert response.context["counts"]["soon"] == 4
    assert response.context["page"].paginator.count == 4


def test_htmx_request_gets_only_the_results_fragment(client, desk, staff):
    client.force_login(staff.support)
    response = client.get(QUEUE, {"view": "breached"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="queue-table"' in html
    assert "HX-Request" in response["Vary"]


def test_queue_page_query_count_does_not_grow_with_tickets(client, make_ticket, staff, frozen):
    client.force_login(staff.support)

    def measure():
        client.get(QUEUE)  # warm the calendar cache and the session
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, {"view": "open"})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["tickets"])

    for i in range(3):
        make_ticket(msk(2026, 3, 2, 9, i), assignee=staff.support if i % 2 else None)
    few, shown = measure()
    assert shown == 3
    for i in range(27):
        make_ticket(msk(2026, 3, 2, 10, i), type=TicketType.EMERGENCY if i % 3 else "standard")
    many, shown = measure()
    assert shown == 30
    assert few == many


@pytest.mark.parametrize("who", ["head", "support", "csm", "implementation", "engineer", "ceo"])
def test_department_and_ceo_open_the_queue(client, staff, who):
    client.force_login(getattr(staff, who))
    assert client.get(QUEUE).status_code == 200


def test_ceo_reads_the_queue_without_bulk_controls(client, desk, staff):
    client.force_login(staff.ceo)
    html = client.get(QUEUE).content.decode()
    assert 'name="tickets"' not in html
    assert reverse("tickets:create") not in html


@pytest.mark.parametrize("who", ["sales", "dev"])
def test_colleagues_outside_support_are_refused(client, staff, who):
    client.force_login(getattr(staff, who))
    assert client.get(QUEUE).status_code == 403


def test_the_queue_is_a_section_a_client_contact_may_not_use(client, companies):
    client.force_login(companies.client1)
    assert client.get(QUEUE).status_code == 403


def test_anonymous_goes_to_login(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---- bulk actions ------------------------------------------------------------------------------


def test_bulk_assign(client, make_ticket, staff, frozen):
    first, second, other = (make_ticket(msk(2026, 3, 2, 10, i)) for i in range(3))
    client.force_login(staff.support)
    response = client.post(
        reverse("tickets:bulk"),
        {
            "tickets": [first.pk, second.pk],
            "action": "assign",
            "assignee": staff.engineer.pk,
            "next": f"{QUEUE}?view=unassigned",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?view=unassigned"
    assigned = dict(Ticket.objects.values_list("pk", "assignee_id"))
    assert assigned == {first.pk: staff.engineer.pk, second.pk: staff.engineer.pk, other.pk: None}


def test_bulk_close_resolves_and_closes(client, make_ticket, staff, frozen):
    first, second = (make_ticket(msk(2026, 3, 2, 10, i)) for i in range(2))
    client.force_login(staff.head)
    client.post(reverse("tickets:bulk"), {"tickets": [first.pk, second.pk], "action": "close"})
    assert set(Ticket.objects.values_list("status", flat=True)) == {TicketStatus.CLOSED}


def test_bulk_assign_needs_a_person_and_changes_nothing_without(client, make_ticket, staff, frozen):
    ticket = make_ticket(msk(2026, 3, 2, 10))
    client.force_login(staff.support)
    response = client.post(
        reverse("tickets:bulk"), {"tickets": [ticket.pk], "action": "assign"}, follow=True
    )
    assert "Choose whom to assign" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_bulk_to_a_non_staff_assignee_is_refused(client, make_ticket, staff, frozen):
    ticket = make_ticket(msk(2026, 3, 2, 10))
    client.force_login(staff.support)
    client.post(
        reverse("tickets:bulk"),
        {"tickets": [ticket.pk], "action": "assign", "assignee": staff.sales.pk},
    )
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


@pytest.mark.parametrize("who", ["ceo", "sales", "dev"])
def test_bulk_is_refused_to_readers_and_outsiders(client, make_ticket, staff, frozen, who):
    ticket = make_ticket(msk(2026, 3, 2, 10))
    client.force_login(getattr(staff, who))
    response = client.post(reverse("tickets:bulk"), {"tickets": [ticket.pk], "action": "close"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_bulk_by_a_client_contact_changes_nothing(client, make_ticket, companies, frozen):
    ticket = make_ticket(msk(2026, 3, 2, 10))
    client.force_login(companies.client1)
    response = client.post(reverse("tickets:bulk"), {"tickets": [ticket.pk], "action": "close"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_bulk_refuses_a_foreign_redirect(client, make_ticket, staff, frozen):
    ticket = make_ticket(msk(2026, 3, 2, 10))
    client.force_login(staff.support)
    response = client.post(
        reverse("tickets:bulk"),
        {"tickets": [ticket.pk], "action": "close", "next": "https://evil.example/"},
    )
    assert response["Location"] == QUEUE


def test_a_search_still_keeps_breached_and_soon_to_open_tickets(desk, staff):
    search_index.rebuild(["ticket"])
    breached = tab(staff.support, "breached", q="шлагбаум")
    assert set(breached) == {desk["overdue"], desk["answered_late"]}
    assert desk["closed_late"] in tab(staff.support, "open", q="шлагбаум")
    counts = queries.queue_counts(staff.support, queries.QueueFilters.from_query({"q": "шлагбаум"}))
    assert counts["breached"] == 2 and counts["open"] == 9
