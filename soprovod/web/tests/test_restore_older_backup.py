"""A backup made by an older Soprovod restores: its rows are loaded at the schema of its
time and the migrations made since run over them (docs/operations.md «Restore drill»).

An older backup is made here as the older code made it: the same rows without what the
newer migrations added, and a manifest without those migrations."""

import datetime as dt
import json
import zipfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.migrations.loader import MigrationLoader

from soprovod.accounts.models import User
from soprovod.audit.chain import check_chain
from soprovod.clients.models import Client, MrrChange
from soprovod.knowledge.models import Article
from soprovod.tickets.models import Escalation, Ticket

pytestmark = pytest.mark.django_db


def dump_all(*, without: tuple[str, ...] = ()) -> list[dict]:
    """Every row as dumpdata writes it, many-to-many lists sorted: the database returns
    those in no particular order, and a restore may insert them in another (a meeting's
    participants)."""
    out = StringIO()
    call_command(
        "dumpdata",
        exclude=["contenttypes", "auth.permission", "sessions", *without],
        natural_foreign=True,
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    for row in rows:
        for field in apps.get_model(row["model"])._meta.many_to_many:
            if field.name in row["fields"]:
                row["fields"][field.name] = sorted(row["fields"][field.name], key=json.dumps)
    return rows


def at_schema_of(rows: list[dict], migrations: dict[str, list[str]]) -> list[dict]:
    """The rows as the schema of ``migrations`` holds them: models it has not yet, and
    fields they have not yet, left out (a migration of any app that the older code did not
    have, e.g. a field added since, would otherwise make the older backup unloadable)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    nodes = [(app, max(names)) for app, names in migrations.items() if names]
    state = loader.project_state(nodes=nodes, at_end=True)
    kept = []
    for row in rows:
        model = state.models.get(tuple(row["model"].split(".")))
        if model is None:
            continue
        row["fields"] = {k: v for k, v in row["fields"].items() if k in model.fields}
        kept.append(row)
    return kept


def models_in(backup: Path) -> set[str]:
    with zipfile.ZipFile(backup) as archive:
        return {row["model"] for row in json.loads(archive.read("data.json"))}


def older_backup(
    source: Path,
    target: Path,
    *,
    before: dict[str, str],
    models: tuple[str, ...] = (),
    fields: dict[str, tuple[str, ...]] | None = None,
    trim: bool = True,
) -> None:
    """``source`` as the code of before migration ``before[app]`` would have written it:
    without that migration, the ones after it and the ones of other apps that need them, the
    ``models`` they created and the ``fields`` they added."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    newer = {
        later
        for app, first_missing in before.items()
        for key in graph.nodes
        if key[0] == app and key[1] >= first_missing
        for later in graph.backwards_plan(key)  # the migration and all that depend on it
    }
    with zipfile.ZipFile(source) as old:
        manifest = json.loads(old.read("manifest.json"))
        rows = json.loads(old.read("data.json"))
        manifest["migrations"] = {
            app: kept
            for app, names in manifest["migrations"].items()
            if (kept := [name for name in names if (app, name) not in newer])
        }
        rows = [row for row in rows if row["model"] not in models]
        for row in rows:
            for name in (fields or {}).get(row["model"], ()):
                del row["fields"][name]
        if trim:
            rows = at_schema_of(rows, manifest["migrations"])
        with zipfile.ZipFile(target, "w") as new:
            for item in old.infolist():
                content = {
                    "manifest.json": json.dumps(manifest).encode(),
                    "data.json": json.dumps(rows).encode(),
                }.get(item.filename)
                new.writestr(item, content if content is not None else old.read(item))


@pytest.fixture
def demo(settings, tmp_path):
    """Demo data and its backup, with the clock stopped: migrations that recompute stored
    figures as of now (tickets 0004) then find what was stored."""
    from soprovod.web.demo import build_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC), tick=False):
        build_demo(clients=6, months=1, seed=7)
        backup = tmp_path / "now.zip"
        call_command("backup", output=str(backup), stdout=StringIO())
        yield backup


def test_a_backup_from_before_the_audit_chain_restores_and_gets_its_chain(demo, tmp_path):
    # Migrations that need the chain (tickets 0004, the clock recomputation of issue 9) are
    # newer than the backup too, and run again over it: the clocks they recompute as of
    # today and the «rule correction» events they add are theirs, everything else is back.
    # The escalations' lifecycle (tickets 0005, issue 12) follows tickets 0004, so it is
    # newer too: the backup has the escalations without it, and the migration gives them
    # their status again (compared below, apart from the rest).
    lifecycle = (
        "subject", "addressed_to", "status", "acknowledged_at", "acknowledged_by",
        "resolved_by", "version",
    )  # fmt: skip
    links = ("handoffs.handoffescalation", "devrequests.devrequestescalation")
    before = dump_all(without=("sla.slaclock", "tickets.escalation", *links))
    escalations = {
        pk: (status, resolved)
        for pk, status, resolved in Escalation.objects.values_list("pk", "status", "resolved_at")
    }
    assert escalations
    events = [row for row in before if row["model"] == "audit.auditevent"]
    assert len(events) > 50
    older = tmp_path / "older.zip"
    older_backup(
        demo,
        older,
        before={"audit": "0002_hash_chain", "twofactor": "0001_policy"},
        models=("twofactor.twofactorpolicy", *links),
        fields={"audit.auditevent": ("hash", "prev_hash"), "tickets.escalation": lifecycle},
    )
    assert '"hash"' not in zipfile.ZipFile(older).read("data.json").decode()
    Client.objects.filter(pk=Client.objects.order_by("pk").first().pk).update(name="изменено")
    User.objects.create_user("intruder")

    call_command("restore", str(older), replace=True, stdout=StringIO())

    after = dump_all(without=("sla.slaclock", "tickets.escalation", *links))
    # Resolved before the lifecycle → resolved; the rest raised again.
    assert {
        pk: (status, resolved)
        for pk, status, resolved in Escalation.objects.values_list("pk", "status", "resolved_at")
    } == {
        pk: ("resolved" if resolved else "raised", resolved)
        for pk, (_status, resolved) in escalations.items()
    }
    held = models_in(older)  # apps newer than the backup start empty: compare what it held
    others = [row for row in after if row["model"] != "audit.auditevent" and row["model"] in held]
    assert others == [
        row for row in before if row["model"] != "audit.auditevent" and row["model"] in held
    ]
    # The events are back, chained exactly as they were; any added later are corrections.
    restored = [row for row in after if row["model"] == "audit.auditevent"]
    assert restored[: len(events)] == events
    assert {row["fields"]["reason"] for row in restored[len(events) :]} <= {"rule correction"}
    result = check_chain()
    assert (result.checked, result.broken) == (len(restored), None)


def test_a_backup_from_before_the_mrr_history_gets_each_clients_first_value(demo, tmp_path):
    before = dump_all(without=("clients.mrrchange", "audit.auditevent"))
    older = tmp_path / "older.zip"
    older_backup(
        demo,
        older,
        before={"clients": "0003_mrr_history"},
        models=("clients.mrrchange",),
    )
    MrrChange.objects.all().delete()
    Ticket.objects.filter(pk=Ticket.objects.order_by("pk").first().pk).update(subject="изменено")

    call_command("restore", str(older), replace=True, stdout=StringIO())

    held = models_in(older)
    assert [
        row
        for row in dump_all(without=("clients.mrrchange", "audit.auditevent"))
        if row["model"] in held
    ] == [row for row in before if row["model"] in held]
    # Migration 0004 ran over the restored clients: each has its MRR from its contract start.
    assert sorted(
        MrrChange.objects.values_list("client_id", "effective_on", "mrr_rub", "reason")
    ) == sorted(
        (pk, start, mrr, "new")
        for pk, start, mrr in Client.objects.values_list("pk", "contract_start", "mrr_rub")
    )
    assert all(isinstance(v, Decimal) for v in MrrChange.objects.values_list("mrr_rub", flat=True))
    assert check_chain().broken is None


def test_a_backup_from_a_newer_soprovod_is_still_refused(demo, tmp_path):
    manifest = json.loads(zipfile.ZipFile(demo).read("manifest.json"))
    manifest["migrations"]["audit"].append("0099_future")
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(demo) as old, zipfile.ZipFile(newer, "w") as new:
        for item in old.infolist():
            data = (
                json.dumps(manifest).encode()
                if item.filename == "manifest.json"
                else old.read(item)
            )
            new.writestr(item, data)
    with pytest.raises(CommandError, match=r"another database schema.*audit\.0099_future"):
        call_command("restore", str(newer), replace=True)


def test_an_older_backup_that_cannot_be_loaded_changes_nothing(demo, tmp_path):
    older = tmp_path / "older.zip"
    older_backup(demo, older, before={"clients": "0003_mrr_history"}, trim=False)  # rows left in
    before = dump_all()
    with pytest.raises(CommandError, match="could not be loaded, nothing was changed"):
        call_command("restore", str(older), replace=True)
    assert dump_all() == before


def test_a_backup_holding_the_articles_old_search_columns_restores(demo, tmp_path):
    """Before knowledge 0002 an article carried its folded title and text for the old
    suggestion match (the search index reads them now): such a backup loads at its own
    schema, and the migration drops the columns over the restored articles."""
    before = dump_all(without=("audit.auditevent",))
    articles = [row for row in before if row["model"] == "knowledge.article"]
    assert articles
    older = tmp_path / "older.zip"
    older_backup(demo, older, before={"knowledge": "0002_drop_article_search_columns"})
    with zipfile.ZipFile(older) as archive:
        files = {item.filename: archive.read(item) for item in archive.infolist()}
    rows = json.loads(files["data.json"])
    for row in rows:
        if row["model"] == "knowledge.article":
            title, text = row["fields"]["title"], row["fields"]["body"]
            row["fields"]["search_title"] = title.lower()
            row["fields"]["search_text"] = f"{title}\n{text}".lower()
    files["data.json"] = json.dumps(rows).encode()
    with zipfile.ZipFile(older, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    assert b'"search_title"' in files["data.json"]
    Article.objects.update(title="изменено")

    call_command("restore", str(older), replace=True, stdout=StringIO())

    # The restore builds the search index anew over the migrated articles: the same
    # documents, but PostgreSQL numbers them on from its sequence (SQLite starts again at 1).
    assert _index_by_content(dump_all(without=("audit.auditevent",))) == _index_by_content(before)


def _index_by_content(rows: list[dict]) -> list[dict]:
    """``rows`` with the search index's own ids left out: a document is known by what it
    indexes (kind and object), a key by its value and its document's."""
    documents = {
        row["pk"]: (row["fields"]["kind"], row["fields"]["object_id"])
        for row in rows
        if row["model"] == "search.searchdocument"
    }
    out = []
    for row in rows:
        if row["model"] == "search.searchdocument":
            row = {"model": row["model"], "fields": row["fields"]}
        elif row["model"] == "search.searchkey":
            fields = {**row["fields"], "document": documents[row["fields"]["document"]]}
            row = {"model": row["model"], "fields": fields}
        out.append(row)
    return sorted(out, key=json.dumps)
