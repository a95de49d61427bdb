import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from soprovod.clients.models import ClientStatus, MrrChange
from soprovod.success import actions
from soprovod.success.models import ChurnCase, ChurnOutcome, ChurnReason
from soprovod.success.verify import check_churn_statuses

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 4, 12, 0), tick=False)


@pytest.fixture
def active_a(companies, staff):
    from soprovod.clients.actions import do_update_client

    return do_update_client(staff.head, companies.a, status=ClientStatus.ACTIVE)


def history(client):
    return list(
        client.status_history.order_by("effective_on", "id").values_list("status", "effective_on")
    )


def test_reasons_are_seeded():
    names = list(ChurnReason.objects.values_list("name", flat=True))
    assert {"Цена", "Не хватает функций", "Ушёл к конкуренту", "Другое"} <= set(names)


def test_open_is_idempotent_and_marks_at_risk(active_a, staff):
    case = actions.do_open_churn_case(active_a, source="health")
    again = actions.do_open_churn_case(active_a, source="manual", actor=staff.head)
    assert again.pk == case.pk
    assert ChurnCase.objects.filter(client=active_a).count() == 1
    assert case.owner == staff.csm  # the client's success manager
    active_a.refresh_from_db()
    assert active_a.status == ClientStatus.AT_RISK
    assert history(active_a)[-1] == (ClientStatus.AT_RISK, TODAY)


def test_lost_sets_the_dated_churn_status(active_a, staff):
    case = actions.do_open_churn_case(active_a, actor=staff.csm)
    with pytest.raises(actions.ChurnCaseError):  # before the case was opened
        actions.do_close_churn_case(
            staff.csm, case, outcome=ChurnOutcome.LOST, outcome_on=dt.date(2026, 11, 30)
        )
    lost_on = TODAY
    actions.do_close_churn_case(staff.csm, case, outcome=ChurnOutcome.LOST, outcome_on=lost_on)
    active_a.refresh_from_db()
    assert (active_a.status, active_a.churned_at) == (ClientStatus.CHURNED, lost_on)
    assert history(active_a)[-1] == (ClientStatus.CHURNED, lost_on)
    # A new case may be opened after the outcome (the old one is closed).
    assert actions.do_open_churn_case(active_a).pk != case.pk


def test_saved_returns_to_active_on_the_date(active_a, staff):
    case = actions.do_open_churn_case(active_a, actor=staff.csm)
    actions.do_add_churn_task(staff.csm, case, title="Скидка 10 % на год", owner=staff.csm)
    actions.do_close_churn_case(staff.csm, case, outcome=ChurnOutcome.SAVED, outcome_on=TODAY)
    active_a.refresh_from_db()
    assert active_a.status == ClientStatus.ACTIVE
    assert history(active_a)[-2:] == [
        (ClientStatus.AT_RISK, TODAY),
        (ClientStatus.ACTIVE, TODAY),
    ]


def test_downgrade_records_a_dated_downsell(active_a, staff):
    case = actions.do_open_churn_case(active_a, actor=staff.csm)
    actions.do_close_churn_case(
        staff.csm,
        case,
        outcome=ChurnOutcome.DOWNGRADED,
        outcome_on=TODAY,
        new_mrr_rub=Decimal("5000.00"),
    )
    change = MrrChange.objects.get(client=active_a, effective_on=TODAY)
    assert (change.mrr_rub, change.reason) == (Decimal("5000.00"), "downsell")
    active_a.refresh_from_db()
    assert active_a.status == ClientStatus.ACTIVE


def test_closed_case_cannot_be_closed_again_or_in_the_future(active_a, staff):
    case = actions.do_open_churn_case(active_a)
    with pytest.raises(actions.ChurnCaseError):
        actions.do_close_churn_case(
            staff.csm, case, outcome="lost", outcome_on=TODAY + dt.timedelta(days=1)
        )
    actions.do_close_churn_case(staff.csm, case, outcome="saved", outcome_on=TODAY)
    with pytest.raises(actions.ChurnCaseError):
        actions.do_close_churn_case(staff.csm, case, outcome="lost", outcome_on=TODAY)


def test_verify_reports_a_lost_client_not_churned(active_a, staff):
    case = actions.do_open_churn_case(active_a)
    actions.do_close_churn_case(staff.csm, case, outcome="lost", outcome_on=TODAY)
    found = []
    check_churn_statuses(found.append)
    assert found == []
    type(active_a).objects.filter(pk=active_a.pk).update(
        status=ClientStatus.ACTIVE, churned_at=None
    )
    check_churn_statuses(found.append)
    assert [d.recomputed for d in found] == ["churned"]


# ---- pages -------------------------------------------------------------------------------


def test_pages_and_the_close_form(client, active_a, staff):
    client.force_login(staff.csm)
    response = client.post(
        reverse("success:churn_create"), {"client": active_a.pk, "details": "Дорого"}
    )
    case = ChurnCase.objects.get()
    assert response.status_code == 302
    assert client.get(reverse("success:churn")).status_code == 200
    assert client.get(reverse("success:churn_case", args=[case.pk])).status_code == 200
    client.post(
        reverse("success:churn_task_add", args=[case.pk]),
        {"title": "Встреча с директором", "owner": staff.csm.pk, "due_on": "2026-12-10"},
    )
    task = case.tasks.get()
    client.post(reverse("success:churn_task_done", args=[case.pk, task.pk]), {"done": "1"})
    task.refresh_from_db()
    assert task.done_at is not None
    response = client.post(
        reverse("success:churn_close", args=[case.pk]),
        {"outcome": "lost", "outcome_on": "2026-12-04", "version": case.version},
    )
    assert response.status_code == 302
    active_a.refresh_from_db()
    assert active_a.churned_at == TODAY


@pytest.mark.parametrize("username", ["client1", "sales", "dev", "support", "engineer"])
def test_others_cannot_see_churn_cases(client, active_a, staff, username):
    from soprovod.accounts.models import User

    case = actions.do_open_churn_case(active_a)
    client.force_login(User.objects.get(username=username))
    assert client.get(reverse("success:churn")).status_code == 403
    assert client.get(reverse("success:churn_case", args=[case.pk])).status_code == 403
    assert (
        client.post(
            reverse("success:churn_close", args=[case.pk]),
            {"outcome": "lost", "outcome_on": "2026-12-01"},
        ).status_code
        == 403
    )
    case.refresh_from_db()
    assert case.is_open


def test_ceo_and_other_manager_read_but_cannot_change(client, active_a, staff):
    case = actions.do_open_churn_case(active_a)
    for person in (staff.ceo, staff.csm2):
        client.force_login(person)
        assert client.get(reverse("success:churn_case", args=[case.pk])).status_code == 200
        refused = client.post(
            reverse("success:churn_close", args=[case.pk]),
            {"outcome": "lost", "outcome_on": "2026-12-01"},
        )
        assert refused.status_code == 403
    assert client.get(reverse("success:churn_create")).status_code == 200  # csm2 opens own
    case.refresh_from_db()
    assert case.is_open


def test_only_the_head_edits_reasons(client, staff):
    client.force_login(staff.csm)
    assert client.get(reverse("success:churn_reasons")).status_code == 200
    assert (
        client.post(
            reverse("success:churn_reasons"), {"name": "Слияние", "position": 5}
        ).status_code
        == 403
    )
    client.force_login(staff.head)
    client.post(
        reverse("success:churn_reasons"), {"name": "Слияние", "position": 5, "active": "on"}
    )
    assert ChurnReason.objects.filter(name="Слияние", active=True).exists()
    reason = ChurnReason.objects.get(name="Цена")
    client.post(
        reverse("success:churn_reasons"), {"pk": reason.pk, "name": "Цена и условия", "position": 1}
    )
    reason.refresh_from_db()
    assert (reason.name, reason.active) == ("Цена и условия", False)
