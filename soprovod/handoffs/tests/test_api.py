"""/api/v1/handoffs: the same permission layer and actions as the pages."""

import json

import pytest
from django.test import Client

from soprovod.accounts.models import ApiToken
from soprovod.clients.models import Client as Company
from soprovod.handoffs.tests.factories import SITE, complete_values, make_handoff

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"


def api_as(user) -> Client:
    _, raw = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def post(api, url, body=None):
    return api.post(f"{API}{url}", json.dumps(body or {}), content_type=JSON)


def test_lists_are_scoped_like_the_pages(staff, companies, friday):
    mine = make_handoff(staff.sales)
    assert [i["id"] for i in api_as(staff.sales).get(f"{API}/handoffs").json()["items"]] == [
        mine.pk
    ]
    assert api_as(staff.sales2).get(f"{API}/handoffs").json()["count"] == 0
    assert api_as(staff.sales2).get(f"{API}/handoffs/{mine.pk}").status_code == 404
    assert post(api_as(staff.sales2), f"/handoffs/{mine.pk}/submit").status_code == 404
    assert api_as(staff.csm).get(f"{API}/handoffs").json()["count"] == 1
    assert api_as(staff.dev).get(f"{API}/handoffs").status_code == 403
    assert api_as(companies.client1).get(f"{API}/handoffs").status_code == 403
    assert api_as(staff.sales).get(f"{API}/handoffs/inbox").status_code == 403


def test_draft_submit_return_resubmit_accept(staff, friday):
    sales = api_as(staff.sales)
    values = complete_values(contract_number="")
    body = {k: str(v) if not isinstance(v, str | int) else v for k, v in values.items()}
    created = post(sales, "/handoffs", {**body, "sites": [SITE]})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    detail = sales.get(f"{API}/handoffs/{pk}").json()
    assert {m["what"] for m in detail["missing"]} == {
        "contract number",
        "at least one document (the signed contract)",
    }
    refused = post(sales, f"/handoffs/{pk}/submit")
    assert refused.status_code == 422
    assert "contract number" in json.dumps(refused.json())

    from django.core.files.uploadedfile import SimpleUploadedFile

    from soprovod.handoffs.actions import do_add_document
    from soprovod.handoffs.models import Handoff

    do_add_document(staff.sales, Handoff.objects.get(pk=pk), file=SimpleUploadedFile("c.pdf", b"x"))
    version = sales.get(f"{API}/handoffs/{pk}").json()["handoff"]["version"]
    changed = sales.patch(
        f"{API}/handoffs/{pk}",
        json.dumps({"contract_number": "Д-1", "version": version}),
        content_type=JSON,
    )
    assert changed.status_code == 200, changed.content
    stale = sales.patch(
        f"{API}/handoffs/{pk}",
        json.dumps({"contract_number": "Д-2", "version": version}),
        content_type=JSON,
    )
    assert stale.status_code == 409
    assert post(sales, f"/handoffs/{pk}/submit").json()["number"] == 1

    csm = api_as(staff.csm)
    inbox = csm.get(f"{API}/handoffs/inbox").json()["items"]
    assert [(r["handoff_id"], r["number"]) for r in inbox] == [(pk, 1)]
    returned = post(csm, f"/handoffs/{pk}/return", {"reasons": {"sites": "Нет схемы"}})
    assert returned.json()["outcome"] == "returned"
    assert post(sales, f"/handoffs/{pk}/submit").json()["number"] == 2
    wrong = post(csm, f"/handoffs/{pk}/accept", {"success_manager_id": staff.sales.pk})
    assert wrong.status_code == 422
    accepted = post(
        csm,
        f"/handoffs/{pk}/accept",
        {"success_manager_id": staff.csm.pk, "implementation_manager_id": staff.implementation.pk},
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["project_id"]
    client = Company.objects.get(handoffs__pk=pk)
    assert (client.status, client.sold_by) == ("onboarding", staff.sales)
    rounds = sales.get(f"{API}/handoffs/{pk}").json()["rounds"]
    assert [(r["number"], r["outcome"]) for r in rounds] == [(1, "returned"), (2, "accepted")]


def test_state_refusals_are_409_and_role_refusals_403(staff, companies, friday):
    """interfaces.md: a hand-off whose status refuses the action answers 409 with the
    reason, whoever its owner; the wrong person still gets 403 (or 404 if they may not see
    it). Nothing changes."""
    from soprovod.handoffs.actions import do_submit_handoff

    handoff = make_handoff(staff.sales)
    sales, csm = api_as(staff.sales), api_as(staff.csm)
    # Not submitted yet: support cannot answer it.
    for url, body in (
        (f"/handoffs/{handoff.pk}/return", {"reasons": {"sites": "Нет"}}),
        (f"/handoffs/{handoff.pk}/accept", {"success_manager_id": staff.csm.pk}),
    ):
        refused = post(csm, url, body)
        assert refused.status_code == 409, url
        assert "submitted hand-off" in refused.json()["detail"]
    do_submit_handoff(staff.sales, handoff)
    handoff.refresh_from_db()
    patched = sales.patch(
        f"{API}/handoffs/{handoff.pk}",
        json.dumps({"client_name": "ООО «Другое»"}),
        content_type=JSON,
    )
    assert patched.status_code == 409
    assert patched.json() == {"detail": "Only a draft or a returned hand-off can be changed."}
    resubmitted = post(sales, f"/handoffs/{handoff.pk}/submit")
    assert resubmitted.status_code == 409
    assert resubmitted.json() == {"detail": "The hand-off is already submitted or accepted."}
    # The role refusals are untouched by the state: support may not edit or submit (403),
    # sales may not answer (403), another salesman may not see it (404).
    assert post(csm, f"/handoffs/{handoff.pk}/submit").status_code == 403
    assert (
        csm.patch(f"{API}/handoffs/{handoff.pk}", json.dumps({}), content_type=JSON).status_code
        == 403
    )
    assert (
        post(sales, f"/handoffs/{handoff.pk}/accept", {"success_manager_id": 1}).status_code == 403
    )
    assert post(api_as(staff.sales2), f"/handoffs/{handoff.pk}/submit").status_code == 404
    unchanged = type(handoff).objects.get(pk=handoff.pk)
    assert (unchanged.client_name, unchanged.version) == (handoff.client_name, handoff.version)
    assert unchanged.rounds.count() == 1


def test_a_client_the_salesman_may_not_see_is_404(staff, companies, friday):
    handoff = make_handoff(staff.sales)
    sales = api_as(staff.sales)
    hidden = sales.patch(
        f"{API}/handoffs/{handoff.pk}", json.dumps({"client_id": companies.b.pk}), content_type=JSON
    )
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": "Not found: client_id"}
    own = sales.patch(
        f"{API}/handoffs/{handoff.pk}", json.dumps({"client_id": companies.a.pk}), content_type=JSON
    )
    assert own.status_code == 200, own.content
