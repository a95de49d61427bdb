"""/api/v1/projects: the same permission layer and actions as the pages."""

import pytest
from django.test import Client
from django.utils import timezone

from soprovod.accounts.models import ApiToken
from soprovod.clients.models import ClientStatus

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"


def api_as(user) -> Client:
    _, raw = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def test_lists_are_scoped_like_the_pages(staff, companies, project, today):
    head = api_as(staff.head).get(f"{API}/projects").json()
    assert [item["id"] for item in head["items"]] == [project.pk]
    assert head["items"][0]["health"] == "overdue"
    assert api_as(staff.sales2).get(f"{API}/projects").json()["count"] == 0
    assert api_as(staff.sales2).get(f"{API}/projects/{project.pk}").status_code == 404
    assert api_as(staff.dev).get(f"{API}/projects").status_code == 403
    assert api_as(companies.client1).get(f"{API}/projects").status_code == 403


def test_detail_complete_and_go_live(staff, project, today):
    api = api_as(staff.implementation)
    detail = api.get(f"{API}/projects/{project.pk}").json()
    assert [s["kind"] for s in detail["stages"]][0] == "kickoff"
    task_id = detail["stages"][0]["tasks"][0]["id"]
    done = api.post(
        f"{API}/projects/{project.pk}/tasks/{task_id}/complete", "{}", content_type=JSON
    )
    assert done.status_code == 200 and done.json()["done_on"] == today.isoformat()
    mine = api.get(f"{API}/project-tasks").json()
    assert mine["count"] == 12
    refused = api_as(staff.support).post(
        f"{API}/projects/{project.pk}/go-live", "{}", content_type=JSON
    )
    assert refused.status_code == 403
    live = api.post(
        f"{API}/projects/{project.pk}/go-live", '{"went_live_on": "2026-10-09"}', content_type=JSON
    )
    assert live.status_code == 200 and live.json()["health"] == "live"
    project.client.refresh_from_db()
    assert project.client.status == ClientStatus.ACTIVE


def test_a_blocker_needs_a_reason(staff, project, today):
    api = api_as(staff.implementation)
    empty = api.post(f"{API}/projects/{project.pk}/blockers", '{"reason": ""}', content_type=JSON)
    assert empty.status_code == 422
    made = api.post(
        f"{API}/projects/{project.pk}/blockers", '{"reason": "Нет допуска"}', content_type=JSON
    )
    assert made.status_code == 201
    assert api.get(f"{API}/projects/{project.pk}").json()["project"]["is_blocked"] is True


def test_going_live_with_an_open_blocker_or_twice_is_409(staff, project, today):
    """The project's state refuses (open blockers, already live): 409 naming why; the
    date being in the future is the input's fault whatever the state: 422."""
    api = api_as(staff.implementation)
    url = f"{API}/projects/{project.pk}"
    api.post(f"{url}/blockers", '{"reason": "Нет допуска"}', content_type=JSON)
    blocked = api.post(f"{url}/go-live", '{"went_live_on": "2026-10-09"}', content_type=JSON)
    assert blocked.status_code == 409
    assert blocked.json() == {"detail": "Lift the open blockers before going live."}
    future = api.post(f"{url}/go-live", '{"went_live_on": "2099-01-01"}', content_type=JSON)
    assert future.status_code == 422
    project.blockers.update(lifted_at=timezone.now())
    live = api.post(f"{url}/go-live", '{"went_live_on": "2026-10-09"}', content_type=JSON)
    assert live.status_code == 200
    again = api.post(f"{url}/go-live", '{"went_live_on": "2026-10-09"}', content_type=JSON)
    assert again.status_code == 409
    assert again.json() == {"detail": "The project is not in progress any more."}
