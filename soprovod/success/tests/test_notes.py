"""Key accounts and the notes of calls and meetings, including a call logged while closing
the loop with a detractor (the panel on surveys' task page)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.success import actions, queries
from soprovod.success.models import CallNote, ClientProfile, NextStep
from soprovod.surveys import actions as survey_actions
from soprovod.surveys.models import DetractorTask, SurveyLink

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def task(staff, companies):
    with time_machine.travel(MONDAY, tick=False):
        survey_actions.do_start_campaign(staff.head, name="NPS", segment="")
    link = SurveyLink.objects.get(contact=companies.contact_a)
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        survey_actions.do_answer_nps(link.token, 3, "Долго чините шлагбаум")
    return DetractorTask.objects.get()


def test_key_account_only_by_the_head(client, staff, companies):
    url = reverse("success:key_account", args=[companies.a.pk])
    client.force_login(staff.csm)
    assert client.post(url, {"key": "1"}).status_code == 403
    client.force_login(companies.client1)
    assert client.post(url, {"key": "1"}).status_code == 403
    client.force_login(companies.client2)  # another company's contact
    assert client.post(url, {"key": "1"}).status_code == 404
    assert not ClientProfile.objects.filter(key_account=True).exists()
    client.force_login(staff.head)
    assert client.post(url, {"key": "1"}).status_code == 302
    assert queries.key_account_ids() == {companies.a.pk}
    assert AuditEvent.objects.filter(parent_id=str(companies.a.pk), reason="").exists()
    client.post(url, {"key": "0"})
    assert queries.key_account_ids() == set()


def test_log_a_note_with_participants_and_next_steps(staff, companies):
    note = actions.do_log_call_note(
        staff.csm,
        companies.a,
        kind="meeting",
        held_on=dt.date(2026, 12, 3),
        summary="Обсудили продление договора.",
        staff=[staff.csm, staff.head],
        contacts=[companies.contact_a],
        other_participants="юрист клиента",
        next_steps=[actions.StepInput("Прислать КП", staff.csm, dt.date(2026, 12, 10))],
    )
    assert set(note.staff.all()) == {staff.csm, staff.head}
    assert list(note.contacts.all()) == [companies.contact_a]
    step = NextStep.objects.get()
    assert (step.owner, step.due_on) == (staff.csm, dt.date(2026, 12, 10))
    actions.do_set_next_step_done(staff.csm, step, done=True)
    step.refresh_from_db()
    assert step.done_at is not None


def test_a_contact_of_another_client_is_refused(staff, companies):
    with pytest.raises(actions.ValidationError):
        actions.do_log_call_note(
            staff.csm,
            companies.a,
            held_on=dt.date(2026, 12, 3),
            summary="x",
            contacts=[companies.contact_b],
        )
    assert not CallNote.objects.exists()


def test_note_form_from_the_detractor_task(client, staff, companies, task):
    client.force_login(staff.csm)
    page = client.get(reverse("surveys:task", args=[task.pk])).content.decode()
    assert 'id="task-call-notes"' in page and 'id="log-call"' in page
    url = reverse("success:note_create", args=[companies.a.pk]) + f"?task={task.pk}"
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(
        url,
        {
            "kind": "call",
            "held_on": "2026-12-07",
            "staff": [staff.csm.pk],
            "contacts": [companies.contact_a.pk],
            "summary": "Извинились, заменим контроллер в четверг.",
            "step1_text": "Заменить контроллер",
            "step1_owner": staff.csm.pk,
            "step1_due": "2026-12-10",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:task", args=[task.pk])
    note = CallNote.objects.get()
    assert note.detractor_task == task
    page = client.get(reverse("surveys:task", args=[task.pk])).content.decode()
    assert "заменим контроллер в четверг" in page


@pytest.mark.parametrize("username", ["sales", "dev", "ceo"])
def test_who_may_not_log_notes(client, staff, companies, username):
    from soprovod.accounts.models import User

    client.force_login(User.objects.get(username=username))
    url = reverse("success:note_create", args=[companies.a.pk])
    assert client.post(url, {"held_on": "2026-12-07", "summary": "x"}).status_code == 403
    assert not CallNote.objects.exists()


def test_a_client_contact_may_not_log_notes(client, companies):
    client.force_login(companies.client1)
    url = reverse("success:note_create", args=[companies.a.pk])
    assert client.get(url).status_code == 403


def test_task_of_another_client_is_404(client, staff, companies, task):
    client.force_login(staff.csm)
    url = reverse("success:note_create", args=[companies.b.pk]) + f"?task={task.pk}"
    assert client.get(url).status_code == 404


def test_next_step_done_refuses_outside_redirects(client, staff, companies):
    note = actions.do_log_call_note(
        staff.csm,
        companies.a,
        held_on=dt.date(2026, 12, 3),
        summary="x",
        next_steps=[actions.StepInput("Позвонить")],
    )
    step = note.next_steps.get()
    client.force_login(staff.csm)
    response = client.post(
        reverse("success:next_step_done", args=[step.pk]),
        {"done": "1", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("clients:detail", args=[companies.a.pk])
    client.force_login(staff.sales)
    assert (
        client.post(reverse("success:next_step_done", args=[step.pk]), {"done": "0"}).status_code
        == 403
    )
