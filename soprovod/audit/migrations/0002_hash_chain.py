
import django.db.models.deletion
import soprovod.audit.models
from django.conf import settings
from django.db import migrations, models

from soprovod.audit import hashing

# Takes the chain's lock, then reads the tail with a fresh snapshot (each statement of a
# volatile PL/pgSQL function gets one under READ COMMITTED); audit.models._chain_tail.
TAIL_FUNCTION = """
CREATE OR REPLACE FUNCTION soprovod_audit_chain_tail(lock_key bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    tail text;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit events are appended under READ COMMITTED only';
    END IF;
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT hash INTO tail FROM audit_auditevent ORDER BY id DESC LIMIT 1;
    RETURN tail;
END
$$;
"""


def create_tail_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TAIL_FUNCTION)


def drop_tail_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS soprovod_audit_chain_tail(bigint)")


def chain_existing_events(apps, schema_editor):
    """Link the events written before the chain, in id order."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    types = {
        pk: f"{app_label}.{model}"
        for pk, app_label, model in ContentType.objects.using(db).values_list(
            "pk", "app_label", "model"
        )
    }
    tail = ""
    batch = []
    for event in AuditEvent.objects.using(db).order_by("id").iterator(chunk_size=2000):
        event.prev_hash = tail
        event.hash = tail = hashing.link(
            tail,
            {
                "at": event.at,
                "actor_id": event.actor_id,
                "action": event.action,
                "content_type": types[event.content_type_id],
                "object_id": event.object_id,
                "object_repr": event.object_repr,
                "changes": event.changes,
                "reason": event.reason,
                "parent_type": types.get(event.parent_type_id, ""),
                "parent_id": event.parent_id,
            },
        )
        batch.append(event)
        if len(batch) == 2000:
            AuditEvent.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    AuditEvent.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='auditevent',
            managers=[
                ('objects', soprovod.audit.models.AuditEventManager()),
            ],
        ),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(create_tail_function, drop_tail_function),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
