"""The plan's life: draft → submitted → returned with comments → submitted → approved and
locked; a change after approval is a new version, which supersedes the old one only once
approved."""

from decimal import Decimal

import pytest

from soprovod.audit.models import AuditEvent
from soprovod.budget import actions, queries
from soprovod.budget.actions import BudgetError
from soprovod.budget.models import BudgetVersion, VersionStatus
from soprovod.budget.tests.conftest import plan
from soprovod.core.errors import StaleObjectError
from soprovod.core.models import Notification


def test_returned_then_approved_version_is_locked(staff):
    version = actions.do_start_version(staff.head, 2027)
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    actions.do_set_plan(staff.head, version, plan(m1_staff=100_000, m2_travel=20_000))
    actions.do_submit_version(staff.head, version)
    assert Notification.objects.filter(recipient=staff.ceo, url="/budget/2027/").exists()

    with pytest.raises(BudgetError, match="with the CEO"):
        actions.do_set_plan(staff.head, version, plan(m1_staff=1))
    with pytest.raises(BudgetError, match="needs a comment"):
        actions.do_return_version(staff.ceo, version, comment="  ")
    version = actions.do_return_version(staff.ceo, version, comment="Командировки урезать")
    assert version.status == VersionStatus.RETURNED
    assert version.decision_comment == "Командировки урезать"
    assert Notification.objects.filter(recipient=staff.head).count() == 1

    assert actions.do_set_plan(staff.head, version, plan(m2_travel=5_000)) == 1
    actions.do_submit_version(staff.head, version)
    version = actions.do_approve_version(staff.ceo, version)
    assert (version.status, version.decided_by) == (VersionStatus.APPROVED, staff.ceo)

    with pytest.raises(BudgetError, match=r"approved plan \(version 1\) is locked"):
        actions.do_set_plan(staff.head, version, plan(m1_staff=1))
    with pytest.raises(BudgetError):
        actions.do_submit_version(staff.head, version)
    with pytest.raises(BudgetError, match="Only a submitted"):
        actions.do_return_version(staff.ceo, version, comment="поздно")
    assert queries.plan_grid(version) == plan(m1_staff=100_000, m2_travel=5_000)
    events = AuditEvent.objects.filter(object_id=str(version.pk)).order_by("id")
    assert [(e.action, e.changes.get("status", [None, None])[1]) for e in events] == [
        ("created", None),
        ("updated", None),
        ("status", "submitted"),
        ("status", "returned"),
        ("updated", None),
        ("status", "submitted"),
        ("status", "approved"),
    ]
    change = events.filter(action="updated").last().changes
    assert change == {"2027-02 travel": ["20000.00", "5000"]}


def test_change_after_approval_is_a_new_version_with_a_diff(staff, approved_2026):
    assert actions.do_set_plan.__name__  # the approved version stays in force meanwhile
    new = actions.do_start_version(staff.head, 2026)
    assert (new.number, new.based_on, new.status) == (2, approved_2026, VersionStatus.DRAFT)
    assert queries.plan_grid(new) == queries.plan_grid(approved_2026)
    with pytest.raises(BudgetError, match="still open"):
        actions.do_start_version(staff.head, 2026)

    actions.do_set_plan(
        staff.head, new, {(3, "staff"): Decimal(120_000), (4, "tools"): None, (5, "other"): 7}
    )
    changes = queries.version_diff(queries.plan_grid(approved_2026), queries.plan_grid(new))
    assert [(c.month, c.category, c.before, c.after) for c in changes] == [
        (3, "staff", Decimal(100_000), Decimal(120_000)),
        (4, "tools", Decimal(10_000), None),
        (5, "other", None, Decimal(7)),
    ]
    assert queries.approved_version(2026) == approved_2026  # still in force

    actions.do_submit_version(staff.head, new)
    actions.do_approve_version(staff.ceo, new)
    approved_2026.refresh_from_db()
    assert approved_2026.status == VersionStatus.SUPERSEDED
    assert queries.approved_version(2026) == new
    assert BudgetVersion.objects.filter(year=2026, status=VersionStatus.APPROVED).count() == 1


def test_stale_form_is_refused(staff):
    version = actions.do_start_version(staff.head, 2027)
    opened_at = version.version
    actions.do_set_plan(staff.head, version, plan(m1_staff=1), expected_version=opened_at)
    with pytest.raises(StaleObjectError):
        actions.do_set_plan(staff.head, version, plan(m1_staff=2), expected_version=opened_at)


def test_an_empty_plan_cannot_be_submitted_and_amounts_are_not_negative(staff):
    version = actions.do_start_version(staff.head, 2027)
    with pytest.raises(BudgetError, match="empty"):
        actions.do_submit_version(staff.head, version)
    with pytest.raises(BudgetError, match="negative"):
        actions.do_set_plan(staff.head, version, plan(m1_staff=-5))
    with pytest.raises(BudgetError, match="Unknown"):
        actions.do_set_plan(staff.head, version, {(13, "staff"): Decimal(1)})
