"""The tickets API keeps the pages' permissions: another company's ticket is 404, internal
notes never reach a client, department work needs a support role."""

import datetime as dt

import pytest
import time_machine

from soprovod.accounts.models import ApiToken
from soprovod.audit.models import AuditEvent
from soprovod.search import index as search_index
from soprovod.sla.models import Metric, SlaClock
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketStatus
from soprovod.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, raw = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def tickets(companies, staff):
    def make(company, contact):
        ticket = actions.do_create_ticket(
            None,
            client=company,
            contact=contact,
            subject="Не работает считыватель",
            body="Считыватель на проходной не видит карты",
            type="standard",
            channel=Channel.PORTAL,
            category=CategoryFactory(),
        )
        actions.do_add_message(staff.support, ticket, "Секретная заметка", internal=True)
        actions.do_add_message(staff.support, ticket, "Выехал инженер")
        return ticket

    return {
        "a": make(companies.a, companies.contact_a),
        "b": make(companies.b, companies.contact_b),
    }


def test_client_contact_sees_only_own_company_tickets(client, companies, tickets):
    auth = bearer(companies.client1)
    listing = client.get("/api/v1/tickets", **auth).json()
    assert [t["number"] for t in listing["items"]] == [tickets["a"].pk]
    assert client.get(f"/api/v1/tickets/{tickets['b'].pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/tickets/{tickets['b'].pk}/messages", **auth).status_code == 404
    reply = client.post(
        f"/api/v1/tickets/{tickets['b'].pk}/messages",
        {"body": "hi"},
        content_type="application/json",
        **auth,
    )
    assert reply.status_code == 404
    assert client.post(f"/api/v1/tickets/{tickets['b'].pk}/reopen", **auth).status_code == 404


def test_internal_notes_never_reach_the_client(client, companies, tickets):
    messages = client.get(
        f"/api/v1/tickets/{tickets['a'].pk}/messages", **bearer(companies.client1)
    )
    bodies = [m["body"] for m in messages.json()["items"]]
    assert "Секретная заметка" not in bodies
    assert "Выехал инженер" in bodies
    staff_view = client.get(
        f"/api/v1/tickets/{tickets['a'].pk}/messages", **bearer(tickets["a"].messages.last().author)
    )
    assert "Секретная заметка" in [m["body"] for m in staff_view.json()["items"]]


def test_client_cannot_write_internal_notes_or_change_status(client, companies, tickets):
    auth = bearer(companies.client1)
    url = f"/api/v1/tickets/{tickets['a'].pk}"
    note = client.post(
        f"{url}/messages", {"body": "x", "internal": True}, content_type="application/json", **auth
    )
    assert note.status_code == 403
    status = client.post(
        f"{url}/status", {"status": "resolved"}, content_type="application/json", **auth
    )
    assert status.status_code == 403


def test_client_files_a_ticket_for_own_company_only(client, companies):
    auth = bearer(companies.client1)
    created = client.post(
        "/api/v1/tickets",
        {"subject": "Пропуск", "body": "Не печатается", "type": "consultation"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    assert created.json()["client"]["id"] == companies.a.pk
    assert created.json()["channel"] == "portal"
    # Another company's client or site is not one the contact may see: 404, as if absent
    # (interfaces.md), naming the field and answering exactly as for an id that is not there.
    for field, hidden in (("client", companies.b.pk), ("site", companies.site_b.pk)):
        other = client.post(
            "/api/v1/tickets",
            {"subject": "x", "body": "y", field: hidden},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
            **auth,
        )
        missing = client.post(
            "/api/v1/tickets",
            {"subject": "x", "body": "y", field: 999_999},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
            **auth,
        )
        assert other.status_code == 404, field
        assert other.json() == missing.json() == {"detail": f"Not found: {field}"}


def test_staff_naming_a_hidden_or_a_mismatched_object_in_a_ticket(client, staff, companies):
    """Staff see every client: a client id that is not there is a 404 (as a hidden one
    would be), a site of another client than the ticket's is the caller's input error
    (422), not a hidden object."""
    auth = bearer(staff.support)
    mismatched = client.post(
        "/api/v1/tickets",
        {"subject": "x", "body": "y", "client": companies.a.pk, "site": companies.site_b.pk},
        content_type="application/json",
        **auth,
    )
    assert mismatched.status_code == 422
    assert mismatched.json()["detail"][0]["loc"][-1] == "site"
    missing = client.post(
        "/api/v1/tickets",
        {"subject": "x", "body": "y", "client": 999_999},
        content_type="application/json",
        **auth,
    )
    assert missing.status_code == 404


def test_staff_workflow_drives_the_clocks(client, staff, tickets):
    auth = bearer(staff.support)
    url = f"/api/v1/tickets/{tickets['a'].pk}"
    ticket = client.get(url, **auth).json()
    assert {c["metric"] for c in ticket["clocks"]} == {
        "first_response",
        "resolution",
        "resolution_ceiling",
    }
    assert ticket["first_response_at"] is not None  # the public reply in the fixture
    waiting = client.post(
        f"{url}/status", {"status": "waiting_client"}, content_type="application/json", **auth
    )
    assert waiting.status_code == 200
    assert (
        next(c for c in waiting.json()["clocks"] if c["metric"] == "resolution")["paused"] is True
    )
    resolved = client.post(
        f"{url}/status", {"status": "resolved"}, content_type="application/json", **auth
    )
    assert resolved.json()["status"] == "resolved"
    assert (
        SlaClock.objects.get(ticket=tickets["a"], metric=Metric.RESOLUTION).stopped_at is not None
    )


def test_stale_version_and_bad_transition_are_409(client, staff, tickets):
    auth = bearer(staff.support)
    url = f"/api/v1/tickets/{tickets['a'].pk}"
    version = client.get(url, **auth).json()["version"]
    client.patch(url, {"subject": "Новая тема"}, content_type="application/json", **auth)
    stale = client.patch(
        url, {"subject": "Другая", "version": version}, content_type="application/json", **auth
    )
    assert stale.status_code == 409
    actions.do_change_status(staff.support, tickets["a"], TicketStatus.RESOLVED)
    actions.do_change_status(staff.support, tickets["a"], TicketStatus.CLOSED)
    bad = client.post(
        f"{url}/status",
        {"status": "open"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    # The ticket's state refuses the move (interfaces.md: 409), naming both statuses.
    assert bad.status_code == 409
    assert bad.json() == {"detail": "A ticket cannot go from “Closed” to “In progress”."}
    changed = client.patch(
        url,
        {"subject": "Поздно"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert changed.status_code == 409
    assert changed.json() == {"detail": "The ticket is closed and can no longer be changed."}
    reply = client.post(f"{url}/messages", {"body": "x"}, content_type="application/json", **auth)
    assert reply.status_code == 409
    empty = client.post(f"{url}/messages", {"body": " "}, content_type="application/json", **auth)
    assert empty.status_code == 422  # wrong whatever the state


def test_reopen_and_rating_of_an_unresolved_ticket_are_409(client, staff, companies, tickets):
    """The ticket's state refuses (409), whoever asks; the role refusal stays a 403."""
    url = f"/api/v1/tickets/{tickets['a'].pk}"
    en = {"content_type": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}
    for user in (staff.support, companies.client1):
        reopened = client.post(f"{url}/reopen", **en, **bearer(user))
        assert reopened.status_code == 409
        assert reopened.json() == {"detail": "Only a resolved ticket can be reopened."}
    rated = client.post(f"{url}/rating", {"score": 4}, **en, **bearer(companies.client1))
    assert rated.status_code == 409
    assert rated.json() == {"detail": "Only a resolved ticket can be rated."}
    assert (
        client.post(f"{url}/rating", {"score": 4}, **en, **bearer(staff.support)).status_code == 403
    )
    assert client.post(f"{url}/reopen", **en, **bearer(staff.ceo)).status_code == 403
    tickets["a"].refresh_from_db()
    assert tickets["a"].status == TicketStatus.OPEN and tickets["a"].csat_score is None


def test_ceo_reads_but_cannot_work_tickets(client, staff, tickets):
    auth = bearer(staff.ceo)
    url = f"/api/v1/tickets/{tickets['a'].pk}"
    assert client.get(url, **auth).status_code == 200
    assert (
        client.post(
            f"{url}/messages", {"body": "x"}, content_type="application/json", **auth
        ).status_code
        == 403
    )


def test_development_and_sales_see_no_tickets(client, staff, tickets):
    for user in (staff.dev, staff.sales):
        auth = bearer(user)
        # The queue page is 403 for them: so is its list (not an empty 200).
        assert client.get("/api/v1/tickets", **auth).status_code == 403
        assert client.get(f"/api/v1/tickets/{tickets['a'].pk}", **auth).status_code == 404


def test_extension_past_the_ceiling_is_422(client, staff, tickets):
    clock = SlaClock.objects.get(ticket=tickets["a"], metric=Metric.RESOLUTION)
    too_late = (clock.ceiling_at + dt.timedelta(minutes=1)).isoformat()
    answer = client.post(
        f"/api/v1/tickets/{tickets['a'].pk}/extension",
        {"due_at": too_late, "reason": "Запчасти"},
        content_type="application/json",
        **bearer(staff.support),
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "due_at"


def test_extension_of_a_stopped_clock_is_409(client, staff, tickets):
    """A resolved ticket's clock has stopped: its state refuses any due time (409), where a
    due time past the ceiling is the input's fault (422, above)."""
    clock = SlaClock.objects.get(ticket=tickets["a"], metric=Metric.RESOLUTION)
    later = (clock.due_at + dt.timedelta(hours=1)).isoformat()
    actions.do_change_status(staff.support, tickets["a"], TicketStatus.RESOLVED)
    answer = client.post(
        f"/api/v1/tickets/{tickets['a'].pk}/extension",
        {"due_at": later, "reason": "Запчасти"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(staff.support),
    )
    assert answer.status_code == 409
    assert answer.json() == {"detail": "The clock has stopped: its due time can no longer change."}
    clock.refresh_from_db()
    assert clock.due_at.isoformat() != later


def test_ticket_list_costs_the_same_queries_for_more_tickets(
    client, staff, companies, django_assert_num_queries
):
    auth = bearer(staff.head)

    def make(n):
        for _ in range(n):
            actions.do_create_ticket(
                None, client=companies.a, subject="s", body="b", type="standard", channel="phone"
            )

    make(3)
    client.get("/api/v1/tickets", **auth)  # warm caches (token last-used, calendars)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/tickets", **auth)
    make(27)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/tickets", **auth)
    assert len(many) == len(few)


def test_kpi_document_for_head_and_ceo_only(client, staff, companies):
    ok = client.get("/api/v1/kpi?from=2026-10-01&to=2026-10-31", **bearer(staff.head))
    assert ok.status_code == 200
    document = ok.json()
    assert document["from"] == "2026-10-01"
    assert (
        next(k for k in document["kpis"] if k["key"] == "sla.standard")["title"]
        == "Соблюдение SLA: стандартные"
    )
    assert (
        client.get("/api/v1/kpi?from=2026-10-01&to=2026-10-31", **bearer(staff.ceo)).status_code
        == 200
    )
    assert (
        client.get("/api/v1/kpi?from=2026-10-01&to=2026-10-31", **bearer(staff.support)).status_code
        == 403
    )
    assert (
        client.get(
            "/api/v1/kpi?from=2026-10-01&to=2026-10-31", **bearer(companies.client1)
        ).status_code
        == 403
    )
    assert (
        client.get("/api/v1/kpi?from=2026-10-31&to=2026-10-01", **bearer(staff.head)).status_code
        == 422
    )
    assert (
        client.get("/api/v1/kpi?from=garbage&to=2026-10-01", **bearer(staff.head)).status_code
        == 422
    )
    # A date at the calendar's edge (the period before it does not exist) is refused, not a
    # 500 (found by schemathesis).
    for query in ("from=0001-01-01&to=0001-01-05", "from=2026-10-01&to=9999-12-31"):
        response = client.get(f"/api/v1/kpi?{query}", **bearer(staff.head))
        assert response.status_code == 422, query


def test_second_rating_of_a_closed_ticket_is_refused_and_changes_nothing(
    client, staff, companies, tickets
):
    ticket = tickets["a"]
    actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    url = f"/api/v1/tickets/{ticket.pk}/rating"
    auth = bearer(companies.client1)
    first = client.post(
        url, {"score": 3, "comment": "Долго"}, content_type="application/json", **auth
    )
    assert first.status_code == 200
    assert first.json()["csat_score"] == 3
    actions.do_change_status(staff.support, ticket, TicketStatus.CLOSED)
    ticket.refresh_from_db()
    before = (ticket.csat_score, ticket.csat_comment, ticket.csat_at, ticket.version)
    trail = AuditEvent.objects.count()

    second = client.post(
        url,
        {"score": 5, "comment": ""},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )

    assert second.status_code == 409
    assert second.json() == {
        "detail": "The ticket is closed and already rated: its rating is final."
    }
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment, ticket.csat_at, ticket.version) == before
    assert AuditEvent.objects.count() == trail


def test_the_api_filters_and_searches_as_the_queue_does(client, staff, tickets):
    """The same search and filters as the queue (tickets/queries.py): Cyrillic in any case,
    on SQLite too; ``#N`` is the ticket N only."""
    auth = bearer(staff.head)

    def numbers(**params) -> set[int]:
        listing = client.get("/api/v1/tickets", params, **auth).json()
        return {item["number"] for item in listing["items"]}

    both = {tickets["a"].pk, tickets["b"].pk}
    search_index.rebuild(["ticket"])  # as it is when the tickets' writes commit
    assert numbers(q="считыватель") == both
    assert numbers(q="СЧИТЫВАТЕЛЬ") == both
    assert numbers(q=f"#{tickets['a'].pk}") == {tickets["a"].pk}
    assert numbers(q="шлагбаум") == set()
    assert numbers(client=tickets["b"].client_id, open="true") == {tickets["b"].pk}
    assert numbers(open="false") == set()


def test_a_running_clock_past_due_reads_breached_without_the_checker(client, staff, tickets):
    """Issue 9, point 5: the API judges clocks at the time of the answer, not by the status
    the checker last stored (no worker runs in this test)."""
    ticket = tickets["a"]
    resolution = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert resolution.status == "pending"
    url = f"/api/v1/tickets/{ticket.pk}"
    with time_machine.travel(resolution.due_at - dt.timedelta(minutes=1), tick=False):
        before = client.get(url, **bearer(staff.support)).json()
    with time_machine.travel(resolution.due_at + dt.timedelta(minutes=1), tick=False):
        after = client.get(url, **bearer(staff.support)).json()
    status = {c["metric"]: c["status"] for c in before["clocks"]}
    assert (status["resolution"], before["sla_status"]) == ("pending", "pending")
    status = {c["metric"]: c["status"] for c in after["clocks"]}
    assert (status["resolution"], after["sla_status"]) == ("breached", "breached")
    assert SlaClock.objects.get(pk=resolution.pk).status == "pending"  # nothing was stored
