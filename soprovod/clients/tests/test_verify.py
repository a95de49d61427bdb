"""`soprovod verify` for clients: a history that does not tell the client's facts is reported
field by field, and `--fix` completes it through the action, audited."""

import datetime as dt

import pytest
from django.utils import translation

from soprovod.audit.models import AuditEvent
from soprovod.clients.history import status_on
from soprovod.clients.models import Client, ClientStatus, ClientStatusChange
from soprovod.clients.tests.test_history import history, imported  # noqa: F401 - fixture
from soprovod.clients.verify import check_status_histories
from soprovod.core.verify import run_checks

pytestmark = pytest.mark.django_db
D = dt.date


def lines(**kwargs):
    found = []
    tally = check_status_histories(lambda d: found.append(d.line()), **kwargs)
    return found, tally


def test_an_imported_portfolio_verifies_clean(imported):  # noqa: F811
    found, tally = lines()
    assert (found, tally.checked) == ([], 11)


def test_a_history_imported_the_old_way_is_reported_and_fixed(imported, staff):  # noqa: F811
    # Before issue 9 a churned client was imported with one record: churned on its churn date.
    ClientStatusChange.objects.filter(client__external_id="A", status=ClientStatus.ACTIVE).delete()
    ClientStatusChange.objects.filter(client__external_id="G").delete()

    found, tally = lines()
    assert found == [
        "client A contract_start: stored 2023-04-23, recomputed 2025-12-22",
        "client G contract_start: stored 2023-01-01, recomputed —",
        "client G status: stored churned, recomputed —",
    ]
    assert (tally.checked, tally.fixed) == (11, 0)

    with translation.override("en"):  # the trail keeps labels in the language of the day
        found, tally = lines(fix=True, actor=staff.head)
    assert tally.fixed == 3
    assert history("A") == [("active", D(2023, 4, 23)), ("churned", D(2025, 12, 22))]
    assert history("G") == [("active", D(2023, 1, 1)), ("churned", D(2026, 2, 1))]
    records = history("A")
    assert [
        status_on(records, day) for day in (D(2023, 4, 22), D(2024, 1, 1), D(2025, 12, 22))
    ] == [
        None,
        "active",
        "churned",
    ]
    event = AuditEvent.objects.filter(object_id=str(Client.objects.get(external_id="A").pk)).latest(
        "id"
    )
    assert (event.actor, event.reason) == (staff.head, "verify --fix")
    assert event.changes["status_history"] == [
        "Churned 2025-12-22",
        "Active 2023-04-23; Churned 2025-12-22",
    ]
    assert lines()[0] == []


def test_a_status_the_history_never_reached_is_added_on_its_date(imported, staff):  # noqa: F811
    Client.objects.filter(external_id="C").update(status=ClientStatus.AT_RISK)
    found, _tally = lines()
    assert found == ["client C status: stored at_risk, recomputed active"]
    lines(fix=True, actor=staff.head)
    assert history("C")[-1][0] == ClientStatus.AT_RISK
    assert lines()[0] == []


def test_the_runner_counts_each_checks_differences(imported):  # noqa: F811
    ClientStatusChange.objects.filter(client__external_id="C").delete()
    results = dict(run_checks(lambda _d: None, only={"clients"}))
    assert (results["clients"].checked, results["clients"].differences) == (11, 2)


def test_the_data_migration_completes_old_histories_with_a_rule_correction(imported):  # noqa: F811
    from importlib import import_module

    from django.apps import apps

    migration = import_module("soprovod.clients.migrations.0002_complete_status_histories")
    ClientStatusChange.objects.filter(client__external_id="A", status=ClientStatus.ACTIVE).delete()
    events = AuditEvent.objects.count()

    migration.complete_histories(apps, None)
    migration.complete_histories(apps, None)  # and a second run finds nothing left to do

    assert history("A") == [("active", D(2023, 4, 23)), ("churned", D(2025, 12, 22))]
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("id")
    assert (event.reason, event.object_id) == (
        "rule correction",
        str(Client.objects.get(external_id="A").pk),
    )
    assert lines()[0] == []
