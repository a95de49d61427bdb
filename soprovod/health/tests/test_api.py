"""/api/v1/health: the same permission layer and queries as the pages."""

import pytest
from django.test import Client

from soprovod.accounts.models import ApiToken
from soprovod.health import actions

API = "/api/v1"


def api_as(user) -> Client:
    _, raw = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


@pytest.fixture
def scored(story):
    actions.do_recompute()
    return story


def test_the_department_reads_scores_with_their_measures(staff, scored):
    body = api_as(staff.csm).get(f"{API}/health/scores", {"band": "red"}).json()
    [row] = body["items"]
    assert (row["client_id"], row["score"], row["band"]) == (scored.a.pk, 26, "red")
    assert {m["key"] for m in row["measures"]} >= {"sla", "csat", "open_claims"}
    detail = api_as(staff.ceo).get(f"{API}/clients/{scored.a.pk}/health").json()
    assert detail["latest"]["score"] == 26
    assert [point["score"] for point in detail["history"]] == [26]


def test_sales_development_and_client_contacts_are_refused(staff, companies, scored):
    for user in (staff.sales, staff.dev, companies.client1):
        assert api_as(user).get(f"{API}/health/scores").status_code == 403
        assert api_as(user).get(f"{API}/clients/{companies.a.pk}/health").status_code == 403


def test_an_unknown_client_is_404(staff, scored):
    assert api_as(staff.head).get(f"{API}/clients/999999/health").status_code == 404
