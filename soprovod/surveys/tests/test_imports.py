"""NPS import from CSV: all or nothing, every bad row reported, re-import a no-op, a changed
answer refused; the NPS KPI counts what was imported."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from soprovod.audit.models import AuditEvent
from soprovod.cli import main
from soprovod.clients.tests.factories import ClientFactory
from soprovod.kpi.engine import kpi_document
from soprovod.lib.csvio import CsvFileError
from soprovod.surveys.imports import import_nps
from soprovod.surveys.models import SurveyResponse

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=MSK)
HEADER = "client_external_id,answered_at,score,comment"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clients(db):
    return ClientFactory(external_id="CRM-1"), ClientFactory(external_id="CRM-2")


def test_imports_answers_with_audit_and_the_nps_counts_them(clients, staff):
    data = csv_bytes(
        HEADER,
        "CRM-1,2026-10-05T10:00,10,Удобная система",
        "CRM-2,2026-10-06 15:30,3,Долго решают проблемы",
        "CRM-1,2026-10-20,9,",
    )

    result = import_nps(data, actor=staff.head, filename="nps.csv")

    assert (result.created, result.unchanged) == (3, 0)
    answer = SurveyResponse.objects.get(client=clients[1])
    assert answer.kind == SurveyResponse.Kind.NPS
    assert (answer.score, answer.comment) == (3, "Долго решают проблемы")
    assert answer.answered_at == dt.datetime(2026, 10, 6, 15, 30, tzinfo=MSK)
    event = AuditEvent.objects.get(object_id=str(answer.pk), content_type__model="surveyresponse")
    assert (event.action, event.actor, event.reason) == ("imported", staff.head, "nps.csv")
    nps = next(
        k
        for k in kpi_document(dt.date(2026, 10, 1), dt.date(2026, 10, 31))["kpis"]
        if k["key"] == "nps"
    )
    assert nps["value"] == pytest.approx(100 * (2 - 1) / 3)


def test_imports_windows_1251_file_with_semicolons_and_comment_column_left_out(clients):
    data = csv_bytes(
        "client_external_id;answered_at;score", "CRM-1;05.10.2026 10:00;8", encoding="cp1251"
    )

    import_nps(data)

    assert SurveyResponse.objects.get().score == 8


def test_every_bad_row_is_reported_and_nothing_is_imported(clients):
    data = csv_bytes(
        HEADER,
        "CRM-1,2026-10-05T10:00,10,",
        "CRM-404,2026-10-05T10:00,10,",
        "CRM-1,2026-10-05T11:00,11,",
        "CRM-2,вчера,-1,",
        "CRM-2,2026-12-01T10:00,5,",
        "CRM-1,2026-10-05T07:00Z,9,",
    )

    with pytest.raises(CsvFileError) as refused:
        import_nps(data, filename="nps.csv")

    assert [(i.row, i.column) for i in refused.value.issues] == [
        (3, "client_external_id"),
        (4, "score"),
        (5, "answered_at"),
        (5, "score"),
        (6, "answered_at"),
        (7, "answered_at"),
    ]
    assert str(refused.value.issues[1]) == "row 4, column score: must be from 0 to 10, got 11"
    assert "already in row 2" in str(refused.value.issues[5])
    assert not SurveyResponse.objects.exists()


def test_unknown_column_is_named(clients):
    with pytest.raises(CsvFileError, match="unknown columns: contact"):
        import_nps(csv_bytes(HEADER + ",contact", "CRM-1,2026-10-05T10:00,10,,Иванов"))


def test_importing_the_same_file_again_changes_nothing(clients):
    data = csv_bytes(HEADER, "CRM-1,2026-10-05T10:00,10,Отлично", "CRM-2,2026-10-06T10:00,6,")
    import_nps(data)
    counts = (SurveyResponse.objects.count(), AuditEvent.objects.count())

    result = import_nps(data)

    assert (result.created, result.unchanged) == (0, 2)
    assert (SurveyResponse.objects.count(), AuditEvent.objects.count()) == counts


def test_changed_answer_is_refused(clients):
    import_nps(csv_bytes(HEADER, "CRM-1,2026-10-05T10:00,10,Отлично"))

    with pytest.raises(CsvFileError) as refused:
        import_nps(csv_bytes(HEADER, "CRM-1,2026-10-05T10:00,7,Отлично"))

    assert [(i.row, i.column) for i in refused.value.issues] == [(2, "score")]
    assert SurveyResponse.objects.get().score == 10


def test_dry_run_writes_nothing(clients):
    seen = []

    result = import_nps(
        csv_bytes(HEADER, "CRM-1,2026-10-05T10:00,10,"),
        dry_run=True,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert (result.created, result.dry_run) == (1, True)
    assert seen == [(1, 1)]
    assert not SurveyResponse.objects.exists()


def test_command_imports_nps(transactional_db, tmp_path, capsys):
    ClientFactory(external_id="CRM-1")
    path = tmp_path / "nps.csv"
    path.write_bytes(csv_bytes(HEADER, "CRM-1,2026-10-05T10:00,10,"))

    assert main(["import", "nps", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "nps.csv: 1 created, 0 updated, 0 unchanged"
    assert main(["import", "nps", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "nps.csv: 0 created, 0 updated, 1 unchanged"
