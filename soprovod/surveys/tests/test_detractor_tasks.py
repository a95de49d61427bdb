"""Detractor tasks: on the success manager's home page, closed with the outcome of the call
(audited), by the client's success manager or the head only."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.surveys import actions
from soprovod.surveys.models import DetractorTask
from soprovod.surveys.tests.conftest import msk

MONDAY = msk(2026, 12, 7, 10, 0)


@pytest.fixture
def task(staff, companies):
    with time_machine.travel(MONDAY, tick=False):
        actions.do_start_campaign(staff.head, name="NPS", segment="")
    link = companies.contact_a and actions.SurveyLink.objects.get(contact=companies.contact_a)
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        actions.do_answer_nps(link.token, 3, "Долго чините шлагбаум")
    return DetractorTask.objects.get()


def close(client, task, **data):
    values = {"outcome": "plan", "notes": "Созвонились, согласовали выезд инженера.", "version": 1}
    return client.post(reverse("surveys:task", args=[task.pk]), values | data)


def test_the_task_is_on_the_success_managers_home_page(task, staff, client):
    client.force_login(staff.csm)
    html = client.get("/").content.decode()
    assert 'id="home-detractor-tasks"' in html
    assert f'data-task="{task.pk}"' in html
    client.force_login(staff.csm2)
    assert f'data-task="{task.pk}"' not in client.get("/").content.decode()


def test_the_success_manager_logs_the_call_and_closes_the_task(task, staff, client):
    client.force_login(staff.csm)
    with time_machine.travel(MONDAY + dt.timedelta(hours=3), tick=False):
        response = close(client, task)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == DetractorTask.Status.CLOSED
    assert task.outcome == DetractorTask.Outcome.PLAN
    assert task.notes == "Созвонились, согласовали выезд инженера."
    assert (task.closed_by, task.closed_at) == (staff.csm, MONDAY + dt.timedelta(hours=3))
    event = AuditEvent.objects.filter(object_id=str(task.pk), content_type__model="detractortask")
    assert event.filter(action=AuditEvent.Action.UPDATED).exists()
    assert f'data-task="{task.pk}"' not in client.get("/").content.decode()


def test_closing_needs_an_outcome_and_notes(task, staff, client):
    client.force_login(staff.csm)
    response = close(client, task, notes="")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == DetractorTask.Status.OPEN


def test_a_stale_form_does_not_close_twice(task, staff, client):
    actions.do_close_detractor_task(staff.head, task, outcome="resolved", notes="Решили.")
    client.force_login(staff.csm)
    response = close(client, task)
    assert response.status_code == 403  # closed: no form any more
    task.refresh_from_db()
    assert task.closed_by == staff.head


def test_another_success_manager_does_not_see_the_task(task, staff, client):
    client.force_login(staff.csm2)
    assert client.get(reverse("surveys:task", args=[task.pk])).status_code == 404
    assert close(client, task).status_code == 404


@pytest.mark.parametrize("who", ["sales", "support", "dev"])
def test_other_roles_are_refused_the_section(task, staff, client, who):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("surveys:tasks")).status_code == 403
    assert client.get(reverse("surveys:task", args=[task.pk])).status_code == 403


def test_the_ceo_reads_but_cannot_close(task, staff, client):
    client.force_login(staff.ceo)
    assert client.get(reverse("surveys:task", args=[task.pk])).status_code == 200
    assert close(client, task).status_code == 403


def test_the_head_sees_every_task_and_closes_it(task, staff, client):
    client.force_login(staff.head)
    assert f'data-task="{task.pk}"' in client.get(reverse("surveys:tasks")).content.decode()
    assert close(client, task).status_code == 302


def test_overdue_tasks_are_marked(task, staff, client):
    client.force_login(staff.csm)
    with time_machine.travel(msk(2026, 12, 14, 14, 1), tick=False):
        html = client.get(reverse("surveys:tasks")).content.decode()
    assert "overdue" in html


def test_the_task_list_costs_the_same_queries_whatever_the_data(task, staff, client, companies):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff.head)
    url = reverse("surveys:tasks")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    with time_machine.travel(MONDAY + dt.timedelta(hours=2), tick=False):
        link = actions.SurveyLink.objects.get(contact=companies.contact_b)
        actions.do_answer_nps(link.token, 1, "")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
