"""The audit trail is tamper-evident: each event carries its predecessor's hash, and
`soprovod verify` finds the first link an edit, a deletion or an insertion breaks."""

import datetime as dt
import importlib
import io
import threading
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, models, transaction

from soprovod.audit import hashing
from soprovod.audit.chain import check_chain
from soprovod.audit.models import AuditEvent, chain_fields
from soprovod.audit.recorder import record
from soprovod.clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(staff):
    """Five events about one client, written the way actions write them."""
    client = ClientFactory(name="ООО «Альфа»")
    events = [
        record(staff.head, client, AuditEvent.Action.CREATED, {"name": [None, client.name]}),
        record(staff.csm, client, AuditEvent.Action.UPDATED, {"mrr_rub": ["25000.00", "30000"]}),
        record(
            staff.csm,
            client,
            AuditEvent.Action.STATUS,
            {"status": ["Активен", "Риск"]},
            reason="жалоба на сроки",
        ),  # fmt: skip
        record(None, client, AuditEvent.Action.OTHER, {"score": [None, 1e20]}),
        record(staff.head, client, AuditEvent.Action.UPDATED, {"tariff": ["Бизнес", "Про"]}),
    ]
    return SimpleNamespace(client=client, events=events)


def verify_audit() -> tuple[int, str]:
    out = []

    class Lines:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    try:
        call_command("verify", only=["audit"], stdout=Lines())
    except CommandError as error:
        return error.returncode, "".join(out)
    return 0, "".join(out)


def test_an_untouched_chain_verifies(trail):
    first, *_, last = trail.events
    assert first.prev_hash == ""
    assert [e.prev_hash for e in trail.events[1:]] == [e.hash for e in trail.events[:-1]]

    result = check_chain()
    assert (result.checked, result.broken, result.tail) == (5, None, last.hash)
    status, out = verify_audit()
    assert status == 0
    assert "audit: 5 checked, 0 differences" in out


def test_each_hash_is_the_link_of_the_stored_fields(trail):
    # Read back from the database (jsonb gives 1e20 back as an integer on PostgreSQL).
    for event in trail.events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.hash == hashing.link(stored.prev_hash, chain_fields(stored))


def test_an_edited_event_breaks_the_chain(trail):
    edited = trail.events[2]
    AuditEvent.objects.filter(pk=edited.pk).update(reason="по просьбе клиента")

    broken = check_chain().broken
    assert (broken.event_id, broken.field, broken.stored) == (edited.pk, "hash", edited.hash)
    status, out = verify_audit()
    assert status == 1
    assert f"audit event #{edited.pk} hash: stored {edited.hash}, recomputed " in out


def test_an_edited_change_or_time_breaks_the_chain(trail):
    event = trail.events[1]
    AuditEvent.objects.filter(pk=event.pk).update(changes={"mrr_rub": ["25000.00", "3000"]})
    assert check_chain().broken.event_id == event.pk
    AuditEvent.objects.filter(pk=event.pk).update(changes=event.changes)
    assert check_chain().broken is None
    AuditEvent.objects.filter(pk=event.pk).update(at=event.at - dt.timedelta(days=1))
    assert check_chain().broken.event_id == event.pk


def test_a_deleted_event_breaks_the_chain(trail):
    deleted, following = trail.events[1], trail.events[2]
    AuditEvent.objects.filter(pk=deleted.pk).delete()

    broken = check_chain().broken
    assert broken == type(broken)(following.pk, "prev_hash", deleted.hash, trail.events[0].hash)
    status, out = verify_audit()
    assert status == 1
    assert f"audit event #{following.pk} prev_hash: stored {deleted.hash}" in out


def test_an_inserted_event_breaks_the_chain_even_with_a_well_computed_hash(staff, trail):
    # Leave a gap in the ids after the trail, then forge an event into it that links
    # correctly to its predecessor, as someone who knows the format would.
    last = trail.events[-1]
    after_gap = AuditEvent(
        id=last.pk + 10, actor=staff.head, action="updated",
        content_type=last.content_type, object_id=last.object_id, object_repr=last.object_repr,
    )  # fmt: skip
    after_gap.save()
    assert check_chain().broken is None

    forged = AuditEvent(
        id=last.pk + 5, at=last.at, actor=staff.ceo, action="deleted",
        content_type=last.content_type, object_id=last.object_id, object_repr=last.object_repr,
        prev_hash=last.hash,
    )  # fmt: skip
    forged.hash = hashing.link(last.hash, chain_fields(forged))
    models.QuerySet(AuditEvent).bulk_create([forged])  # past the chaining manager

    broken = check_chain().broken
    assert (broken.event_id, broken.field) == (after_gap.pk, "prev_hash")
    assert (broken.stored, broken.recomputed) == (last.hash, forged.hash)
    assert verify_audit()[0] == 1


def test_an_event_inserted_without_a_hash_breaks_the_chain(trail):
    last = trail.events[-1]
    models.QuerySet(AuditEvent).bulk_create(
        [AuditEvent(action="other", content_type=last.content_type, object_id="1")]
    )
    broken = check_chain().broken
    assert (broken.field, broken.stored, broken.recomputed) == ("prev_hash", "", last.hash)


def test_bulk_writers_continue_the_chain(staff, trail):
    client_type = ContentType.objects.get_for_model(trail.client)
    bulk = AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=staff.support,
            action="imported",
            content_type=client_type,
            object_id=str(trail.client.pk),
            object_repr=str(trail.client),
            reason=f"строка {n}",
        )  # fmt: skip
        for n in range(3)
    )
    after = record(staff.head, trail.client, "updated", {"name": ["a", "b"]})
    assert bulk[0].prev_hash == trail.events[-1].hash
    assert after.prev_hash == bulk[-1].hash
    assert check_chain() == type(check_chain())(9, None, after.hash)


@pytest.mark.django_db(transaction=True)
def test_recording_costs_one_query_more_per_transaction(staff, trail, django_assert_num_queries):
    ContentType.objects.get_for_model(trail.client)
    with transaction.atomic():
        with django_assert_num_queries(2):  # the chain's tail (locked), the insert
            record(staff.head, trail.client, "updated", {"name": ["a", "b"]})
        with django_assert_num_queries(1):  # the tail is this transaction's own
            record(staff.head, trail.client, "updated", {"name": ["b", "c"]})
    assert check_chain().broken is None


def test_a_rolled_back_savepoint_does_not_leave_a_stale_tail(staff, trail):
    with transaction.atomic():
        record(staff.head, trail.client, "updated", {"name": ["a", "b"]})
        with pytest.raises(RuntimeError), transaction.atomic():
            record(staff.head, trail.client, "updated", {"name": ["b", "c"]})
            raise RuntimeError
        record(staff.head, trail.client, "updated", {"name": ["b", "d"]})
    assert check_chain().broken is None
    assert check_chain().checked == 7


def test_the_migration_chains_the_events_written_before_it(trail):
    AuditEvent.objects.update(prev_hash="", hash="")
    assert check_chain().broken is not None
    migration = importlib.import_module("soprovod.audit.migrations.0002_hash_chain")
    migration.chain_existing_events(apps, SimpleNamespace(connection=connection))
    assert [e.hash for e in AuditEvent.objects.order_by("id")] == [e.hash for e in trail.events]
    assert check_chain().broken is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers")
def test_concurrent_writers_keep_one_chain(staff):
    client = ClientFactory()
    ContentType.objects.get_for_model(client)
    start = threading.Barrier(3)
    errors = []

    def writer(actor):
        try:
            start.wait()
            for n in range(15):
                with transaction.atomic():
                    record(actor, client, "updated", {"n": [n, n + 1]})
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(u,)) for u in (staff.head, staff.csm)]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    assert errors == []
    result = check_chain()
    assert (result.checked, result.broken) == (30, None)


def test_a_restored_backup_still_verifies(trail, settings, tmp_path):
    # Backups keep times to the millisecond (Django's JSON), so the links cover no finer.
    assert any(event.at.microsecond % 1000 for event in trail.events)
    settings.MEDIA_ROOT = tmp_path / "media"
    backup = tmp_path / "backup.zip"
    call_command("backup", output=str(backup), stdout=io.StringIO())
    AuditEvent.objects.filter(pk=trail.events[0].pk).update(reason="переписано")
    call_command("restore", str(backup), replace=True, stdout=io.StringIO())
    result = check_chain()
    assert (result.checked, result.broken, result.tail) == (5, None, trail.events[-1].hash)
