"""Issue 9: clients imported with a past had a status history that began on their churn
date (or wherever their status was set), so they vanished from retention for every period
before it. Complete each history by `clients.history.repairs`, the rule `soprovod verify
--fix` applies, and record each change in the audit trail (reason «rule correction»)."""

from collections import defaultdict

from django.conf import settings
from django.db import migrations
from django.utils import timezone, translation

from soprovod.clients import history

REASON = "rule correction"


def complete_histories(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    Change = apps.get_model("clients", "ClientStatusChange")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = defaultdict(list)
    for change in Change.objects.order_by("client_id", "id"):
        rows[change.client_id].append(change)
    today = timezone.localdate()
    content_type = None
    with translation.override(settings.LANGUAGE_CODE):
        for client in Client.objects.order_by("pk"):
            changes = rows.get(client.pk, [])
            records = [(change.status, change.effective_on) for change in changes]
            moves, added = history.repairs(
                client.contract_start, client.status, client.churned_at, records, today
            )
            if not moves and not added:
                continue
            for index, effective_on in moves.items():
                changes[index].effective_on = effective_on
                changes[index].save(update_fields=["effective_on"])
            for status, effective_on in added:
                Change.objects.create(
                    client=client, status=status, effective_on=effective_on, comment=REASON
                )
            after = [(s, moves.get(i, d)) for i, (s, d) in enumerate(records)] + added
            if content_type is None:
                content_type, _created = ContentType.objects.get_or_create(
                    app_label="clients", model="client"
                )
            AuditEvent.objects.create(
                action="updated",
                content_type=content_type,
                object_id=str(client.pk),
                object_repr=client.name[:300],
                changes={"status_history": [history.describe(records), history.describe(after)]},
                reason=REASON,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(complete_histories, migrations.RunPython.noop)]
