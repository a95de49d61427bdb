"""The budget pages: the head drafts and submits, the CEO approves or returns, everyone else
is refused (403: the budget is a section), and a locked plan refuses edits with the reason."""

import pytest
from django.urls import reverse

from soprovod.budget import actions, queries
from soprovod.budget.models import BudgetFact, VersionStatus
from soprovod.budget.tests.conftest import plan


def test_head_and_ceo_read_the_budget_others_are_refused(staff, companies, as_user, approved_2026):
    for user in (staff.head, staff.ceo):
        response = as_user(user).get(reverse("budget:year", args=[2026]))
        assert response.status_code == 200
        assert "Plan in force" in response.content.decode()
        version_page = as_user(user).get(reverse("budget:version", args=[approved_2026.pk]))
        assert version_page.status_code == 200
    for user in (
        staff.support,
        staff.csm,
        staff.sales,
        staff.dev,
        staff.engineer,
        companies.client1,
    ):
        c = as_user(user)
        assert c.get(reverse("budget:home")).status_code == 403
        assert c.get(reverse("budget:year", args=[2026])).status_code == 403
        assert c.get(reverse("budget:version", args=[approved_2026.pk])).status_code == 403
        assert c.post(reverse("budget:start", args=[2026])).status_code == 403
        assert c.post(reverse("budget:facts", args=[2026]), {"month": 1}).status_code == 403


def test_menu_shows_budget_to_head_and_ceo_only(staff, as_user):
    assert 'href="/budget/"' in as_user(staff.head).get(reverse("home")).content.decode()
    assert 'href="/budget/"' in as_user(staff.ceo).get(reverse("home")).content.decode()
    assert 'href="/budget/"' not in as_user(staff.support).get(reverse("home")).content.decode()


def test_only_the_head_drafts_and_submits(staff, as_user):
    ceo = as_user(staff.ceo)
    assert ceo.post(reverse("budget:start", args=[2027])).status_code == 403
    head = as_user(staff.head)
    response = head.post(reverse("budget:start", args=[2027]))
    version = queries.open_version(2027)
    assert response.url == reverse("budget:version", args=[version.pk])
    url = reverse("budget:version", args=[version.pk])
    data = {
        "version": version.version,
        "note": "Первая версия",
        "m01_staff": "100 000",
        "m02_travel": "5000,5",
    }
    ceo = as_user(staff.ceo)
    assert ceo.post(url, data).status_code == 403
    assert ceo.post(reverse("budget:submit", args=[version.pk]), {}).status_code == 403
    head = as_user(staff.head)
    assert head.post(url, data).status_code == 302
    assert queries.plan_grid(version) == plan(m1_staff=100_000, m2_travel="5000.5")
    version.refresh_from_db()
    response = head.post(reverse("budget:submit", args=[version.pk]), {"version": version.version})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.SUBMITTED


def test_only_the_ceo_decides(staff, as_user):
    version = actions.do_start_version(staff.head, 2027)
    actions.do_set_plan(staff.head, version, plan(m1_staff=1))
    version = actions.do_submit_version(staff.head, version)
    url = reverse("budget:decide", args=[version.pk])
    for user in (staff.head, staff.support, staff.sales, staff.dev):
        data = {"decision": "approve", "version": version.version}
        assert as_user(user).post(url, data).status_code == 403
    ceo = as_user(staff.ceo)
    refused = ceo.post(url, {"decision": "return", "comment": "", "version": version.version})
    assert refused.status_code == 409
    assert "needs a comment" in refused.content.decode()
    assert (
        ceo.post(
            url, {"decision": "return", "comment": "Дорого", "version": version.version}
        ).status_code
        == 302
    )
    version.refresh_from_db()
    assert (version.status, version.decision_comment) == (VersionStatus.RETURNED, "Дорого")


def test_editing_a_locked_plan_is_refused_with_the_reason(staff, as_user, approved_2026):
    head = as_user(staff.head)
    url = reverse("budget:version", args=[approved_2026.pk])
    page = head.get(url).content.decode()
    assert "is locked. Start a new version to change it." in page
    assert 'id="bud-plan-form"' not in page
    response = head.post(url, {"version": approved_2026.version, "note": "", "m01_staff": "1"})
    assert response.status_code == 409
    assert "The approved plan (version 1) is locked" in response.content.decode()
    assert queries.plan_grid(approved_2026)[(1, "staff")] == 100_000


def test_head_enters_a_months_facts(staff, as_user, approved_2026):
    head = as_user(staff.head)
    response = head.post(
        reverse("budget:facts", args=[2026]), {"month": 3, "staff": "98 500", "tools": ""}
    )
    assert response.status_code == 302
    assert list(BudgetFact.objects.values_list("month", "category", "amount")) == [
        (3, "staff", 98_500)
    ]
    page = head.get(reverse("budget:year", args=[2026])).content.decode()
    assert "<svg" in page and 'data-category="staff"' in page


@pytest.mark.parametrize("year", [1999, 2101])
def test_years_out_of_range_are_404(staff, as_user, year):
    assert as_user(staff.head).get(reverse("budget:year", args=[year])).status_code == 404


def test_facts_upload_reports_row_errors(staff, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("f.csv", b"month,category,amount_rub\n2026-01,staff,x\n")
    response = as_user(staff.head).post(
        reverse("budget:import", args=[2026]), {"file": upload, "dry_run": ""}
    )
    assert response.status_code == 400
    assert "row 2, column amount_rub" in response.content.decode()
    good = SimpleUploadedFile("f.csv", b"month,category,amount_rub\n2026-01,staff,5\n")
    response = as_user(staff.head).post(
        reverse("budget:import", args=[2026]), {"file": good, "dry_run": ""}
    )
    assert response.status_code == 302 and BudgetFact.objects.count() == 1
