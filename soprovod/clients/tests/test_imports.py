"""Client import from CSV: all or nothing, every bad row reported, re-import is a no-op."""

import datetime
from decimal import Decimal

import pytest

from soprovod.audit.models import AuditEvent
from soprovod.clients.imports import import_clients
from soprovod.clients.models import Client, ClientStatus, ClientStatusChange
from soprovod.clients.tests.factories import ClientFactory
from soprovod.lib.csvio import CsvFileError

HEADER = "external_id,name,inn,tariff,mrr_rub,status,contract_start,churned_at,success_manager_email,segment"
ALFA = "CRM-1,ООО «Альфа»,7707083893,Бизнес,25000,active,2024-01-15,,csm@example.test,Бизнес-центр"
BETA = "CRM-2,АО «Бета»,500100732259,Старт,5000.50,churned,2023-03-01,2026-09-30,,Склад/логистика"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def history_of(client: Client) -> list[tuple[str, datetime.date]]:
    return list(
        client.status_history.order_by("effective_on", "id").values_list("status", "effective_on")
    )


def issues_of(error: CsvFileError) -> list[tuple[int | None, str | None]]:
    return [(issue.row, issue.column) for issue in error.issues]


def test_imports_windows_1251_file_with_semicolons(staff):
    data = csv_bytes(
        "external_id;name;inn;tariff;mrr_rub;status;contract_start",
        "CRM-7;ТСЖ «Берёзка»;7707083893;Старт;1 234,50;внедрение;15.01.2024",
        encoding="cp1251",
    )

    result = import_clients(data, actor=staff.head, filename="clients.csv")

    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    client = Client.objects.get(external_id="CRM-7")
    assert client.name == "ТСЖ «Берёзка»"
    assert client.mrr_rub == Decimal("1234.50")
    assert client.status == ClientStatus.ONBOARDING
    assert client.contract_start == datetime.date(2024, 1, 15)
    event = AuditEvent.objects.get(object_id=str(client.pk))
    assert event.action == AuditEvent.Action.IMPORTED
    assert event.actor == staff.head
    assert event.reason == "clients.csv"


def test_imports_utf8_file_with_bom_and_commas(staff):
    data = b"\xef\xbb\xbf" + csv_bytes(HEADER, ALFA, BETA)

    result = import_clients(data, filename="clients.csv")

    assert result.created == 2
    alfa = Client.objects.get(external_id="CRM-1")
    assert alfa.success_manager == staff.csm
    assert alfa.segment == "Бизнес-центр"
    beta = Client.objects.get(external_id="CRM-2")
    assert beta.status == ClientStatus.CHURNED
    assert beta.churned_at == datetime.date(2026, 9, 30)
    assert beta.success_manager is None
    assert history_of(beta) == [
        (ClientStatus.ACTIVE, datetime.date(2023, 3, 1)),
        (ClientStatus.CHURNED, datetime.date(2026, 9, 30)),
    ]


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("внедрение", ClientStatus.ONBOARDING),
        ("Активный", ClientStatus.ACTIVE),
        ("под угрозой", ClientStatus.AT_RISK),
        ("at_risk", ClientStatus.AT_RISK),
    ],
)
def test_status_accepts_codes_and_russian_labels(db, label, status):
    data = csv_bytes(
        "external_id,name,inn,tariff,mrr_rub,status,contract_start",
        f"CRM-1,ООО «Альфа»,7707083893,Бизнес,25000,{label},2024-01-15",
    )

    import_clients(data)

    assert Client.objects.get().status == status


@pytest.mark.parametrize("label", ["ушёл", "ушел", "churned"])
def test_churned_labels(db, label):
    data = csv_bytes(
        "external_id,name,inn,tariff,mrr_rub,status,contract_start,churned_at",
        f"CRM-1,ООО «Альфа»,7707083893,Бизнес,25000,{label},2024-01-15,2026-02-01",
    )

    import_clients(data)

    assert Client.objects.get().status == ClientStatus.CHURNED


def test_unknown_column_is_named(db):
    data = csv_bytes(HEADER + ",region", ALFA + ",Москва")

    with pytest.raises(CsvFileError) as caught:
        import_clients(data, filename="clients.csv")

    assert "unknown columns: region" in str(caught.value)
    assert not Client.objects.exists()


def test_every_bad_row_is_reported_and_nothing_is_imported(staff):
    data = csv_bytes(
        HEADER,
        ALFA,
        "CRM-2,АО «Бета»,7707083894,Старт,5000,active,2024-01-15,,,",
        "CRM-3,,7707083893,Старт,12 000,active,2024-13-01,,,",
        "CRM-4,АО «Гамма»,7707083893,Старт,много,maybe,2024-01-15,,,",
        "CRM-5,АО «Дельта»,7707083893,Старт,5000,ушёл,2024-01-15,,,",
        "CRM-6,АО «Эпсилон»,7707083893,Старт,5000,active,2024-01-15,2025-01-01,,",
        "CRM-7,АО «Зета»,7707083893,Старт,5000,active,2024-01-15,,sales@example.test,",
        "CRM-8,АО «Эта»,7707083893,Старт,5000,active,2024-01-15,,nobody@example.test,",
        "CRM-1,АО «Тета»,7707083893,Старт,5000,active,2024-01-15,,,",
        "CRM-9,АО «Йота»,7707083893,Старт,-5,churned,2024-01-15,2023-12-31,,",
    )

    with pytest.raises(CsvFileError) as caught:
        import_clients(data, filename="clients.csv")

    assert issues_of(caught.value) == [
        (3, "inn"),
        (4, "name"),
        (4, "contract_start"),
        (5, "mrr_rub"),
        (5, "status"),
        (6, "churned_at"),
        (7, "churned_at"),
        (8, "success_manager_email"),
        (9, "success_manager_email"),
        (10, "external_id"),
        (11, "mrr_rub"),
        (11, "churned_at"),
    ]
    messages = caught.value.report().splitlines()
    assert messages[0] == "clients.csv: row 3, column inn: INN checksum is wrong"
    assert "not a success manager" in messages[7]
    assert "no active user with email 'nobody@example.test'" in messages[8]
    assert "'CRM-1' is already used in row 2" in messages[9]
    assert not Client.objects.exists()
    assert not AuditEvent.objects.exists()


def test_money_accepts_spaces_and_comma_but_not_fractions_of_a_kopeck(db):
    data = csv_bytes(
        "external_id,name,inn,tariff,mrr_rub,status,contract_start",
        "CRM-1,ООО «Альфа»,7707083893,Бизнес,1 234.567,active,2024-01-15",
    )

    with pytest.raises(CsvFileError) as caught:
        import_clients(data)

    assert issues_of(caught.value) == [(2, "mrr_rub")]
    assert "at most 2 digits after the decimal point" in str(caught.value)


def test_importing_the_same_file_again_changes_nothing(staff):
    data = csv_bytes(HEADER, ALFA, BETA)
    import_clients(data, actor=staff.head, filename="clients.csv")
    before = list(Client.objects.order_by("pk").values())
    events = AuditEvent.objects.count()
    history = ClientStatusChange.objects.count()

    result = import_clients(data, actor=staff.head, filename="clients.csv")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert list(Client.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events
    assert ClientStatusChange.objects.count() == history


def test_changed_row_updates_the_client_and_is_audited(staff):
    import_clients(csv_bytes(HEADER, ALFA, BETA), filename="clients.csv")
    changed = ALFA.replace("25000,active,2024-01-15,,", "30 000,at_risk,2024-01-15,,")

    result = import_clients(
        csv_bytes(HEADER, changed, BETA), actor=staff.csm, filename="clients-nov.csv"
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    alfa = Client.objects.get(external_id="CRM-1")
    assert alfa.mrr_rub == Decimal("30000")
    assert alfa.status == ClientStatus.AT_RISK
    assert alfa.version == 2
    event = AuditEvent.objects.filter(object_id=str(alfa.pk)).order_by("-id").first()
    assert event.action == AuditEvent.Action.IMPORTED
    assert event.actor == staff.csm
    assert event.reason == "clients-nov.csv"
    assert set(event.changes) == {"mrr_rub", "status"}
    assert alfa.status_history.filter(status=ClientStatus.AT_RISK).exists()


def test_returning_client_loses_its_churn_date(db):
    import_clients(csv_bytes(HEADER, BETA))
    back = BETA.replace("churned,2023-03-01,2026-09-30", "active,2023-03-01,")

    result = import_clients(csv_bytes(HEADER, back))

    assert result.updated == 1
    beta = Client.objects.get()
    assert (beta.status, beta.churned_at) == (ClientStatus.ACTIVE, None)


def test_optional_columns_left_out_of_the_file_keep_their_values(staff):
    client = ClientFactory(
        external_id="CRM-1",
        name="ООО «Альфа»",
        inn="7707083893",
        segment="Производство",
        success_manager=staff.csm2,
    )
    data = csv_bytes(
        "external_id,name,inn,tariff,mrr_rub,status,contract_start",
        "CRM-1,ООО «Альфа»,7707083893,Бизнес,25000,active,2024-01-15",
    )

    result = import_clients(data)

    client.refresh_from_db()
    assert result.unchanged == 1
    assert (client.segment, client.success_manager) == ("Производство", staff.csm2)


def test_empty_optional_value_clears_it(staff):
    ClientFactory(
        external_id="CRM-1",
        name="ООО «Альфа»",
        inn="7707083893",
        segment="Производство",
        success_manager=staff.csm2,
    )
    data = csv_bytes(HEADER, "CRM-1,ООО «Альфа»,7707083893,Бизнес,25000,active,2024-01-15,,,")

    result = import_clients(data)

    client = Client.objects.get()
    assert result.updated == 1
    assert (client.segment, client.success_manager) == ("", None)


def test_dry_run_checks_and_counts_but_writes_nothing(staff):
    import_clients(csv_bytes(HEADER, ALFA))
    changed = ALFA.replace("25000", "26000")
    events = AuditEvent.objects.count()

    result = import_clients(csv_bytes(HEADER, changed, BETA), dry_run=True)

    assert (result.created, result.updated, result.unchanged, result.dry_run) == (1, 1, 0, True)
    assert Client.objects.count() == 1
    assert Client.objects.get().mrr_rub == Decimal("25000")
    assert AuditEvent.objects.count() == events


def test_dry_run_reports_bad_rows_too(staff):
    with pytest.raises(CsvFileError) as caught:
        import_clients(
            csv_bytes(HEADER, ALFA.replace("7707083893", "123")), dry_run=True, filename="c.csv"
        )

    assert str(caught.value) == "c.csv: row 2, column inn: INN must have 10 or 12 digits, not 3"


def test_progress_is_reported_for_every_row(staff):
    calls = []

    import_clients(
        csv_bytes(HEADER, ALFA, BETA), progress=lambda done, total: calls.append((done, total))
    )

    assert calls == [(1, 2), (2, 2)]


def test_success_manager_email_is_case_insensitive(staff):
    import_clients(csv_bytes(HEADER, ALFA.replace("csm@example.test", "CSM@Example.TEST")))

    assert Client.objects.get().success_manager == staff.csm


def test_file_with_only_a_header_is_refused(db):
    with pytest.raises(CsvFileError) as caught:
        import_clients(csv_bytes(HEADER), filename="clients.csv")

    assert str(caught.value) == "clients.csv: the file has a header but no clients"
