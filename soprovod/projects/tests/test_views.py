"""The project pages: who may see and do what, the board, the timeline, my tasks, the
templates, and what a list costs."""

import datetime as dt

import pytest
from django.test import Client

from soprovod.clients.models import ClientStatus
from soprovod.clients.tests.factories import ClientFactory
from soprovod.projects.models import ProjectTemplate
from soprovod.projects.tests.factories import open_project

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_department_sees_the_board_and_sales_only_their_clients(
    staff, companies, project, today
):
    other = open_project(companies.b, staff.implementation)
    for user in (staff.head, staff.support, staff.implementation, staff.ceo):
        page = browser(user).get("/projects/?status=")
        assert page.status_code == 200
        assert {project.pk, other.pk} <= {p.pk for p in page.context["projects"]}
    page = browser(staff.sales2).get("/projects/?status=")
    assert [p.pk for p in page.context["projects"]] == [other.pk]
    assert browser(staff.sales2).get(f"/projects/{project.pk}/").status_code == 404
    assert browser(staff.sales).get(f"/projects/{project.pk}/").status_code == 200


def test_development_and_client_contacts_do_not_get_in(staff, companies, project):
    assert browser(staff.dev).get("/projects/").status_code == 403
    assert browser(staff.dev).get(f"/projects/{project.pk}/").status_code == 403
    assert browser(companies.client1).get("/projects/").status_code == 403


def test_the_board_counts_on_track_at_risk_and_overdue(staff, project, today):
    fresh = open_project(
        ClientFactory(status=ClientStatus.ONBOARDING),
        staff.implementation,
        start=today + dt.timedelta(days=7),
    )
    page = browser(staff.head).get("/projects/")
    board = {key: count for key, _label, count in page.context["board"]}
    # `project` started 5.10: its kick-off is late. `fresh` starts in a week.
    assert board == {"on_track": 1, "at_risk": 0, "overdue": 1}
    page = browser(staff.head).get("/projects/?health=on_track")
    assert [p.pk for p in page.context["projects"]] == [fresh.pk]


def test_the_project_page_draws_the_timeline(staff, project, today):
    page = browser(staff.head).get(f"/projects/{project.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Установочная встреча с клиентом" in html


def test_the_owner_completes_a_task_and_a_colleague_may_not(staff, project, today):
    task = project.tasks.order_by("pk").first()
    other = staff.head.__class__.objects.create(username="impl2")
    from soprovod.accounts.models import UserRole

    UserRole.objects.create(user=other, role="implementation_manager")
    assert browser(other).post(f"/projects/{project.pk}/tasks/{task.pk}/done/").status_code == 403
    assert (
        browser(staff.sales).post(f"/projects/{project.pk}/tasks/{task.pk}/done/").status_code
        == 403
    )
    response = browser(staff.implementation).post(f"/projects/{project.pk}/tasks/{task.pk}/done/")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_on == today


def test_go_live_from_the_page(staff, project, today):
    response = browser(staff.implementation).post(
        f"/projects/{project.pk}/go-live/", {"went_live_on": "2026-10-09"}
    )
    assert response.status_code == 302
    project.client.refresh_from_db()
    assert project.client.status == ClientStatus.ACTIVE
    assert browser(staff.support).post(f"/projects/{project.pk}/go-live/").status_code == 403


def test_my_tasks_lists_the_owners_open_tasks_soonest_first(staff, project, today):
    page = browser(staff.implementation).get("/projects/my-tasks/")
    tasks = list(page.context["tasks"])
    assert len(tasks) == 13
    assert tasks[0].planned_end <= tasks[-1].planned_end and tasks[0].is_overdue
    assert browser(staff.support).get("/projects/my-tasks/").status_code == 403


def test_csv_export_of_the_list(staff, project, today):
    response = browser(staff.head).get("/projects/?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("id,name,client,owner,status,health")
    assert f"{project.pk}," in row and "overdue" in row


def test_only_the_head_edits_templates(staff, today):
    template = ProjectTemplate.objects.get(is_default=True)
    assert (
        browser(staff.implementation).get(f"/projects/templates/{template.pk}/edit/").status_code
        == 403
    )
    page = browser(staff.head).get(f"/projects/templates/{template.pk}/edit/")
    assert "Старт проекта |" in page.content.decode()
    response = browser(staff.head).post(
        f"/projects/templates/{template.pk}/edit/",
        {
            "name": "Типовое",
            "tariff": "",
            "segment": "",
            "is_default": "on",
            "is_active": "on",
            "version": template.version,
            "plan": "Старт | kickoff | 2\n- Встреча | 9\n",
        },
    )
    assert response.status_code == 200
    assert "line 2" in response.content.decode() or "строка 2" in response.content.decode()


def test_list_pages_cost_a_fixed_number_of_queries(staff, today, django_assert_max_num_queries):
    for _ in range(6):
        open_project(ClientFactory(status=ClientStatus.ONBOARDING), staff.implementation)
    user = browser(staff.head)
    with django_assert_max_num_queries(12):
        assert user.get("/projects/?status=").status_code == 200
    owner = browser(staff.implementation)
    with django_assert_max_num_queries(12):
        assert owner.get("/projects/my-tasks/").status_code == 200
