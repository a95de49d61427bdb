"""The pages: who sees what (owner, colleague, outsider), the flow through the forms, the
ticket and client page panels, and fixed query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.devrequests import actions
from soprovod.devrequests.models import DevRequest, RequestKind, RequestStatus
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


def test_support_files_a_request_from_a_ticket(as_user, staff, tickets):
    page = as_user(staff.support).get(f"/devrequests/new/?ticket={tickets[0].pk}")
    assert page.status_code == 200
    assert tickets[0].subject in page.content.decode()
    response = as_user(staff.support).post(
        f"/devrequests/new/?ticket={tickets[0].pk}",
        {"kind": RequestKind.BUG, "title": "Печать", "description": "", "submit": "on"},
    )
    created = DevRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("devrequests:detail", args=[created.pk])
    assert created.status == RequestStatus.SUBMITTED
    assert list(created.tickets.all()) == [tickets[0]]


def test_a_request_from_a_client_page_links_the_client(as_user, staff, companies, now):
    as_user(staff.csm).post(
        f"/devrequests/new/?client={companies.b.pk}",
        {"kind": RequestKind.FEATURE, "title": "Выгрузка", "description": ""},
    )
    created = DevRequest.objects.get()
    assert list(created.clients.all()) == [companies.b]
    assert created.status == RequestStatus.DRAFT  # the box was left unticked


def test_development_accepts_then_releases_through_the_pages(as_user, staff, submitted):
    dev = as_user(staff.dev)
    url = f"/devrequests/{submitted.pk}/"
    assert "Accept" in dev.get(url).content.decode()
    refused = dev.post(f"{url}accept/", {"planned_release": "", "version": submitted.version})
    assert refused.status_code == 200  # shown again with the reason
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED
    dev.post(f"{url}accept/", {"planned_release": "3.14", "version": submitted.version})
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.ACCEPTED
    dev.post(f"{url}release/", {"released_in": "", "version": submitted.version})
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.RELEASED and submitted.released_in == "3.14"


def test_a_stale_decision_is_refused(as_user, staff, submitted):
    actions.do_vote(staff.support, submitted)  # someone changed it after the page was opened
    response = as_user(staff.dev).post(
        f"/devrequests/{submitted.pk}/decline/", {"decision": "Нет", "version": 1}
    )
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        # Development decides; support files; neither does the other's part.
        ("support", "accept/", 403),
        ("dev", "vote/", 403),
        ("dev", "link/", 403),
        ("sales", "accept/", 404),
        ("client1", "vote/", 404),
    ],
)
def test_each_side_may_do_only_its_part(as_user, staff, companies, submitted, who, path, status):
    user = getattr(staff, who, None) or getattr(companies, who)
    response = as_user(user).post(
        f"/devrequests/{submitted.pk}/{path}", {"planned_release": "1", "ticket": 1}
    )
    assert response.status_code == status


def test_who_reads_the_requests(as_user, staff, companies, submitted):
    url = f"/devrequests/{submitted.pk}/"
    for user in (staff.dev, staff.support, staff.head, staff.ceo, staff.csm):
        assert as_user(user).get(url).status_code == 200, user
    assert as_user(staff.sales).get(url).status_code == 403
    assert as_user(staff.sales).get("/devrequests/").status_code == 403
    assert as_user(companies.client1).get("/devrequests/").status_code == 403  # a section


def test_development_sees_ticket_subjects_never_the_client_portfolio(
    as_user, staff, companies, submitted, tickets
):
    dev = as_user(staff.dev)
    page = dev.get(f"/devrequests/{submitted.pk}/").content.decode()
    assert tickets[0].subject in page
    assert companies.a.name not in page  # impact figures only, no client names
    assert f"/tickets/{tickets[0].pk}/" not in page  # no way into the queue either
    assert dev.get(f"/tickets/{tickets[0].pk}/").status_code in (403, 404)
    assert dev.get("/clients/").status_code == 403
    assert dev.get(f"/clients/{companies.a.pk}/").status_code == 404
    assert dev.get("/api/v1/clients").status_code == 403  # as the /clients/ page
    support = as_user(staff.support).get(f"/devrequests/{submitted.pk}/").content.decode()
    assert companies.a.name in support


def test_the_ticket_page_shows_the_linked_request_and_its_status(
    as_user, staff, submitted, tickets
):
    page = as_user(staff.support).get(f"/tickets/{tickets[0].pk}/").content.decode()
    assert f"DEV-{submitted.pk}" in page
    assert "Awaiting decision" in page
    other = as_user(staff.support).get(f"/tickets/{tickets[1].pk}/").content.decode()
    assert f"DEV-{submitted.pk}" not in other
    assert f"/devrequests/new/?ticket={tickets[1].pk}" in other


def test_the_client_page_shows_its_requests(as_user, staff, companies, submitted):
    page = as_user(staff.csm).get(f"/clients/{companies.a.pk}/").content.decode()
    assert f"DEV-{submitted.pk}" in page
    assert f"/devrequests/new/?client={companies.a.pk}" in page


def test_the_inbox_puts_the_larger_impact_first(as_user, staff, companies, submitted, tickets):
    small = actions.do_create_request(
        staff.support, kind=RequestKind.FEATURE, title="Тёмная тема", clients=[companies.b]
    )
    page = as_user(staff.dev).get("/devrequests/").content.decode()
    assert page.index(f"DEV-{submitted.pk}<") < page.index(f"DEV-{small.pk}<")


def test_development_home_shows_the_inbox(as_user, staff, submitted):
    page = as_user(staff.dev).get("/").content.decode()
    assert 'id="dev-inbox"' in page and f"DEV-{submitted.pk}" in page
    assert 'id="dev-inbox"' not in as_user(staff.csm).get("/").content.decode()


def test_the_menu_shows_development_to_those_who_read_it(as_user, staff):
    assert 'href="/devrequests/"' in as_user(staff.dev).get("/").content.decode()
    assert 'href="/devrequests/"' not in as_user(staff.sales).get("/").content.decode()


def test_the_list_downloads_as_csv(as_user, staff, submitted):
    response = as_user(staff.dev).get("/devrequests/?view=all&format=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("number,kind,title,status")
    assert lines[1].startswith(f"DEV-{submitted.pk},bug,")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_cost_the_same_whatever_their_length(as_user, staff, companies, submitted, now):
    dev = as_user(staff.dev)
    urls = ["/devrequests/", "/devrequests/?view=all", "/", f"/devrequests/{submitted.pk}/"]
    before = [_count(dev, url) for url in urls]
    for n in range(6):
        ticket = TicketFactory(client=companies.b)
        actions.do_create_request(staff.support, kind="bug", title=f"Запрос {n}", tickets=[ticket])
        actions.do_link(staff.support, submitted, tickets=[ticket])
    assert [_count(dev, url) for url in urls] == before
