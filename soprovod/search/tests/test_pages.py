"""The staff search page, the portal's search, the API and the command: the same index and
the same permissions; denials tested, not only grants."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from soprovod.accounts.models import ApiToken
from soprovod.search.models import SearchDocument
from soprovod.tickets.tests.factories import TicketFactory

SEARCH = "/search/"
PORTAL_SEARCH = "/portal/search/"


def bearer(user):
    _, raw = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_page_groups_highlighted_hits(client, desk, staff):
    client.force_login(staff.support)
    response = client.get(SEARCH, {"q": "шлагбаумов"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index('id="group-ticket">Обращения') < page.index(
        'id="group-devrequest">Запросы в разработку'
    )
    assert f'href="/tickets/{desk["barrier"].pk}/"' in page
    assert "<mark>шлагбаум</mark>" in page and "<mark>Шлагбаумы</mark>" in page
    # The header's search box is on every staff page, the query kept in it.
    assert 'class="topsearch"' in page and 'value="шлагбаумов"' in page


def test_the_page_escapes_what_it_shows(client, desk, staff, indexed):
    indexed(lambda: TicketFactory(subject="<script>alert(1)</script> турникет"))
    client.force_login(staff.support)
    page = client.get(SEARCH, {"q": "турникет"}).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>турникет</mark>" in page


def test_nothing_found_and_an_empty_query(client, desk, staff):
    client.force_login(staff.support)
    assert "ничего не нашлось" in client.get(SEARCH, {"q": "вертолёт"}).content.decode()
    assert client.get(SEARCH).status_code == 200


def test_a_number_an_inn_and_an_email_redirect_to_the_record(client, desk, staff, companies):
    client.force_login(staff.support)
    barrier = desk["barrier"].pk
    assert client.get(SEARCH, {"q": f"#{barrier}"})["Location"] == f"/tickets/{barrier}/"
    response = client.get(SEARCH, {"q": companies.a.inn})
    assert response["Location"] == f"/clients/{companies.a.pk}/"
    response = client.get(SEARCH, {"q": companies.contact_b.email})
    assert response["Location"] == f"/clients/{companies.b.pk}/"


@pytest.mark.parametrize("who", ["client1", "client2"])
def test_a_client_contact_is_refused_the_staff_page(client, desk, companies, who):
    client.force_login(getattr(companies, who))
    assert client.get(SEARCH, {"q": "шлагбаум"}).status_code == 403


def test_signing_in_comes_first(client):
    response = client.get(SEARCH, {"q": "шлагбаум"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_portal_search_keeps_to_the_company_and_public_messages(client, desk, companies):
    client.force_login(companies.client1)
    page = client.get(PORTAL_SEARCH, {"q": "шлагбаум"}).content.decode()
    assert f'href="/portal/tickets/{desk["barrier"].pk}/"' in page
    assert f"/tickets/{desk['reader'].pk}/" not in page  # the other company's
    assert "Журнал проездов" not in page  # a request to development
    notes = client.get(PORTAL_SEARCH, {"q": "реле"}).content.decode()
    assert "ничего не нашлось" in notes and "Контроллер" not in notes
    # Its own ticket's number opens it; the other company's does not.
    barrier, reader = desk["barrier"].pk, desk["reader"].pk
    assert client.get(PORTAL_SEARCH, {"q": str(barrier)})["Location"] == (
        f"/portal/tickets/{barrier}/"
    )
    assert client.get(PORTAL_SEARCH, {"q": f"#{reader}"}).status_code == 200
    assert client.get(PORTAL_SEARCH, {"q": companies.b.inn}).status_code == 200


def test_staff_have_no_portal_search(client, staff):
    # The portal is a section staff do not use: 403, as for any section (the permission matrix).
    client.force_login(staff.support)
    assert client.get(PORTAL_SEARCH, {"q": "шлагбаум"}).status_code == 403


# ---- the API ----------------------------------------------------------------------------------


def test_the_api_answers_kind_id_title_snippet_and_rank(client, desk, staff):
    body = client.get("/api/v1/search", {"q": "шлагбаума"}, **bearer(staff.head)).json()
    assert body["count"] == 3
    first = next(item for item in body["items"] if item["kind"] == "ticket")
    assert first["id"] == desk["barrier"].pk
    assert "<mark>шлагбаум</mark>" in first["title"] and first["rank"] > 0
    ranks = [item["rank"] for item in body["items"]]
    assert ranks == sorted(ranks, reverse=True)
    only = client.get(
        "/api/v1/search", {"q": "шлагбаума", "kind": "devrequest"}, **bearer(staff.head)
    ).json()
    assert [(i["kind"], i["id"]) for i in only["items"]] == [("devrequest", desk["request"].pk)]


def test_the_api_pages(client, desk, staff):
    auth = bearer(staff.head)
    first = client.get("/api/v1/search", {"q": "шлагбаум", "page_size": 2}, **auth).json()
    second = client.get(
        "/api/v1/search", {"q": "шлагбаум", "page_size": 2, "page": 2}, **auth
    ).json()
    assert first["count"] == second["count"] == 3
    seen = [(i["kind"], i["id"]) for i in first["items"] + second["items"]]
    assert len(seen) == len(set(seen)) == 3


def test_the_api_keeps_a_client_contact_to_their_company(client, desk, companies):
    auth = bearer(companies.client1)
    body = client.get("/api/v1/search", {"q": "шлагбаум"}, **auth).json()
    assert [(i["kind"], i["id"]) for i in body["items"]] == [("ticket", desk["barrier"].pk)]
    assert client.get("/api/v1/search", {"q": "реле"}, **auth).json()["count"] == 0
    assert client.get("/api/v1/search", {"q": "считыватель"}, **auth).json()["count"] == 0
    clients = client.get("/api/v1/search", {"q": companies.a.name, "kind": "client"}, **auth)
    assert clients.json()["count"] == 0


def test_the_api_refuses_bad_input_and_strangers(client, desk, staff):
    auth = bearer(staff.head)
    assert client.get("/api/v1/search", {"q": "x", "kind": "nope"}, **auth).status_code == 422
    assert client.get("/api/v1/search", **auth).status_code == 422
    assert client.get("/api/v1/search", {"q": "шлагбаум"}).status_code == 401


# ---- the command, the demo --------------------------------------------------------------------


def test_the_command_rebuilds_the_index(desk, staff, capsys):
    SearchDocument.objects.all().delete()
    call_command("search", "reindex")
    out = capsys.readouterr().out
    assert "ticket: 3 documents" in out
    assert SearchDocument.objects.filter(kind="devrequest").count() == 1
    call_command("search", "reindex", "--kind", "client")
    assert "client:" in capsys.readouterr().out
