"""The client 360 at /clients/<id>/: header, open items, the timeline in pages (a fixed
number of queries whatever the history), and who sees what."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.clients.actions import do_update_client
from soprovod.clients.models import ClientStatus
from soprovod.success import actions, timeline
from soprovod.tickets.models import Ticket
from soprovod.tickets.tests.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def make_tickets(client, n, category):
    Ticket.objects.bulk_create(
        [
            TicketFactory.build(
                client=client,
                category=category,
                created_at=T0 + dt.timedelta(hours=i // 2),  # two tickets per instant
                subject=f"Заявка {i}",
            )
            for i in range(n)
        ]
    )


def card_queries(client_http, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client_http.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_card_keeps_the_plain_page_and_adds_the_360(client, staff, companies):
    actions.do_save_client_profile(staff.head, companies.a, key_account=True)
    actions.do_create_claim(staff.csm, client=companies.a, basis="Простой", number="П-7")
    actions.do_log_call_note(
        staff.csm, companies.a, held_on=dt.date(2026, 3, 1), summary="Созвон по продлению"
    )
    client.force_login(staff.csm)
    html = client.get(reverse("clients:detail", args=[companies.a.pk])).content.decode()
    for piece in ('id="card-header"', 'id="key-account"', 'id="open-items"', 'id="timeline"'):
        assert piece in html
    assert "П-7" in html and "Созвон по продлению" in html
    # What the plain page showed is still there: sites, contacts, status history.
    assert companies.site_a.name in html and companies.contact_a.full_name in html
    assert "История статусов" in html


def test_a_fixed_number_of_queries_whatever_the_history(client, staff, companies):
    category = CategoryFactory()
    make_tickets(companies.a, 5, category)
    client.force_login(staff.head)
    url = reverse("clients:detail", args=[companies.a.pk])
    few = card_queries(client, url)
    make_tickets(companies.a, 300, category)
    assert card_queries(client, url) == few


def test_paging_neither_skips_nor_repeats(staff, companies):
    category = CategoryFactory()
    make_tickets(companies.a, 75, category)  # pairs share their created_at
    do_update_client(staff.head, companies.a, status=ClientStatus.AT_RISK)
    seen, cursor = [], None
    while True:
        events, cursor = timeline.page(staff.head, companies.a, cursor=cursor, limit=10)
        seen += [(e.kind, e.id) for e in events]
        if cursor is None:
            break
        cursor = timeline.Cursor.decode(cursor.encode())
    tickets = [pk for kind, pk in seen if kind == "ticket"]
    assert sorted(tickets) == sorted(
        Ticket.objects.filter(client=companies.a).values_list("pk", flat=True)
    )
    assert len(seen) == len(set(seen))
    assert ("status", companies.a.status_history.latest("id").pk) in seen


def test_load_more_and_kind_filter(client, staff, companies):
    category = CategoryFactory()
    make_tickets(companies.a, 45, category)
    actions.do_create_claim(staff.csm, client=companies.a, basis="x", number="П-9")
    client.force_login(staff.head)
    html = client.get(reverse("clients:detail", args=[companies.a.pk])).content.decode()
    assert html.count('data-kind="') == timeline.PAGE
    assert html.count('data-kind="ticket"') == timeline.PAGE - 1  # and the newer claim
    assert 'id="timeline-more"' in html
    only_claims = client.get(
        reverse("clients:detail", args=[companies.a.pk]), {"kind": "claim"}
    ).content.decode()
    assert 'data-kind="claim"' in only_claims and 'data-kind="ticket"' not in only_claims
    first, cursor = timeline.page(staff.head, companies.a)
    more = client.get(
        reverse("success:timeline", args=[companies.a.pk]),
        {"before": cursor.encode()},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert more.count("data-kind=") > 0
    shown = {e.id for e in first if e.kind == "ticket"}
    assert not any(f'/tickets/{pk}/"' in more for pk in shown)
    assert more.count('data-kind="ticket"') == 45 - len(shown)


def test_sales_see_their_client_without_tickets_or_notes(client, staff, companies):
    TicketFactory(client=companies.a, subject="Секретная заявка")
    actions.do_log_call_note(
        staff.csm, companies.a, held_on=dt.date(2026, 3, 1), summary="Внутреннее"
    )
    actions.do_create_claim(staff.csm, client=companies.a, basis="x", number="П-3")
    client.force_login(staff.sales)
    html = client.get(reverse("clients:detail", args=[companies.a.pk])).content.decode()
    assert "Секретная заявка" not in html and "Внутреннее" not in html and "П-3" not in html
    assert 'id="card-log-note"' not in html
    client.force_login(staff.sales2)  # sold another client
    assert client.get(reverse("clients:detail", args=[companies.a.pk])).status_code == 404
    assert client.get(reverse("success:timeline", args=[companies.a.pk])).status_code == 404


def test_client_contacts_never_see_the_card(client, companies):
    client.force_login(companies.client1)
    response = client.get(reverse("clients:detail", args=[companies.a.pk]))
    assert response.status_code == 302 and "/portal" in response["Location"]
    assert client.get(reverse("clients:detail", args=[companies.b.pk])).status_code == 404
    assert client.get(reverse("success:timeline", args=[companies.a.pk])).status_code == 404
    assert client.get(reverse("success:timeline", args=[companies.b.pk])).status_code == 404


def test_a_broken_cursor_starts_from_the_top(client, staff, companies):
    client.force_login(staff.head)
    response = client.get(
        reverse("success:timeline", args=[companies.a.pk]), {"before": "nonsense|x|y"}
    )
    assert response.status_code == 200


def test_development_reads_no_client(client, staff, companies):
    client.force_login(staff.dev)
    assert client.get(reverse("clients:detail", args=[companies.a.pk])).status_code in (403, 404)
