"""Projects through their actions: opened from the tariff's template on the calendar, tasks
and stages done, blockers, go-live moving the client to active, overdue warnings once."""

import datetime as dt

import pytest

from soprovod.audit.models import AuditEvent
from soprovod.clients.models import ClientStatus, ClientStatusChange
from soprovod.clients.tests.factories import ClientFactory
from soprovod.core.models import Notification
from soprovod.projects import actions
from soprovod.projects.models import OverdueNotice, ProjectStatus, ProjectTemplate
from soprovod.projects.plan import parse_plan_text
from soprovod.projects.tests.factories import open_project

pytestmark = pytest.mark.django_db


def test_a_project_is_planned_from_the_default_template_on_working_days(project):
    assert project.template.name == "Типовое внедрение"
    stages = list(project.stages.order_by("position"))
    assert [s.kind for s in stages] == ["kickoff", "setup", "equipment", "training", "go_live"]
    # Monday 5 October 2026; kick-off 3 working days, setup 5 (no holidays in October).
    assert (stages[0].planned_start, stages[0].planned_end) == (
        dt.date(2026, 10, 5),
        dt.date(2026, 10, 7),
    )
    assert (stages[1].planned_start, stages[1].planned_end) == (
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 14),
    )
    # Equipment 15–23.10 (7 days), training 26–28.10, go-live 29–30.10.
    assert project.planned_go_live == dt.date(2026, 10, 30)
    assert project.tasks.count() == 13
    assert set(project.tasks.values_list("assignee", flat=True)) == {project.owner_id}
    assert AuditEvent.objects.filter(object_id=str(project.pk), action="created").exists()


def test_the_template_of_the_tariff_wins_over_the_default(staff, today):
    client = ClientFactory(tariff="Корпоративный", status=ClientStatus.ONBOARDING)
    project = open_project(client, staff.implementation)
    assert project.template.name == "Корпоративное внедрение"


def test_without_any_template_the_project_is_refused(staff, new_client, today):
    ProjectTemplate.objects.update(is_active=False)
    with pytest.raises(actions.ProjectError, match="Бизнес"):
        open_project(new_client, staff.implementation)


def test_a_stage_finishes_when_its_last_task_is_done(staff, project, today):
    kickoff = project.stages.get(kind="kickoff")
    tasks = list(kickoff.tasks.all())
    actions.do_complete_task(staff.implementation, tasks[0], on=dt.date(2026, 10, 6))
    kickoff.refresh_from_db()
    assert kickoff.actual_start == dt.date(2026, 10, 6) and kickoff.actual_end is None
    for task in tasks[1:]:
        actions.do_complete_task(staff.implementation, task, on=dt.date(2026, 10, 8))
    kickoff.refresh_from_db()
    assert kickoff.actual_end == dt.date(2026, 10, 8)
    actions.do_reopen_task(staff.implementation, tasks[1])
    kickoff.refresh_from_db()
    assert kickoff.actual_end is None


def test_a_task_cannot_be_done_tomorrow(staff, project, today):
    task = project.tasks.first()
    with pytest.raises(actions.ProjectError):
        actions.do_complete_task(staff.implementation, task, on=today + dt.timedelta(days=1))


def test_going_live_makes_the_client_active_with_a_dated_record(staff, project, new_client, today):
    actions.do_go_live(staff.implementation, project, on=dt.date(2026, 10, 9))
    project.refresh_from_db()
    new_client.refresh_from_db()
    assert project.status == ProjectStatus.LIVE and project.went_live_on == dt.date(2026, 10, 9)
    assert new_client.status == ClientStatus.ACTIVE
    record = ClientStatusChange.objects.filter(client=new_client).order_by("-id").first()
    assert (record.status, record.effective_on) == (ClientStatus.ACTIVE, dt.date(2026, 10, 9))
    assert project.stages.get(kind="go_live").actual_end == dt.date(2026, 10, 9)


def test_an_open_blocker_stops_the_go_live(
    staff, project, new_client, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        blocker = actions.do_raise_blocker(
            staff.implementation, project, reason="Нет доступа в серверную"
        )
    with pytest.raises(actions.ProjectError):
        actions.do_go_live(staff.implementation, project)
    new_client.refresh_from_db()
    assert new_client.status == ClientStatus.ONBOARDING
    actions.do_lift_blocker(staff.implementation, blocker, resolution="Доступ выдан")
    actions.do_go_live(staff.implementation, project)
    new_client.refresh_from_db()
    assert new_client.status == ClientStatus.ACTIVE
    assert Notification.objects.filter(
        recipient=staff.head, key__startswith="project-blocker"
    ).exists()


def test_overdue_tasks_and_stages_warn_owner_and_head_once(staff, project, time_machine):
    # 12 October: the kick-off (due 7.10), its three tasks and the two-day setup task
    # (due 9.10) are late.
    assert actions.do_warn_overdue(dt.date(2026, 10, 12)) == 5
    assert actions.do_warn_overdue(dt.date(2026, 10, 12)) == 0
    assert OverdueNotice.objects.count() == 5
    for user in (staff.implementation, staff.head):
        assert Notification.objects.filter(recipient=user, key__contains=":overdue").count() == 5
    # The next day only the two setup tasks due 12.10 are new.
    assert actions.do_warn_overdue(dt.date(2026, 10, 13)) == 2
    # A new due date is a new promise: missing it warns again.
    task = project.tasks.filter(stage__kind="kickoff").first()
    actions.do_update_task(
        staff.head, task, assignee=staff.implementation, planned_end=dt.date(2026, 10, 13)
    )
    assert actions.do_warn_overdue(dt.date(2026, 10, 14)) >= 1


def test_a_live_project_is_not_warned(staff, project, today):
    actions.do_go_live(staff.implementation, project)
    assert actions.do_warn_overdue(dt.date(2026, 12, 1)) == 0


def test_the_head_saves_a_template_and_new_projects_follow_it(staff, new_client, today):
    stages = parse_plan_text(
        "Старт | kickoff | 1\n- Встреча | 1\nЗапуск | go_live | 2\n- Акт | 1\n"
    )
    template = actions.do_save_template(
        staff.head, None, stages=stages, name="Бизнес, быстрый", tariff="Бизнес", is_active=True
    )
    project = open_project(new_client, staff.implementation, start=dt.date(2026, 10, 9))
    assert project.template == template
    assert project.planned_go_live == dt.date(2026, 10, 13)
    stale = template.version
    actions.do_save_template(
        staff.head, template, stages=stages, expected_version=stale, name="Бизнес, быстрый 2"
    )
    with pytest.raises(actions.StaleObjectError):
        actions.do_save_template(
            staff.head, template, stages=stages, expected_version=stale, name="Другое"
        )
