"""The chain's links cover event times to the millisecond, as backups keep them (0002 linked
them to the microsecond, so a restored trail no longer verified): link the trail again."""

import importlib

from django.db import migrations

hash_chain = importlib.import_module("soprovod.audit.migrations.0002_hash_chain")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain")]

    operations = [
        migrations.RunPython(hash_chain.chain_existing_events, migrations.RunPython.noop)
    ]
