"""What the menu costs in queries, and that its deputy entries are never stale: who stands in
for whom is read once per request (accounts.queries.request_memo), never kept across
requests, so an absence recorded now shows in the deputy's menu on their next request."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from soprovod.accounts.actions import do_cancel_absence, do_record_absence
from soprovod.accounts.models import User
from soprovod.accounts.queries import request_memo
from soprovod.web.navigation import navigation_for

INBOX = 'href="/escalations/"'


def _absence_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "accounts_absence"' in q["sql"]]


def test_the_heads_menu_costs_the_deputy_check_and_the_inbox_count(
    staff, django_assert_num_queries
):
    head = User.objects.get(pk=staff.head.pk)  # as the request loads it
    assert head.role_codes  # read once per request anyway (the two-factor check asks first)
    with request_memo(), django_assert_num_queries(2) as captured:
        items, _menu = navigation_for(head, "/")
    assert len(_absence_queries(captured.captured_queries)) == 1  # whether they stand in
    assert any(item.url == "/escalations/" for item in items)  # the other: its count


def test_a_page_asks_who_stands_in_once(client, staff):
    """A deputy's menu asks it for the inbox and the hand-offs, the page again: one query."""
    client.force_login(staff.support)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    assert len(_absence_queries(captured.captured_queries)) == 1


def test_the_deputys_menu_changes_on_the_next_request(client, staff):
    client.force_login(staff.support)
    assert INBOX not in client.get("/").content.decode()
    today = timezone.localdate()
    absence = do_record_absence(
        staff.head, staff.head, starts_on=today, ends_on=today, deputy=staff.support
    )
    assert INBOX in client.get("/").content.decode()
    do_cancel_absence(staff.head, absence)
    assert INBOX not in client.get("/").content.decode()
