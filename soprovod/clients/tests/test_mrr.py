"""Dated MRR history: the client import's first value, changes by the client actions, and the
MRR import (all or nothing, every bad row named, re-import a no-op)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from soprovod.audit.models import AuditEvent
from soprovod.clients.imports import import_clients, import_mrr
from soprovod.clients.models import Client, MrrChange, MrrReason
from soprovod.clients.revenue import inferred_reason, mrr_on
from soprovod.clients.tests.test_imports import csv_bytes, issues_of
from soprovod.lib.csvio import CsvFileError

CLIENTS = "external_id,name,inn,tariff,mrr_rub,status,contract_start"
ALFA = "CRM-1,ООО «Альфа»,7707083893,Бизнес,25000,active,2024-01-15"
MRR = "client_external_id,effective_on,mrr_rub,reason"
TODAY = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def alfa(db):
    with time_machine.travel(TODAY, tick=False):
        import_clients(csv_bytes(CLIENTS, ALFA), filename="clients.csv")
    return Client.objects.get(external_id="CRM-1")


def history(client):
    return list(
        client.mrr_history.order_by("effective_on").values_list("effective_on", "mrr_rub", "reason")
    )


def test_mrr_on_a_date_is_the_last_change_on_or_before_it():
    changes = [
        (datetime.date(2026, 3, 1), Decimal(200)),
        (datetime.date(2026, 1, 1), Decimal(100)),
    ]
    assert mrr_on(changes, datetime.date(2025, 12, 31)) is None
    assert mrr_on(changes, datetime.date(2026, 1, 1)) == 100
    assert mrr_on(changes, datetime.date(2026, 2, 28)) == 100
    assert mrr_on(changes, datetime.date(2026, 3, 1)) == 200


@pytest.mark.parametrize(
    ("previous", "mrr", "reason"),
    [
        (None, 100, MrrReason.NEW),
        (100, 0, MrrReason.CHURN),
        (100, 150, MrrReason.UPSELL),
        (100, 50, MrrReason.DOWNSELL),
        (100, 100, MrrReason.PRICE),
    ],
)
def test_inferred_reason(previous, mrr, reason):
    assert inferred_reason(None if previous is None else Decimal(previous), Decimal(mrr)) == reason


def test_client_import_makes_its_mrr_the_first_dated_value(alfa):
    assert history(alfa) == [(datetime.date(2024, 1, 15), Decimal(25000), MrrReason.NEW)]


def test_reimporting_clients_adds_nothing_and_a_changed_mrr_adds_one_value_today(alfa):
    with time_machine.travel(TODAY, tick=False):
        import_clients(csv_bytes(CLIENTS, ALFA), filename="clients.csv")
        assert MrrChange.objects.count() == 1
        import_clients(csv_bytes(CLIENTS, ALFA.replace("25000", "30000")), filename="c.csv")
        import_clients(csv_bytes(CLIENTS, ALFA.replace("25000", "30000")), filename="c.csv")
    assert history(alfa) == [
        (datetime.date(2024, 1, 15), Decimal(25000), MrrReason.NEW),
        (datetime.date(2026, 11, 20), Decimal(30000), MrrReason.UPSELL),
    ]


def test_mrr_import_adds_dated_changes_and_keeps_the_current_mrr(alfa, staff):
    data = csv_bytes(
        MRR,
        "CRM-1,2025-06-01,40000,upsell",
        "CRM-1,2026-02-01,35000,",
        "CRM-1,01.10.2026,35 000,изменение цены",
    )
    with time_machine.travel(TODAY, tick=False):
        result = import_mrr(data, actor=staff.head, filename="mrr.csv")
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert history(alfa) == [
        (datetime.date(2024, 1, 15), Decimal(25000), MrrReason.NEW),
        (datetime.date(2025, 6, 1), Decimal(40000), MrrReason.UPSELL),
        (datetime.date(2026, 2, 1), Decimal(35000), MrrReason.DOWNSELL),  # inferred
        (datetime.date(2026, 10, 1), Decimal(35000), MrrReason.PRICE),
    ]
    alfa.refresh_from_db()
    assert alfa.mrr_rub == Decimal(35000)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORTED, reason="mrr.csv")
    assert events.filter(content_type__model="mrrchange").count() == 3
    client_events = events.filter(content_type__model="client").order_by("id")
    assert [event.changes["mrr_rub"] for event in client_events] == [
        ["25000.00", "40000.00"],
        ["40000.00", "35000.00"],
    ]


def test_mrr_import_again_changes_nothing_and_a_corrected_value_is_updated(alfa):
    data = csv_bytes(MRR, "CRM-1,2025-06-01,40000,upsell")
    with time_machine.travel(TODAY, tick=False):
        import_mrr(data, filename="mrr.csv")
        events = AuditEvent.objects.count()
        again = import_mrr(data, filename="mrr.csv")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
        assert AuditEvent.objects.count() == events
        fixed = import_mrr(csv_bytes(MRR, "CRM-1,2025-06-01,45000,upsell"), filename="mrr.csv")
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 0)
    assert history(alfa)[-1] == (datetime.date(2025, 6, 1), Decimal(45000), MrrReason.UPSELL)


def test_mrr_import_is_all_or_nothing_and_names_every_bad_row(alfa):
    data = csv_bytes(
        MRR,
        "CRM-1,2025-06-01,40000,upsell",
        "CRM-9,2025-06-01,40000,upsell",  # 3: unknown client
        "CRM-1,2023-01-01,40000,",  # 4: before the contract start
        "CRM-1,2025-06-01,41000,",  # 5: the date again
        "CRM-1,2026-12-01,41000,",  # 6: in the future
        "CRM-1,2025-07-01,-5,",  # 7: negative
        "CRM-1,2025-08-01,5,bonus",  # 8: unknown reason
    )
    with time_machine.travel(TODAY, tick=False), pytest.raises(CsvFileError) as caught:
        import_mrr(data, filename="mrr.csv")
    assert issues_of(caught.value) == [
        (3, "client_external_id"),
        (4, "effective_on"),
        (5, "effective_on"),
        (6, "effective_on"),
        (7, "mrr_rub"),
        (8, "reason"),
    ]
    assert MrrChange.objects.count() == 1


def test_dry_run_counts_and_writes_nothing(alfa):
    data = csv_bytes(MRR, "CRM-1,2024-01-15,25000,new", "CRM-1,2025-06-01,40000,upsell")
    with time_machine.travel(TODAY, tick=False):
        result = import_mrr(data, filename="mrr.csv", dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert MrrChange.objects.count() == 1


def test_soprovod_import_mrr_command(alfa, tmp_path, capsys):
    good = tmp_path / "mrr.csv"
    good.write_bytes(csv_bytes(MRR, "CRM-1,2025-06-01,40000,upsell"))
    with time_machine.travel(TODAY, tick=False):
        call_command("import", "mrr", str(good))
    assert "mrr.csv: 1 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(MRR, "CRM-1,2025-06-01,сорок,upsell"))
    with pytest.raises(CommandError, match="row 2, column mrr_rub"):
        call_command("import", "mrr", str(bad))


def test_a_corrected_contract_start_moves_the_first_value(alfa):
    from soprovod.clients.actions import do_update_client

    do_update_client(None, alfa, contract_start=datetime.date(2024, 2, 1))
    assert history(alfa)[0][0] == datetime.date(2024, 2, 1)


def test_verify_reports_and_fixes_an_mrr_the_history_does_not_tell(alfa, staff):
    from soprovod.clients.tests.factories import ClientFactory
    from soprovod.clients.verify import check_mrr_histories

    bare = ClientFactory(external_id="BARE", mrr_rub=Decimal(7000))  # made without history
    Client.objects.filter(pk=alfa.pk).update(mrr_rub=Decimal(99))
    found = []
    with time_machine.travel(TODAY, tick=False):
        tally = check_mrr_histories(lambda d: found.append(d.line()))
        assert sorted(found) == [
            "client BARE mrr_history: stored 7000.00, recomputed —",
            "client CRM-1 mrr_rub: stored 99.00, recomputed 25000.00",
        ]
        assert tally.checked == 2
        tally = check_mrr_histories(lambda d: None, fix=True, actor=staff.head)
        assert tally.fixed == 2
        again = []
        check_mrr_histories(lambda d: again.append(d.line()))
    assert again == []
    alfa.refresh_from_db()
    assert alfa.mrr_rub == Decimal(25000)
    assert history(bare) == [(bare.contract_start, Decimal(7000), MrrReason.NEW)]
