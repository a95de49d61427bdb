"""/api/v1/clients, /sites and /contacts: what every role may read and change, how bad
input is answered, and what a list costs."""

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from soprovod.accounts.models import ApiToken
from soprovod.audit.models import AuditEvent
from soprovod.clients.models import Client as Company
from soprovod.clients.models import ClientStatus, Contact, Site
from soprovod.clients.tests.factories import ClientFactory, ContactFactory, SiteFactory
from soprovod.lib.inn import generate_inn

API = "/api/v1"
JSON = "application/json"


def api_as(user) -> Client:
    """A test client calling the API with a personal token of ``user``, in English."""
    _, raw = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def valid_inn() -> str:
    return generate_inn(random.Random(7))


def changes_to(client, site, contact) -> list[tuple[str, dict]]:
    """A valid PATCH for each kind of object: (url, body)."""
    return [
        (f"{API}/clients/{client.pk}", {"name": "X"}),
        (f"{API}/sites/{site.pk}", {"name": "X"}),
        (f"{API}/contacts/{contact.pk}", {"full_name": "X"}),
    ]


def error_fields(response) -> set[str]:
    return {item["loc"][-1] for item in response.json()["detail"]}


# ---- what each role sees ------------------------------------------------------------------


def test_client_contact_sees_only_own_company(companies):
    api = api_as(companies.client1)
    assert ids(api.get(f"{API}/sites")) == {companies.site_a.pk}
    assert ids(api.get(f"{API}/clients/{companies.a.pk}/sites")) == {companies.site_a.pk}
    assert ids(api.get(f"{API}/clients/{companies.a.pk}/contacts")) == {companies.contact_a.pk}
    assert ids(api.get(f"{API}/sites", {"client": companies.b.pk})) == set()
    assert api.get(f"{API}/clients/{companies.a.pk}").json()["name"] == companies.a.name


def test_portfolio_lists_are_refused_to_roles_without_the_portfolio(companies, staff):
    """/api/v1/clients and /contacts are the portfolio's lists: 403 for a role whose
    /clients/ page is 403 (development, a client contact), not an empty or narrowed 200.
    The sites list stays open to a client contact (the portal's ticket form offers them)."""
    for user in (staff.dev, companies.client1):
        api = api_as(user)
        for url in (f"{API}/clients", f"{API}/contacts"):
            response = api.get(url)
            assert response.status_code == 403, (user, url)
            assert response.json() == {"detail": "You do not have permission to do this."}
    assert api_as(staff.dev).get(f"{API}/sites").status_code == 403
    # Sales have the portfolio page (their own clients), so they keep the list.
    assert ids(api_as(staff.sales).get(f"{API}/clients")) == {companies.a.pk}


def test_client_contact_gets_404_for_other_company(companies):
    api = api_as(companies.client1)
    for url in (
        f"{API}/clients/{companies.b.pk}",
        f"{API}/clients/{companies.b.pk}/sites",
        f"{API}/clients/{companies.b.pk}/contacts",
        f"{API}/sites/{companies.site_b.pk}",
        f"{API}/contacts/{companies.contact_b.pk}",
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found"}
    for url, change in changes_to(companies.b, companies.site_b, companies.contact_b):
        assert api.patch(url, change, content_type=JSON).status_code == 404, url
    assert api.delete(f"{API}/sites/{companies.site_b.pk}").status_code == 404
    response = api.post(f"{API}/sites", {"client": companies.b.pk, "name": "X"}, content_type=JSON)
    assert response.status_code == 404


def test_missing_object_answers_exactly_like_a_hidden_one(companies):
    api = api_as(companies.client1)
    hidden = api.get(f"{API}/clients/{companies.b.pk}")
    missing = api.get(f"{API}/clients/999999")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())


def test_client_contact_cannot_change_own_company(companies):
    api = api_as(companies.client1)
    response = api.patch(f"{API}/clients/{companies.a.pk}", {"name": "X"}, content_type=JSON)
    assert response.status_code == 403
    assert (
        api.patch(
            f"{API}/contacts/{companies.contact_a.pk}", {"phone": "1"}, content_type=JSON
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"{API}/sites", {"client": companies.a.pk, "name": "X"}, content_type=JSON
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"{API}/clients",
            {"name": "X", "inn": valid_inn(), "contract_start": "2025-01-01"},
            content_type=JSON,
        ).status_code
        == 403
    )


def test_client_contact_does_not_see_the_department_view_of_their_company(companies):
    companies.a.notes = "Считает каждый рубль, риск ухода"
    companies.a.save()
    card = api_as(companies.client1).get(f"{API}/clients/{companies.a.pk}").json()
    for field in ("mrr_rub", "status", "notes", "segment", "sold_by", "version", "external_id"):
        assert card[field] is None, field
    assert card["success_manager"]["id"] == companies.a.success_manager_id


def test_sales_see_only_clients_they_sold_and_change_none(staff, companies):
    api = api_as(staff.sales)
    assert ids(api.get(f"{API}/clients")) == {companies.a.pk}
    assert ids(api.get(f"{API}/sites")) == {companies.site_a.pk}
    assert ids(api.get(f"{API}/contacts")) == {companies.contact_a.pk}
    assert api.get(f"{API}/clients/{companies.b.pk}").status_code == 404
    assert api.get(f"{API}/sites/{companies.site_b.pk}").status_code == 404
    assert (
        api.patch(f"{API}/clients/{companies.a.pk}", {"tariff": "X"}, content_type=JSON).status_code
        == 403
    )
    assert (
        api.patch(f"{API}/clients/{companies.b.pk}", {"tariff": "X"}, content_type=JSON).status_code
        == 404
    )


def test_success_manager_edits_own_client(staff, companies):
    api = api_as(staff.csm)
    response = api.patch(
        f"{API}/clients/{companies.a.pk}",
        {"tariff": "Премиум", "mrr_rub": "30000.5", "reason": "Новый договор"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tariff"] == "Премиум"
    assert body["mrr_rub"] == "30000.50"
    assert body["version"] == 2
    companies.a.refresh_from_db()
    assert companies.a.mrr_rub == Decimal("30000.50")
    event = AuditEvent.objects.get(actor=staff.csm, object_id=str(companies.a.pk))
    assert event.reason == "Новый договор"

    site = api.patch(f"{API}/sites/{companies.site_a.pk}", {"address": "Казань"}, content_type=JSON)
    assert site.status_code == 200
    assert site.json()["address"] == "Казань"


def test_success_manager_reads_but_cannot_change_a_colleagues_client(staff, companies):
    api = api_as(staff.csm)
    assert api.get(f"{API}/clients/{companies.b.pk}").status_code == 200
    for url, change in changes_to(companies.b, companies.site_b, companies.contact_b):
        response = api.patch(url, change, content_type=JSON)
        assert response.status_code == 403, url
        assert "detail" in response.json()
    assert (
        api.post(
            f"{API}/sites", {"client": companies.b.pk, "name": "X"}, content_type=JSON
        ).status_code
        == 403
    )
    assert api.delete(f"{API}/contacts/{companies.contact_b.pk}").status_code == 403
    companies.b.refresh_from_db()
    assert companies.b.version == 1


def test_ceo_reads_everything_and_writes_nothing(staff, companies):
    api = api_as(staff.ceo)
    assert ids(api.get(f"{API}/clients")) == {companies.a.pk, companies.b.pk}
    assert ids(api.get(f"{API}/sites")) == {companies.site_a.pk, companies.site_b.pk}
    assert api.get(f"{API}/contacts/{companies.contact_b.pk}").status_code == 200
    assert api.get(f"{API}/clients/{companies.b.pk}").json()["mrr_rub"] == "25000.00"
    assert (
        api.patch(f"{API}/clients/{companies.a.pk}", {"tariff": "X"}, content_type=JSON).status_code
        == 403
    )
    assert (
        api.post(
            f"{API}/clients",
            {"name": "X", "inn": valid_inn(), "contract_start": "2025-01-01"},
            content_type=JSON,
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"{API}/contacts", {"client": companies.a.pk, "full_name": "X"}, content_type=JSON
        ).status_code
        == 403
    )
    assert api.delete(f"{API}/sites/{companies.site_a.pk}").status_code == 403


@pytest.mark.parametrize("role", ["head", "support", "implementation", "engineer", "csm2"])
def test_department_reads_the_whole_portfolio(staff, companies, role):
    api = api_as(getattr(staff, role))
    assert ids(api.get(f"{API}/clients")) == {companies.a.pk, companies.b.pk}
    assert ids(api.get(f"{API}/contacts")) == {companies.contact_a.pk, companies.contact_b.pk}


def test_development_sees_nothing(staff, companies):
    api = api_as(staff.dev)
    for url in (f"{API}/clients", f"{API}/sites", f"{API}/contacts"):
        # The portfolio's lists, refused as the /clients/ page is (not an empty page).
        assert api.get(url).status_code == 403, url
    for url in (
        f"{API}/clients/{companies.a.pk}",
        f"{API}/clients/{companies.a.pk}/sites",
        f"{API}/clients/{companies.a.pk}/contacts",
        f"{API}/sites/{companies.site_a.pk}",
        f"{API}/contacts/{companies.contact_a.pk}",
    ):
        assert api.get(url).status_code == 404, url
    assert (
        api.patch(f"{API}/clients/{companies.a.pk}", {"name": "X"}, content_type=JSON).status_code
        == 404
    )


# ---- writes ------------------------------------------------------------------------------------


def test_head_creates_a_client_with_its_site_and_contact(staff, db):
    api = api_as(staff.head)
    response = api.post(
        f"{API}/clients",
        {
            "name": "ООО «Гамма»",
            "inn": "7707 083 893",
            "contract_start": "2025-03-01",
            "mrr_rub": 41000,
            "success_manager": staff.csm.pk,
            "sold_by": staff.sales.pk,
            "external_id": "",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    card = response.json()
    assert card["inn"] == "7707083893"
    assert card["status"] == ClientStatus.ONBOARDING
    assert card["mrr_rub"] == "41000.00"
    assert card["external_id"] is None
    assert card["success_manager"]["id"] == staff.csm.pk
    assert card["version"] == 1
    client = Company.objects.get(pk=card["id"])
    assert client.status_history.count() == 1

    site = api.post(
        f"{API}/sites",
        {"client": client.pk, "name": "БЦ «Север»", "timezone": "Asia/Yekaterinburg"},
        content_type=JSON,
    )
    assert site.status_code == 201, site.content
    assert site.json()["client"] == {"id": client.pk, "name": "ООО «Гамма»"}
    contact = api.post(
        f"{API}/contacts",
        {"client": client.pk, "full_name": "Иван Петров", "email": "ivan@gamma.test"},
        content_type=JSON,
    )
    assert contact.status_code == 201, contact.content
    assert contact.json()["has_portal_login"] is False


def test_client_answer_publishes_only_its_documented_fields(staff, companies):
    card = api_as(staff.head).get(f"{API}/clients/{companies.a.pk}").json()
    assert set(card) == {
        "id",
        "name",
        "inn",
        "tariff",
        "contract_start",
        "contract_end",
        "success_manager",
        "external_id",
        "mrr_rub",
        "status",
        "churned_at",
        "sold_by",
        "segment",
        "notes",
        "version",
    }
    assert set(card["success_manager"]) == {"id", "name"}


def test_delete_site_and_contact(staff, companies):
    api = api_as(staff.csm)
    assert api.delete(f"{API}/sites/{companies.site_a.pk}").status_code == 204
    assert api.delete(f"{API}/contacts/{companies.contact_a.pk}").status_code == 204
    assert not Site.objects.filter(pk=companies.site_a.pk).exists()
    assert not Contact.objects.filter(pk=companies.contact_a.pk).exists()
    assert api.get(f"{API}/sites/{companies.site_a.pk}").status_code == 404


def test_stale_version_is_409_and_changes_nothing(staff, companies):
    api = api_as(staff.csm)
    url = f"{API}/clients/{companies.a.pk}"
    assert api.patch(url, {"tariff": "Старт", "version": 1}, content_type=JSON).status_code == 200
    response = api.patch(url, {"tariff": "Премиум", "version": 1}, content_type=JSON)
    assert response.status_code == 409
    assert "changed" in response.json()["detail"]
    companies.a.refresh_from_db()
    assert (companies.a.tariff, companies.a.version) == ("Старт", 2)
    assert api.patch(url, {"tariff": "Премиум", "version": 2}, content_type=JSON).status_code == 200


def test_patch_without_version_overwrites(staff, companies):
    api = api_as(staff.head)
    response = api.patch(f"{API}/clients/{companies.a.pk}", {"segment": "ЖК"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["segment"] == "ЖК"


# ---- bad input ---------------------------------------------------------------------------------


def test_invalid_inn_is_422_saying_the_checksum_is_wrong(staff, db):
    response = api_as(staff.head).post(
        f"{API}/clients",
        {"name": "X", "inn": "7707083894", "contract_start": "2025-01-01"},
        content_type=JSON,
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "payload", "inn"]
    assert error["msg"] == "INN 7707083894 is wrong: the checksum does not match"
    assert not Company.objects.exists()


def test_invalid_inn_on_update_is_422(staff, companies):
    response = api_as(staff.head).patch(
        f"{API}/clients/{companies.a.pk}", {"inn": "12345"}, content_type=JSON
    )
    assert response.status_code == 422
    assert "10 digits" in response.json()["detail"][0]["msg"]


def test_model_rules_answer_422_on_the_field(staff, companies):
    api = api_as(staff.head)
    url = f"{API}/clients/{companies.a.pk}"
    churned = api.patch(url, {"status": "churned"}, content_type=JSON)
    assert churned.status_code == 422
    assert error_fields(churned) == {"churned_at"}
    ends_early = api.patch(url, {"contract_end": "2020-01-01"}, content_type=JSON)
    assert error_fields(ends_early) == {"contract_end"}
    no_name = api.patch(url, {"name": None}, content_type=JSON)
    assert (no_name.status_code, error_fields(no_name)) == (422, {"name"})
    zone = api.patch(
        f"{API}/sites/{companies.site_a.pk}", {"timezone": "Mars/Olympus"}, content_type=JSON
    )
    assert (zone.status_code, error_fields(zone)) == (422, {"timezone"})
    email = api.patch(
        f"{API}/contacts/{companies.contact_a.pk}", {"email": "not-an-email"}, content_type=JSON
    )
    assert (email.status_code, error_fields(email)) == (422, {"email"})


def test_duplicate_external_id_is_422(staff, companies):
    companies.b.external_id = "CRM-1"
    companies.b.save()
    response = api_as(staff.head).patch(
        f"{API}/clients/{companies.a.pk}", {"external_id": "CRM-1"}, content_type=JSON
    )
    assert (response.status_code, error_fields(response)) == (422, {"external_id"})


def test_success_manager_must_hold_the_role(staff, companies):
    api = api_as(staff.head)
    url = f"{API}/clients/{companies.a.pk}"
    refused = api.patch(url, {"success_manager": staff.sales.pk}, content_type=JSON)
    assert (refused.status_code, error_fields(refused)) == (422, {"success_manager"})
    refused = api.patch(url, {"sold_by": staff.csm.pk}, content_type=JSON)
    assert (refused.status_code, error_fields(refused)) == (422, {"sold_by"})
    moved = api.patch(url, {"success_manager": staff.csm2.pk}, content_type=JSON)
    assert moved.json()["success_manager"]["id"] == staff.csm2.pk
    cleared = api.patch(url, {"success_manager": None}, content_type=JSON)
    assert cleared.json()["success_manager"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {"mrr_rub": "много"},
        {"mrr_rub": -1},
        {"mrr_rub": "1.005"},
        {"mrr_rub": "NaN"},
        {"mrr_rub": [1]},
        {"contract_start": "yesterday"},
        {"contract_start": 20250101},
        {"status": "bankrupt"},
        {"success_manager": "csm"},
        {"success_manager": 2**64},
        {"name": 5},
        {"name": {"ru": "X"}},
        {"name": "x" * 301},
        {"notes": ["a"]},
        {"version": "latest"},
        {"colour": "red"},
    ],
)
def test_wrong_field_types_are_422_not_500(staff, companies, payload):
    response = api_as(staff.head).patch(
        f"{API}/clients/{companies.a.pk}", payload, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][-1] in {*payload, "payload"}


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": "X", "inn": "7707083893"},
        {"name": "X", "inn": "7707083893", "contract_start": "2025-01-01", "version": 3},
        {"name": "X", "inn": 7707083893, "contract_start": "2025-01-01"},
    ],
)
def test_incomplete_or_wrong_create_is_422(staff, db, payload):
    response = api_as(staff.head).post(f"{API}/clients", payload, content_type=JSON)
    assert response.status_code == 422, response.content
    assert not Company.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "null", ""])
def test_malformed_body_is_400_or_422(staff, companies, body):
    response = api_as(staff.head).patch(f"{API}/clients/{companies.a.pk}", body, content_type=JSON)
    assert response.status_code in (400, 422), response.content
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/clients?status=bankrupt",
        "/clients?success_manager=csm",
        "/clients?ordering=inn",
        "/clients?page=0",
        "/clients?page=abc",
        "/clients?page_size=501",
        "/sites?client=x",
        "/clients/abc",
        "/clients/0",
        f"/clients/{2**64}",
        "/sites/-1",
    ],
)
def test_bad_query_and_path_values_are_422(staff, db, url):
    response = api_as(staff.head).get(f"{API}{url}")
    assert response.status_code == 422, response.content
    assert isinstance(response.json()["detail"], list)


def test_nul_character_is_422_not_a_database_error(staff, companies):
    # PostgreSQL cannot store or compare NUL; it must be refused before the database sees it.
    api = api_as(staff.head)
    search = api.get(f"{API}/clients", {"q": "Аль\x00фа"})
    assert (search.status_code, search.json()["detail"][0]["loc"]) == (422, ["query", "q"])
    change = api.patch(f"{API}/clients/{companies.a.pk}", {"name": "A\x00B"}, content_type=JSON)
    assert (change.status_code, error_fields(change)) == (422, {"name"})


# ---- lists: filters, order, pages, cost -----------------------------------------------------------


def test_client_list_filters_and_orders(staff, companies):
    big = ClientFactory(
        name="ПАО «Гигант»",
        mrr_rub=Decimal("900000"),
        status=ClientStatus.AT_RISK,
        segment="Завод",
        external_id="CRM-77",
    )
    api = api_as(staff.head)
    assert ids(api.get(f"{API}/clients", {"status": "at_risk"})) == {big.pk}
    assert ids(api.get(f"{API}/clients", {"success_manager": staff.csm.pk})) == {companies.a.pk}
    assert ids(api.get(f"{API}/clients", {"success_manager": "none"})) == {big.pk}
    assert ids(api.get(f"{API}/clients", {"segment": "Завод"})) == {big.pk}
    assert ids(api.get(f"{API}/clients", {"q": "гигант"})) == {big.pk}
    assert ids(api.get(f"{API}/clients", {"q": "crm-77"})) == {big.pk}
    assert ids(api.get(f"{API}/clients", {"q": companies.b.inn[:8]})) == {companies.b.pk}
    by_mrr = api.get(f"{API}/clients", {"ordering": "-mrr"}).json()["items"]
    assert by_mrr[0]["id"] == big.pk
    by_name = [c["name"] for c in api.get(f"{API}/clients").json()["items"]]
    assert by_name == sorted(by_name)


def test_filters_never_widen_what_the_caller_sees(staff, companies):
    api = api_as(companies.client1)
    assert ids(api.get(f"{API}/sites", {"client": companies.b.pk})) == set()
    api = api_as(staff.sales)
    assert ids(api.get(f"{API}/clients", {"q": companies.b.name})) == set()
    assert ids(api.get(f"{API}/contacts", {"client": companies.b.pk})) == set()


def test_lists_are_paged(staff, companies):
    for _ in range(3):
        ClientFactory()
    api = api_as(staff.head)
    first = api.get(f"{API}/clients", {"page_size": 2}).json()
    second = api.get(f"{API}/clients", {"page_size": 2, "page": 2}).json()
    third = api.get(f"{API}/clients", {"page_size": 2, "page": 3}).json()
    assert first["count"] == second["count"] == 5
    assert [len(p["items"]) for p in (first, second, third)] == [2, 2, 1]
    seen = [c["id"] for p in (first, second, third) for c in p["items"]]
    assert len(set(seen)) == 5
    beyond = api.get(f"{API}/clients", {"page": 9}).json()
    assert (beyond["count"], beyond["items"]) == (5, [])


def _queries_for(api: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = api.get(url)
    assert response.status_code == 200
    return len(context)


def _grow_portfolio(count: int, staff) -> list[Company]:
    clients = []
    for _ in range(count):
        client = ClientFactory(success_manager=staff.csm, sold_by=staff.sales)
        SiteFactory(client=client)
        ContactFactory(client=client)
        clients.append(client)
    return clients


@pytest.mark.parametrize("path", ["/clients", "/sites", "/contacts"])
@pytest.mark.parametrize("role", ["head", "sales"])
def test_list_query_count_does_not_grow_with_rows(staff, db, path, role):
    api = api_as(getattr(staff, role))
    _grow_portfolio(3, staff)
    api.get(f"{API}{path}")  # the token's first use is recorded once; do not count it
    small = _queries_for(api, f"{API}{path}")
    _grow_portfolio(27, staff)
    assert len(api.get(f"{API}{path}").json()["items"]) == 30
    assert _queries_for(api, f"{API}{path}") == small


def test_client_sublists_query_count_does_not_grow(staff, db):
    [client] = _grow_portfolio(1, staff)
    api = api_as(staff.head)
    api.get(f"{API}/clients/{client.pk}/sites")
    small_sites = _queries_for(api, f"{API}/clients/{client.pk}/sites")
    small_contacts = _queries_for(api, f"{API}/clients/{client.pk}/contacts")
    for _ in range(20):
        SiteFactory(client=client)
        ContactFactory(client=client)
    assert _queries_for(api, f"{API}/clients/{client.pk}/sites") == small_sites
    assert _queries_for(api, f"{API}/clients/{client.pk}/contacts") == small_contacts
