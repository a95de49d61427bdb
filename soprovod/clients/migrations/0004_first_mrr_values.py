"""Issue 11: MRR gets a dated history. Every client already stored gets its current MRR as
its first dated value, at its contract start (interfaces.md «mrr»), so GRR and NRR have a
history to read from the start."""

from django.db import migrations

REASON = "MRR history begins"


def first_values(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    MrrChange = apps.get_model("clients", "MrrChange")
    have = set(MrrChange.objects.values_list("client_id", flat=True))
    MrrChange.objects.bulk_create(
        (
            MrrChange(
                client_id=client_id,
                effective_on=contract_start,
                mrr_rub=mrr_rub,
                reason="new",
                comment=REASON,
            )
            for client_id, contract_start, mrr_rub in Client.objects.order_by("pk").values_list(
                "pk", "contract_start", "mrr_rub"
            )
            if client_id not in have
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_mrr_history")]

    operations = [migrations.RunPython(first_values, migrations.RunPython.noop)]
