"""The sync against the fake portal: matching, the review list, hand-offs from won deals,
write-back, paging, faults, and a run cut short that resumes without duplicates or gaps."""

import datetime as dt

import pytest
from django.utils import timezone

from soprovod.audit.models import AuditEvent
from soprovod.bitrix import sync
from soprovod.bitrix.client import Portal
from soprovod.bitrix.models import (
    CompanyLink,
    Conflict,
    ConflictKind,
    ConflictStatus,
    DealLink,
    RunKind,
    RunStatus,
    SyncRun,
)
from soprovod.bitrix.tests.conftest import BAD_INN, INN_A, INN_B, INN_C
from soprovod.clients.models import Client
from soprovod.clients.tests.factories import ClientFactory
from soprovod.handoffs.models import Handoff, HandoffStatus
from soprovod.lib.inn import generate_inn

pytestmark = pytest.mark.django_db


def run(**kwargs):
    return sync.run_sync(**kwargs).run


def test_companies_with_a_valid_inn_become_clients_once(fake):
    a = fake.add_company("ООО «Альфа»", INN_A)
    c = fake.add_company("ИП Петров", INN_C)
    fake.add_company("Без реквизитов")
    first = run()
    assert first.status == RunStatus.DONE
    assert (first.companies_seen, first.clients_created, first.skipped) == (3, 2, 1)
    alpha = Client.objects.get(inn=INN_A)
    assert alpha.name == "ООО «Альфа»" and alpha.bitrix_link.company_id == a
    assert Client.objects.get(inn=INN_C).bitrix_link.company_id == c
    assert AuditEvent.objects.filter(object_id=str(alpha.pk), action="created").exists()

    second = run()
    assert (second.clients_created, second.clients_updated) == (0, 0)
    assert Client.objects.count() == 2 and CompanyLink.objects.count() == 2


def test_matched_by_inn_first_an_existing_client_is_linked_and_updated(fake):
    existing = ClientFactory(name="Альфа (старое имя)", inn=INN_A)
    fake.add_company("ООО «Альфа»", INN_A)
    result = run()
    assert (result.clients_created, result.clients_updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.name == "ООО «Альфа»" and existing.bitrix_link.inn == INN_A
    assert Client.objects.count() == 1


def test_then_by_the_bitrix_id_a_changed_inn_follows(fake):
    company = fake.add_company("ООО «Альфа»", INN_A)
    run()
    client = Client.objects.get()
    fake.requisites[0]["RQ_INN"] = INN_B
    fake.update_company(company, TITLE="ООО «Альфа Плюс»")
    result = run()
    assert result.clients_updated == 1
    client.refresh_from_db()
    assert (client.inn, client.name) == (INN_B, "ООО «Альфа Плюс»")
    assert Client.objects.count() == 1


def test_a_bad_checksum_lands_in_the_review_list_and_writes_nothing(fake):
    fake.add_company("ООО «Опечатка»", BAD_INN)
    result = run()
    assert (result.conflicts, result.clients_created) == (1, 0)
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.inn, conflict.status) == (
        ConflictKind.BAD_INN,
        BAD_INN,
        ConflictStatus.OPEN,
    )
    assert not Client.objects.exists()


def test_two_companies_with_one_inn_never_overwrite_the_client(fake):
    client = ClientFactory(name="Альфа", inn=INN_A)
    one = fake.add_company("ООО «Альфа»", INN_A)
    two = fake.add_company("ООО «Альфа» дубль", INN_A)
    result = run()
    assert result.conflicts == 2
    conflicts = Conflict.objects.filter(kind=ConflictKind.DUPLICATE_INN)
    assert {c.company_id: c.other_companies for c in conflicts} == {one: [two], two: [one]}
    client.refresh_from_db()
    assert client.name == "Альфа" and not CompanyLink.objects.exists()


def test_a_company_with_two_inns_and_two_clients_with_one_inn_are_conflicts(fake):
    fake.add_company("Две карточки", inns=(INN_A, INN_B))
    ClientFactory(inn=INN_C)
    ClientFactory(inn=INN_C)
    fake.add_company("ИП Петров", INN_C)
    run()
    kinds = dict(Conflict.objects.values_list("title", "kind"))
    assert kinds == {
        "Две карточки": ConflictKind.SEVERAL_INNS,
        "ИП Петров": ConflictKind.CLIENT_MISMATCH,
    }
    assert Client.objects.count() == 2


def test_an_inn_and_an_id_that_point_at_different_clients_are_a_conflict(fake):
    company = fake.add_company("ООО «Альфа»", INN_A)
    run()
    other = ClientFactory(name="Бета", inn=INN_B)
    fake.requisites[0]["RQ_INN"] = INN_B
    fake.update_company(company)
    run()
    conflict = Conflict.objects.get()
    assert conflict.kind == ConflictKind.CLIENT_MISMATCH
    assert set(conflict.clients.all()) == {other, Client.objects.get(inn=INN_A)}
    other.refresh_from_db()
    assert other.name == "Бета"


def test_conflicts_are_listed_once_and_close_when_fixed_in_bitrix(fake):
    company = fake.add_company("ООО «Опечатка»", BAD_INN)
    run()
    run()
    assert Conflict.objects.count() == 1
    fake.requisites[0]["RQ_INN"] = INN_A
    fake.update_company(company)
    run()
    conflict = Conflict.objects.get()
    assert conflict.status == ConflictStatus.RESOLVED
    assert Client.objects.get().inn == INN_A


def test_an_ignored_conflict_stays_ignored_a_resolved_one_reopens(fake, staff):
    from soprovod.bitrix.actions import do_decide_conflict

    fake.add_company("Опечатка", BAD_INN)
    fake.add_company("Две карточки", inns=(INN_A, INN_B))
    run()
    bad = Conflict.objects.get(kind=ConflictKind.BAD_INN)
    two = Conflict.objects.get(kind=ConflictKind.SEVERAL_INNS)
    do_decide_conflict(staff.head, bad, status=ConflictStatus.IGNORED, note="не клиент")
    do_decide_conflict(staff.head, two, status=ConflictStatus.RESOLVED)
    run()
    bad.refresh_from_db()
    two.refresh_from_db()
    assert bad.status == ConflictStatus.IGNORED
    assert two.status == ConflictStatus.OPEN and two.decided_by is None


def test_a_won_deal_drafts_one_hand_off_pre_filled(fake, staff):
    known = fake.add_company("ООО «Альфа»", INN_A)
    unknown = fake.add_company("ООО «Новая»", BAD_INN)  # not a client: the deal still counts
    twin = fake.add_company("ИП Петров", INN_C)  # its INN on two cards: in review, no client
    fake.add_company("ИП Петров (дубль)", INN_C)
    fake.add_deal(
        known,
        "Расширение",
        OPPORTUNITY="96000",
        COMMENTS="Второй въезд",
        CLOSEDATE="2026-11-20T00:00:00+03:00",
    )
    fake.add_deal(unknown, "Внедрение", OPPORTUNITY="0")
    fake.add_deal(known, "Пилот", won=False)
    first = run()
    assert (first.deals_seen, first.handoffs_created) == (2, 2)
    alpha = Handoff.objects.get(client__inn=INN_A)
    assert alpha.status == HandoffStatus.DRAFT and alpha.sales == staff.sales
    assert alpha.client == Client.objects.get(inn=INN_A)
    assert (alpha.client_name, alpha.inn) == ("", "")  # the client's own, not copied
    assert alpha.contract_date == dt.date(2026, 11, 20)
    assert alpha.special_terms == (
        "Won deal 1 in Bitrix24: «Расширение». Deal amount: 96 000.00 RUB.\nВторой въезд"
    )
    new = Handoff.objects.get(client_name="ООО «Новая»")
    assert new.client is None and new.inn == ""  # a bad INN is not copied
    assert new.special_terms == "Won deal 2 in Bitrix24: «Внедрение»."  # no amount: none said
    # won after the run: the company (not a client) is read with the deal, INN and all
    petrov = fake.add_deal(twin, "Шлагбаум", CURRENCY_ID="USD", OPPORTUNITY="1500.5")
    again = run()
    assert again.handoffs_created == 1 and Handoff.objects.count() == 3
    third = DealLink.objects.get(deal_id=petrov).handoff
    assert (third.client, third.client_name, third.inn) == (None, "ИП Петров", INN_C)
    assert third.special_terms == (
        f"Won deal {petrov} in Bitrix24: «Шлагбаум». Deal amount: 1 500.50 USD."
    )
    assert DealLink.objects.count() == 3


def test_a_deal_with_no_one_to_own_its_hand_off_is_an_error_and_waits(fake, db):
    fake.add_deal(fake.add_company("ООО «Альфа»", INN_A), "Внедрение")
    result = run()
    assert result.handoffs_created == 0 and result.error_count == 1
    assert "no salesperson" in result.errors[0]
    assert result.status == RunStatus.DONE


def test_write_back_fills_the_user_fields_once(fake, settings):
    from soprovod.health.models import HealthScore

    settings.BITRIX24_CLIENT_ID_FIELD = "UF_CRM_SOPROVOD_ID"
    settings.BITRIX24_HEALTH_FIELD = "UF_CRM_HEALTH"
    company = fake.add_company("ООО «Альфа»", INN_A)
    other = fake.add_company("ООО «Бета»", INN_B)
    fake.add_company("Без реквизитов")  # not a client: nothing written to it
    first = run()
    alpha, beta = Client.objects.get(inn=INN_A), Client.objects.get(inn=INN_B)
    assert first.written_back == 2
    updates = _company_updates(fake)
    assert sorted(updates) == [
        f"crm.company.update?id={company}&fields[UF_CRM_SOPROVOD_ID]={alpha.pk}"
        "&fields[UF_CRM_HEALTH]=",  # no score yet
        f"crm.company.update?id={other}&fields[UF_CRM_SOPROVOD_ID]={beta.pk}"
        "&fields[UF_CRM_HEALTH]=",
    ]
    assert fake.companies[company]["UF_CRM_SOPROVOD_ID"] == str(alpha.pk)
    assert "UF_CRM_SOPROVOD_ID" not in fake.companies[3]
    second = run()
    assert second.written_back == 0 and len(_company_updates(fake)) == 2  # nothing differs

    HealthScore.objects.create(client=alpha, day=timezone.localdate(), score=72, band="yellow")
    third = run()
    assert third.written_back == 1
    assert _company_updates(fake)[-1] == (
        f"crm.company.update?id={company}&fields[UF_CRM_SOPROVOD_ID]={alpha.pk}"
        "&fields[UF_CRM_HEALTH]=72"
    )
    assert fake.companies[company]["UF_CRM_HEALTH"] == "72"


def test_nothing_is_written_back_unless_configured(fake):
    fake.add_company("ООО «Альфа»", INN_A)
    assert run().written_back == 0 and _company_updates(fake) == []


def _company_updates(fake) -> list[str]:
    """The crm.company.update commands the fake portal was sent (inside ``batch``)."""
    from urllib.parse import unquote

    return [
        unquote(command)
        for method, params in fake.calls
        if method == "batch"
        for command in params["cmd"].values()
        if command.startswith("crm.company.update")
    ]


def test_lists_are_read_by_the_id_cursor_and_batches_hold_at_most_50(fake):
    for n in range(120):
        fake.add_company(f"Компания {n}", generate_inn(__import__("random").Random(n)))
    seen = []
    result = run(progress=lambda done, total: seen.append((done, total)))
    assert result.companies_seen == 120 and Client.objects.count() == 120
    assert seen == [(50, 120), (100, 120), (120, 120)]  # the progress bar's steps
    lists = [p for m, p in fake.calls if m == "crm.company.list"]
    assert lists[0]["start"] == 0 and lists[0]["select"] == ["ID"]  # the count for the bar
    assert [p["start"] for p in lists[1:]] == [-1, -1, -1, -1]
    assert [p["filter"][">ID"] for p in lists[1:]] == [0, 50, 100, 120]
    batches = [p for m, p in fake.calls if m == "batch"]
    assert batches and all(len(p["cmd"]) <= 50 for p in batches)


def test_deals_are_paged_by_start(fake, staff):
    company = fake.add_company("ООО «Альфа»", INN_A)
    for n in range(55):
        fake.add_deal(company, f"Сделка {n}")
    result = run()
    assert result.handoffs_created == 55
    starts = [p["start"] for m, p in fake.calls if m == "crm.deal.list"]
    assert starts == [0, 50]


def test_since_reads_only_what_changed(fake):
    fake.add_company("Старая", INN_A, DATE_MODIFY="2025-01-10T10:00:00+03:00")
    fake.add_company("Новая", INN_B, DATE_MODIFY="2026-11-10T10:00:00+03:00")
    result = run(since=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert result.companies_seen == 1
    assert list(Client.objects.values_list("name", flat=True)) == ["Новая"]


def test_the_rate_limit_and_the_time_limit_are_waited_out(fake):
    fake.add_company("ООО «Альфа»", INN_A)
    fake.fail("query_limit", "crm.company.list", times=2)
    fake.fail("time_limit", "batch", times=1)
    result = run()
    assert result.status == RunStatus.DONE and Client.objects.count() == 1
    assert fake.methods_called().count("crm.company.list") == 4  # two refused, then two pages


def test_a_malformed_answer_stops_the_run_with_a_safe_message(fake):
    fake.add_company("ООО «Альфа»", INN_A)
    fake.fail("bad_shape", "crm.company.list")
    result = run()
    assert result.status == RunStatus.FAILED and result.error_count == 1
    assert "not a list of records" in result.errors[0]
    assert fake.code not in " ".join(result.errors)
    fake.fail("html", "crm.company.list")
    result = run()
    assert "not JSON" in result.errors[-1]


def test_a_run_cut_short_resumes_without_duplicates_or_gaps(fake):
    for n in range(130):
        fake.add_company(f"Компания {n}", generate_inn(__import__("random").Random(1000 + n)))
    # The portal breaks after the first page (a proxy's error page) and stays broken.
    fake.fail("html", "crm.company.list", after=1, times=-1)
    first = run()
    assert first.status == RunStatus.FAILED
    assert (first.company_cursor, Client.objects.count()) == (50, 50)
    fake.repair()
    second = run()
    assert second.pk == first.pk and second.resumed == 1
    assert second.status == RunStatus.DONE and second.companies_seen == 130
    assert Client.objects.count() == 130 and CompanyLink.objects.count() == 130
    assert Client.objects.values("inn").distinct().count() == 130
    cursors = [p["filter"][">ID"] for m, p in fake.calls if m == "crm.company.list"]
    assert cursors[-3:] == [50, 100, 130]  # carried on from the checkpoint, not from 0


def test_a_network_error_mid_run_stops_it_and_the_next_run_carries_on(fake):
    """The connection drops (no answer at all) from the second page on, past the retries:
    the run stops with its first page committed; the next carries on from there."""
    for n in range(130):
        fake.add_company(f"Компания {n}", generate_inn(__import__("random").Random(3000 + n)))
    fake.fail("drop", "crm.company.list", after=1, times=-1)
    first = run(portal=Portal(fake.url, retries=1))
    assert first.status == RunStatus.FAILED
    assert "ServerDisconnected" in first.errors[0] and fake.code not in first.errors[0]
    assert (first.company_cursor, Client.objects.count()) == (50, 50)
    fake.repair()
    second = run(portal=Portal(fake.url, retries=1))
    assert second.pk == first.pk and second.status == RunStatus.DONE
    assert second.companies_seen == 130 and second.clients_created == 130
    assert Client.objects.count() == 130 and CompanyLink.objects.count() == 130
    assert set(CompanyLink.objects.values_list("company_id", flat=True)) == set(fake.companies)
    assert Client.objects.values("inn").distinct().count() == 130


def test_a_network_error_between_a_page_and_its_write_back_loses_nothing(fake, settings):
    """The write-back's batch fails on the network: the page's clients are written (the
    write-back is an error of the run, not a stop), and the next run writes back what is
    missing, once."""
    settings.BITRIX24_CLIENT_ID_FIELD = "UF_CRM_SOPROVOD_ID"
    fake.add_company("ООО «Альфа»", INN_A)
    fake.add_company("ООО «Бета»", INN_B)
    fake.fail("drop", "batch", after=2, times=-1)  # requisites, INN holders, then the update
    first = run(portal=Portal(fake.url, retries=1))
    assert first.status == RunStatus.DONE and first.written_back == 0
    assert "Writing back" in first.errors[0] and Client.objects.count() == 2
    fake.repair()
    second = run()
    assert second.written_back == 2 and Client.objects.count() == 2
    ids = {c.bitrix_link.company_id: str(c.pk) for c in Client.objects.all()}
    assert {k: fake.companies[k]["UF_CRM_SOPROVOD_ID"] for k in ids} == ids


def test_a_run_left_running_is_carried_on_by_the_next_sync(fake):
    """What a killed worker leaves behind (tests_faults/test_bitrix_worker_killed.py kills a
    real one): the run still marked running, its checkpoint committed."""
    for n in range(60):
        fake.add_company(f"Компания {n}", generate_inn(__import__("random").Random(2000 + n)))
    fake.fail("html", "crm.company.list", after=1, times=-1)
    first = run()
    SyncRun.objects.filter(pk=first.pk).update(status=RunStatus.RUNNING, finished_at=None)
    fake.repair()
    second = run()
    assert second.pk == first.pk and second.status == RunStatus.DONE
    assert Client.objects.count() == 60


def _database() -> dict:
    """Every row the sync could write, as values (a changed field shows, not just a count)."""
    models = (Client, CompanyLink, Conflict, DealLink, Handoff, SyncRun, AuditEvent)
    return {m.__name__: sorted(map(str, m.objects.values())) for m in models}


def test_a_dry_run_reads_everything_and_writes_nothing(fake, staff, settings):
    settings.BITRIX24_CLIENT_ID_FIELD = "UF_CRM_SOPROVOD_ID"
    ClientFactory(name="Альфа (старое имя)", inn=INN_A)
    fake.add_company("ООО «Альфа»", INN_A)
    fake.add_company("ООО «Бета»", INN_B)
    fake.add_company("Опечатка", BAD_INN)
    fake.add_deal(2, "Внедрение")
    before, portal_before = _database(), str(fake.companies)
    report = sync.run_sync(dry_run=True)
    assert _database() == before  # not a field, not a log line, not an audit event
    assert str(fake.companies) == portal_before and _company_updates(fake) == []
    text = "\n".join(report.lines)
    assert "+ new client «ООО «Бета»»" in text
    assert "~ client «Альфа (старое имя)» changes" in text
    assert "! to the review list: company 3" in text
    assert "+ new draft hand-off from won deal 1" in text
    assert (report.run.clients_created, report.run.clients_updated, report.run.conflicts) == (
        1,
        1,
        1,
    )
    # and the real run then does what the dry run said
    real = run()
    assert (real.clients_created, real.clients_updated, real.conflicts) == (1, 1, 1)
    assert real.handoffs_created == 1


def test_the_nightly_reconciliation_is_idempotent(fake, staff):
    from soprovod.bitrix.tasks import reconcile

    fake.add_company("ООО «Альфа»", INN_A)
    fake.add_company("Опечатка", BAD_INN)
    fake.add_company("Дубль 1", INN_B)
    fake.add_company("Дубль 2", INN_B)
    fake.add_deal(1, "Внедрение")
    first = reconcile()
    assert (first["created"], first["conflicts"], first["handoffs"]) == (1, 3, 1)
    before = {k: v for k, v in _database().items() if k not in ("SyncRun", "AuditEvent")}
    conflicts_before = sorted(Conflict.objects.values_list("pk", "status", "first_run_id"))
    again = reconcile()
    assert (again["created"], again["updated"], again["handoffs"], again["errors"]) == (
        0,
        0,
        0,
        0,
    )
    after = {k: v for k, v in _database().items() if k not in ("SyncRun", "AuditEvent")}
    for name in ("Client", "CompanyLink", "DealLink", "Handoff"):
        assert after[name] == before[name], name
    assert sorted(Conflict.objects.values_list("pk", "status", "first_run_id")) == (
        conflicts_before
    )
    assert _company_updates(fake) == []


def test_the_night_reconciles_what_changed_since_the_last_run(fake, time_machine):
    from soprovod.bitrix.tasks import reconcile

    time_machine.move_to(dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC), tick=False)
    fake.add_company("Старая", INN_A, DATE_MODIFY="2026-10-01T10:00:00+03:00")
    assert reconcile()["created"] == 1  # the first night reads everything
    first = SyncRun.objects.get()
    assert first.kind == RunKind.NIGHTLY and first.since is None
    time_machine.move_to(dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC), tick=False)
    fake.add_company("Новая", INN_B, DATE_MODIFY="2026-11-01T12:00:00+03:00")
    assert reconcile()["created"] == 1
    second = SyncRun.objects.order_by("-pk").first()
    assert second.since == first.started_at - dt.timedelta(days=1)
    assert second.companies_seen == 1


def test_the_nightly_job_is_scheduled_only_when_connected():
    import subprocess
    import sys

    code = (
        "import soprovod.settings as s; e = s.CELERY_BEAT_SCHEDULE.get('bitrix-reconcile');"
        "print(e and (e['task'], str(e['schedule']), e['options']))"
    )
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "SOPROVOD_DATA_DIR": "/tmp/soprovod-bx-test"}
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    on = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "BITRIX24_WEBHOOK_URL": "https://p.bitrix24.ru/rest/1/abc/"},
        capture_output=True,
        text=True,
    )
    assert off.stdout.strip() == "None", off.stderr
    assert on.stdout.strip() == (
        "('bitrix.reconcile', '<crontab: 40 1 * * * (m/h/dM/MY/d)>', {'expires': 10800})"
    ), on.stderr
    bad = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "BITRIX24_WEBHOOK_URL": "https://p.bitrix24.ru/crm/s3cr3t"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "BITRIX24_WEBHOOK_URL" in bad.stderr
    assert "s3cr3t" not in bad.stderr  # the refusal does not quote the secret back
    from soprovod.celery import app

    assert "bitrix.reconcile" in app.tasks  # the name the schedule gives is a real task


def test_the_run_is_audited(fake):
    fake.add_company("ООО «Альфа»", INN_A)
    result = run()
    events = AuditEvent.objects.filter(object_id=str(result.pk), action="status")
    assert events.exists()
    assert timezone.now() >= result.finished_at


def test_a_company_the_clients_rules_refuse_is_an_error_of_that_company_only(fake):
    fake.add_company("Я" * 400, INN_A)  # longer than a client's name may be
    fake.add_company("ООО «Бета»", INN_B)
    result = run()
    assert result.status == RunStatus.DONE and result.error_count == 1
    assert "Company 1" in result.errors[0]
    assert list(Client.objects.values_list("name", flat=True)) == ["ООО «Бета»"]


def _fields(client: Client) -> dict:
    from django.forms.models import model_to_dict

    client.refresh_from_db()
    return model_to_dict(client)


def test_a_conflict_leaves_every_field_of_the_client_as_it_was(fake):
    """A linked client whose company then gets a mistyped INN and a new name, and a client
    whose INN two companies claim: both land in the review list, neither client changes."""
    linked = fake.add_company("ООО «Альфа»", INN_A)
    run()
    alpha = Client.objects.get(inn=INN_A)
    beta = ClientFactory(name="Бета", inn=INN_B)
    before = {"alpha": _fields(alpha), "beta": _fields(beta)}
    fake.requisites[0]["RQ_INN"] = BAD_INN
    fake.update_company(linked, TITLE="ООО «Альфа» (переименовано)")
    fake.add_company("Бета-1", INN_B)
    fake.add_company("Бета-2", INN_B)
    result = run()
    assert (result.conflicts, result.clients_updated, result.clients_created) == (3, 0, 0)
    assert {"alpha": _fields(alpha), "beta": _fields(beta)} == before
    assert sorted(Conflict.objects.values_list("kind", flat=True)) == sorted(
        [ConflictKind.BAD_INN, ConflictKind.DUPLICATE_INN, ConflictKind.DUPLICATE_INN]
    )
    assert not AuditEvent.objects.filter(
        object_id__in=[str(alpha.pk), str(beta.pk)], action="updated"
    ).exists()


def test_the_webhook_secret_is_in_no_log_error_or_audit_record(fake, caplog, settings):
    import io
    import logging

    from django.core.management import CommandError, call_command

    caplog.set_level(logging.DEBUG)
    settings.BITRIX24_CLIENT_ID_FIELD = "UF_CRM_SOPROVOD_ID"
    fake.add_company("ООО «Альфа»", INN_A)
    fake.fail("drop", "crm.company.list", times=-1)
    failed = run(portal=Portal(fake.url, retries=1))  # the network
    fake.repair()
    fake.fail("html", "crm.company.list")  # a proxy's page
    run()
    fake.fail("drop", "batch", after=2, times=-1)  # the write-back
    run(portal=Portal(fake.url, retries=1))
    fake.repair()
    sync.sync_company(404)  # Bitrix24 refuses: the call names no such company
    out, err = io.StringIO(), io.StringIO()
    fake.fail("bad_shape", "crm.company.list")
    with pytest.raises(CommandError) as stopped:
        call_command("bitrix", "sync", stdout=out, stderr=err)
    errors = [e for r in SyncRun.objects.all() for e in r.errors]
    assert failed.status == RunStatus.FAILED and len(errors) >= 5
    audit = [f"{e.reason} {e.changes}" for e in AuditEvent.objects.all()]
    seen = "\n".join([*errors, *audit, caplog.text, out.getvalue(), err.getvalue()])
    assert fake.code not in seen and fake.code not in str(stopped.value)
    assert "ServerDisconnected" in seen and "not JSON" in seen and "HTTP 400" in seen


def test_a_company_made_a_client_meanwhile_is_not_made_a_second_one(fake):
    """A page is read, then an event's run makes one of its companies a client before the
    page is written: the page does not make a second client nor move the link to one."""
    from soprovod.bitrix import actions

    company = fake.add_company("ООО «Альфа»", INN_A)
    outcomes = sync.plan_companies(Portal(fake.url), [fake.companies[company]])
    assert outcomes[0].action == "create"
    assert sync.sync_company(company).clients_created == 1  # meanwhile
    page = actions.do_start_run(None, kind=RunKind.MANUAL, since=None)
    actions.apply_companies(None, page, outcomes, cursor=company)
    client = Client.objects.get()
    assert CompanyLink.objects.get().client == client and page.clients_created == 0


def test_one_sync_at_a_time_a_second_one_does_nothing_and_says_so(fake, transactional_db):
    """«Sync now» pressed while another sync works (another process: here another thread
    and database connection, holding the lock as a running sync does)."""
    import io
    import threading

    from django.core.management import CommandError, call_command
    from django.db import connections

    from soprovod.bitrix import actions
    from soprovod.bitrix.tasks import reconcile

    fake.add_company("ООО «Альфа»", INN_A)
    holding, done = threading.Event(), threading.Event()

    def other_sync():
        try:
            with actions.run_lock() as got:
                assert got
                holding.set()
                done.wait(timeout=30)
        finally:
            connections.close_all()

    other = threading.Thread(target=other_sync)
    other.start()
    try:
        assert holding.wait(timeout=30)
        report = sync.run_sync()
        assert report.busy and "Another Bitrix24 sync is running" in report.lines[0]
        assert reconcile() == {"busy": True}
        with pytest.raises(CommandError, match="another Bitrix24 sync is running"):
            call_command("bitrix", "sync", stdout=io.StringIO(), stderr=io.StringIO())
        assert fake.calls == [] and not SyncRun.objects.exists() and not Client.objects.exists()
        assert sync.run_sync(dry_run=True).run.clients_created == 1  # a dry run writes nothing
    finally:
        done.set()
        other.join()
    assert run().clients_created == 1  # free again


def test_the_inn_comes_from_the_companys_requisites_only(fake):
    """crm.requisite.list holds contacts' requisites too (ENTITY_TYPE_ID 3): a contact whose
    ID equals a company's must not lend that company a second INN."""
    company = fake.add_company("ООО «Альфа»", INN_A)
    fake.add_requisite(company, INN_B, entity_type_id=3)  # contact 1's, not company 1's
    result = run()
    assert (result.clients_created, result.conflicts) == (1, 0)
    assert Client.objects.get().inn == INN_A
    asked = [
        p["filter"]
        for m, p in fake.calls
        if m == "batch"
        for p in [sync_params(c) for c in p["cmd"].values()]
        if "ENTITY_ID" in p.get("filter", {})
    ]
    assert asked and all(f["ENTITY_TYPE_ID"] == "4" for f in asked)


def test_won_means_stage_semantic_s_in_any_pipeline(fake, staff):
    company = fake.add_company("ООО «Альфа»", INN_A)
    won = fake.add_deal(company, "Другая воронка", STAGE_ID="C3:WON")  # semantic S
    fake.add_deal(company, "Проиграна", won=False, STAGE_ID="LOSE", STAGE_SEMANTIC_ID="F")
    fake.add_deal(company, "В работе", won=False)  # semantic P
    result = run()
    assert (result.deals_seen, result.handoffs_created) == (1, 1)
    assert list(DealLink.objects.values_list("deal_id", flat=True)) == [won]
    filters = [p["filter"] for m, p in fake.calls if m == "crm.deal.list"]
    assert filters and all(f["STAGE_SEMANTIC_ID"] == "S" for f in filters)


def sync_params(command: str) -> dict:
    """A batch command's query as the fake portal reads it."""
    from soprovod.bitrix.fake import parse_php_query

    return parse_php_query(command.partition("?")[2])
