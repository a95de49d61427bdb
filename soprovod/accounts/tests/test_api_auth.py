"""Who may call /api/v1/ at all: personal API tokens, the browser session (with CSRF on
writes), and nobody else (interfaces.md «HTTP API»)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from soprovod.accounts.models import ApiToken
from soprovod.audit.models import AuditEvent

CLIENTS = "/api/v1/clients"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


@pytest.fixture
def head_token(staff):
    token, raw = ApiToken.issue(staff.head, "script")
    return token, raw


def test_anonymous_caller_gets_401_json(db):
    anonymous = Client(headers={"Accept-Language": "en"})
    for response in (
        anonymous.get(CLIENTS),
        anonymous.get(f"{CLIENTS}/1"),
        anonymous.post(CLIENTS, {"name": "X"}, content_type="application/json"),
        anonymous.patch(f"{CLIENTS}/1", {"name": "X"}, content_type="application/json"),
    ):
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "Authentication required."}
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_bearer_token_authenticates_and_records_use(companies, head_token):
    token, raw = head_token
    response = bearer(raw).get(CLIENTS)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bearer_token_writes_without_csrf(companies, head_token):
    _, raw = head_token
    response = bearer(raw).patch(
        f"{CLIENTS}/{companies.a.pk}", {"tariff": "Премиум"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["tariff"] == "Премиум"


def test_revoked_token_gets_401(companies, head_token):
    token, raw = head_token
    token.revoked_at = timezone.now()
    token.save()
    response = bearer(raw).get(CLIENTS)
    assert response.status_code == 401
    assert response.json() == {"detail": "The API token is invalid or revoked."}


def test_token_of_inactive_user_gets_401(staff, companies, head_token):
    _, raw = head_token
    staff.head.is_active = False
    staff.head.save()
    assert bearer(raw).get(CLIENTS).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer spv_not-a-real-token", "Bearer ", "Bearer", "Basic aGVhZDpkZW1v", "spv_token"],
)
def test_wrong_or_malformed_authorization_gets_401(db, header):
    caller = Client(headers={"Authorization": header})
    assert caller.get(CLIENTS).status_code == 401


def test_wrong_token_is_refused_even_with_a_session(staff, companies):
    caller = bearer("spv_wrong")
    caller.force_login(staff.head)
    assert caller.get(CLIENTS).status_code == 401


def test_session_authenticates_reads(staff, companies):
    browser = Client()
    browser.force_login(staff.head)
    response = browser.get(CLIENTS)
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_session_of_deactivated_user_gets_401(staff, companies):
    browser = Client()
    browser.force_login(staff.head)
    staff.head.is_active = False
    staff.head.save()
    assert browser.get(CLIENTS).status_code == 401


def test_session_write_needs_the_csrf_token(staff, companies):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff.head)
    url = f"{CLIENTS}/{companies.a.pk}"

    refused = browser.patch(url, {"tariff": "Премиум"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    companies.a.refresh_from_db()
    assert companies.a.tariff != "Премиум"

    browser.get("/api/v1/docs")  # the docs page sets the cookie for its "Try it out"
    csrf_token = browser.cookies["csrftoken"].value
    accepted = browser.patch(
        url,
        {"tariff": "Премиум"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token},
    )
    assert accepted.status_code == 200


def test_anonymous_write_is_401_not_a_csrf_error(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(CLIENTS, {"name": "X"}, content_type="application/json")
    assert response.status_code == 401


# ---- the API's own documents ------------------------------------------------------------------


def test_openapi_document_loads_and_lists_the_endpoints(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/clients",
        "/api/v1/clients/{client_id}",
        "/api/v1/clients/{client_id}/sites",
        "/api/v1/clients/{client_id}/contacts",
        "/api/v1/sites",
        "/api/v1/sites/{site_id}",
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}",
    ):
        assert path in document["paths"], path
    assert set(document["components"]["securitySchemes"]) == {"BearerTokenAuth", "SessionAuth"}
    _assert_refs_resolve(document, document)


def test_openapi_document_is_valid(db):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(Client().get("/api/v1/openapi.json").json())


def test_docs_page_loads_without_internet(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    # Swagger UI comes from ninja's own static files, not from a CDN.
    assert "ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html


def _assert_refs_resolve(node, document) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.removeprefix("#/components/schemas/")
            assert name in document["components"]["schemas"], ref
        for value in node.values():
            _assert_refs_resolve(value, document)
    elif isinstance(node, list):
        for value in node:
            _assert_refs_resolve(value, document)


# ---- the shared error answers (soprovod.apiutils), on a throwaway API ---------------------------


@pytest.fixture
def raising_api():
    """An API with the shared handlers whose operations raise what actions and the
    permission layer raise."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import DataError, IntegrityError
    from django.http import Http404
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    from soprovod.apiutils import install_error_handlers
    from soprovod.core.errors import StaleObjectError

    api = NinjaAPI(urls_namespace="raising-api-test")
    install_error_handlers(api)
    raised = {
        "404": Http404("client 7 belongs to company B"),
        "403": PermissionDenied(),
        "422": ValidationError({"inn": ["Wrong checksum"], "__all__": ["Whole object"]}),
        "422-plain": ValidationError("Plain message"),
        "409": StaleObjectError("Client"),
        "409-db": IntegrityError("duplicate key"),
        "400-db": DataError("value too long"),
        "400": ValueError("Invalid isoformat string: 'x'"),
    }

    @api.get("/{case}")
    def raise_it(request, case: str):
        raise raised[case]

    return TestClient(api)


def test_shared_handlers_answer_json_errors(raising_api):
    def answer(case):
        # ninja's TestClient skips the locale middleware: choose the language here.
        with translation.override("en"):
            response = raising_api.get(f"/{case}")
        return response.status_code, response.json()["detail"]

    assert answer("404") == (404, "Not found")  # never the reason: hidden == absent
    assert answer("403")[0] == 403
    assert answer("422") == (
        422,
        [
            {"type": "invalid", "loc": ["body", "payload", "inn"], "msg": "Wrong checksum"},
            {"type": "invalid", "loc": ["body", "payload"], "msg": "Whole object"},
        ],
    )
    assert answer("422-plain") == (
        422,
        [{"type": "invalid", "loc": ["body", "payload"], "msg": "Plain message"}],
    )
    assert answer("409")[0] == 409
    assert answer("409-db")[0] == 409
    status, message = answer("400-db")
    assert status == 400
    assert "value too long" not in message  # the database's own words stay in the log
    assert answer("400") == (400, "Invalid value: Invalid isoformat string: 'x'")


def test_issuing_and_revoking_a_token_on_the_profile_page_is_audited(client, staff):
    client.force_login(staff.head)
    client.post(reverse("accounts:profile"), {"name": "Выгрузка в 1С"})
    token = ApiToken.objects.get(user=staff.head)
    issued = AuditEvent.objects.get(object_id=str(token.pk), action=AuditEvent.Action.CREATED)
    assert issued.actor == staff.head
    assert issued.changes == {"name": ["", "Выгрузка в 1С"]}
    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        object_id=str(token.pk), action=AuditEvent.Action.OTHER, actor=staff.head
    ).exists()
