"""``soprovod backup -o FILE``: a consistent backup of all data (interfaces.md).

The backup is a zip file:

- ``manifest.json``: format name and version, when it was made, the database vendor, the
  applied migrations (a restore needs the same schema) and the number of rows per model;
- ``data.json``: every row of every model, as ``dumpdata`` writes it, with foreign keys to
  content types and users by natural key and primary keys kept (the audit trail refers to
  objects by primary key). Content types, permissions and sessions are left out: the
  first two are recreated by the schema, sessions are disposable;
- ``media/...``: uploaded files (ticket attachments).

Rows are read in one transaction (REPEATABLE READ on PostgreSQL; on SQLite the transaction
holds the write lock), so they are consistent with each other even while the app runs.
The file is written next to its destination and renamed, so a failed backup never leaves
a half-written file under the requested name.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from soprovod.core.management import SoprovodCommand

FORMAT = "soprovod-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
MEDIA_PREFIX = "media/"
# The search index is derived from the rows: a restore rebuilds it rather than loading it.
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "search")


def applied_migrations() -> dict[str, list[str]]:
    """``{app_label: [migration names]}`` applied to the default database, sorted."""
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    applied: dict[str, list[str]] = defaultdict(list)
    for app_label, name in sorted(recorder.applied_migrations()):
        applied[app_label].append(name)
    return dict(applied)


def _row_counts() -> dict[str, int]:
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in excluded_apps or label in EXCLUDED:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[label] = model._base_manager.count()
    return counts


def write_backup(destination: Path) -> dict:
    """Write the backup zip to ``destination``; return its manifest."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent
    )
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            connection = connections[DEFAULT_DB_ALIAS]
            outermost = not connection.in_atomic_block
            with transaction.atomic():
                # Only the first statement of a transaction may set its isolation level.
                if connection.vendor == "postgresql" and outermost:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                manifest = {
                    "format": FORMAT,
                    "version": FORMAT_VERSION,
                    "created_at": timezone.now().isoformat(),
                    "database": connection.vendor,
                    "migrations": applied_migrations(),
                    "counts": _row_counts(),
                }
                with archive.open(DATA, "w", force_zip64=True) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8")
                    call_command(
                        "dumpdata",
                        exclude=list(EXCLUDED),
                        natural_foreign=True,
                        use_base_manager=True,
                        stdout=text,
                        verbosity=0,
                    )
                    text.flush()
                    text.detach()
            media = Path(settings.MEDIA_ROOT)
            files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
            for path in files:
                archive.write(path, MEDIA_PREFIX + path.relative_to(media).as_posix())
            manifest["media_files"] = len(files)
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return manifest


class Command(SoprovodCommand):
    requires_system_checks: list[str] = []
    requires_migrations = True
    help = "Write a consistent backup of all data (database rows and uploaded files)."

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="the backup file to write"
        )

    def handle(self, *, output: str, **options):
        destination = Path(output)
        if destination.is_dir():
            raise CommandError(f"{output}: is a directory; give a file name")
        try:
            manifest = write_backup(destination)
        except OSError as error:
            raise CommandError(f"{output}: cannot write the backup: {error.strerror}") from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"{output}: backup of {rows} rows and {manifest['media_files']} files written"
        )
