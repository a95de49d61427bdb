"""/api/v1/dev-requests: the same permission layer and actions as the pages."""

import json

import pytest
from django.test import Client

from soprovod.accounts.models import ApiToken
from soprovod.devrequests.models import RequestStatus

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"


def api_as(user) -> Client:
    _, raw = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def test_support_files_and_development_decides(staff, companies, tickets):
    created = api_as(staff.support).post(
        f"{API}/dev-requests",
        json.dumps({"kind": "bug", "title": "Печать", "ticket_ids": [tickets[0].pk]}),
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == RequestStatus.SUBMITTED
    assert body["client_ids"] == [companies.a.pk]
    assert body["tickets"] == [
        {"id": tickets[0].pk, "subject": tickets[0].subject, "type": "emergency", "status": "new"}
    ]
    assert body["emergency_count"] == 1 and body["client_count"] == 1
    dev = api_as(staff.dev)
    seen = dev.get(f"{API}/dev-requests/{body['id']}").json()
    assert seen["client_ids"] is None  # development never reads the portfolio
    assert seen["tickets"][0]["subject"] == tickets[0].subject
    inbox = dev.get(f"{API}/dev-requests").json()
    assert [item["id"] for item in inbox["items"]] == [body["id"]]
    refused = dev.post(f"{API}/dev-requests/{body['id']}/accept", "{}", content_type=JSON)
    assert refused.status_code == 422
    stale = dev.post(
        f"{API}/dev-requests/{body['id']}/accept",
        json.dumps({"planned_release": "3.14", "version": 99}),
        content_type=JSON,
    )
    assert stale.status_code == 409
    accepted = dev.post(
        f"{API}/dev-requests/{body['id']}/accept",
        json.dumps({"planned_release": "3.14"}),
        content_type=JSON,
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["rounds"][0]["outcome"] == "accepted"


def test_each_side_is_refused_the_others_part(staff, companies, submitted):
    path = f"{API}/dev-requests/{submitted.pk}"
    assert api_as(staff.support).post(f"{path}/start", "{}", content_type=JSON).status_code == 403
    filed = api_as(staff.dev).post(
        f"{API}/dev-requests", json.dumps({"kind": "bug", "title": "x"}), content_type=JSON
    )
    assert filed.status_code == 403
    assert api_as(staff.sales).get(path).status_code == 403
    assert api_as(companies.client1).get(f"{API}/dev-requests").status_code == 403
    # Development has no portfolio: its list is refused, as the /clients/ page is.
    assert api_as(staff.dev).get(f"{API}/clients").status_code == 403
    assert api_as(staff.dev).get(f"{API}/clients/{companies.a.pk}").status_code in (403, 404)


def test_merge_returns_the_survivor(staff, companies, submitted, tickets):
    other = (
        api_as(staff.support)
        .post(
            f"{API}/dev-requests",
            json.dumps({"kind": "bug", "title": "Дубль", "ticket_ids": [tickets[2].pk]}),
            content_type=JSON,
        )
        .json()
    )
    merged = api_as(staff.dev).post(
        f"{API}/dev-requests/{other['id']}/merge",
        json.dumps({"into": submitted.pk}),
        content_type=JSON,
    )
    assert merged.status_code == 200
    assert merged.json()["id"] == submitted.pk and merged.json()["votes"] == 2
    assert merged.json()["ticket_count"] == 2


def test_state_refusals_are_409(staff, companies, submitted):
    """A request already awaiting a decision cannot be submitted again, nor started before
    it is accepted: 409 naming its status, not a 422 (the body was fine) nor a 403 (the
    caller may do this)."""
    path = f"{API}/dev-requests/{submitted.pk}"
    again = api_as(staff.support).post(f"{path}/submit", "{}", content_type=JSON)
    assert again.status_code == 409
    assert again.json() == {"detail": "Not possible while the request is «Awaiting decision»."}
    early = api_as(staff.dev).post(f"{path}/start", "{}", content_type=JSON)
    assert early.status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.SUBMITTED and submitted.rounds.count() == 1
    # An empty decision is wrong whatever the state: still 422.
    empty = api_as(staff.dev).post(
        f"{path}/decline", json.dumps({"decision": " "}), content_type=JSON
    )
    assert empty.status_code == 422
