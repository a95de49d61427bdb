"""``soprovod restore FILE [--replace]``: load a backup made by ``soprovod backup``.

The database must have the backup's schema (the same applied migrations: restore with the
Soprovod version that made the backup, then upgrade and migrate). Everything happens in
one transaction: the tables are emptied, the backup's rows loaded, and any failure leaves
the database as it was. A database that already has users or clients is replaced only
with ``--replace``. Uploaded files are then unpacked into the media directory.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from soprovod.core.management import SoprovodCommand
from soprovod.web.demo import database_is_empty
from soprovod.web.management.commands.backup import (
    DATA,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_PREFIX,
    applied_migrations,
)


def _schema_difference(backup: dict[str, list[str]], here: dict[str, list[str]]) -> str:
    missing = sorted(
        f"{app}.{name}" for app, names in backup.items() for name in names
        if name not in here.get(app, [])
    )  # fmt: skip
    extra = sorted(
        f"{app}.{name}" for app, names in here.items() for name in names
        if name not in backup.get(app, [])
    )  # fmt: skip
    parts = []
    if missing:
        parts.append(f"the backup has migrations this database lacks ({', '.join(missing[:3])})")
    if extra:
        parts.append(f"this database has migrations the backup lacks ({', '.join(extra[:3])})")
    return "; ".join(parts)


def _flush() -> None:
    """Empty every table (content types and permissions come back at once, as after
    migrate), inside the caller's transaction."""
    connection = connections[DEFAULT_DB_ALIAS]
    postgres = connection.vendor == "postgresql"
    if postgres:
        # PostgreSQL refuses TRUNCATE while deferred foreign-key checks are pending in the
        # transaction; run them now, and defer them again for loading the rows.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def restore_backup(archive: zipfile.ZipFile, *, filename: str, replace: bool) -> dict:
    """Load ``archive`` into the database and the media directory; return its manifest."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        raise CommandError(f"{filename}: not a Soprovod backup (no manifest)") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise CommandError(
            f"{filename}: not a Soprovod backup of format {FORMAT_VERSION} "
            f"(found {manifest.get('format')!r} version {manifest.get('version')!r})"
        )
    difference = _schema_difference(manifest.get("migrations", {}), applied_migrations())
    if difference:
        raise CommandError(
            f"{filename}: made with another database schema: {difference}. Restore with the "
            "Soprovod version that made the backup, then upgrade"
        )
    if not database_is_empty() and not replace:
        raise CommandError(
            "the database already has users or clients; "
            "add --replace to replace all its data with the backup"
        )

    with tempfile.TemporaryDirectory(prefix="soprovod-restore-") as scratch:
        data = Path(scratch) / DATA
        with archive.open(DATA) as source, data.open("wb") as target:
            shutil.copyfileobj(source, target)
        try:
            with transaction.atomic():
                _flush()
                call_command("loaddata", str(data), verbosity=0)
        except (CommandError, DeserializationError, DatabaseError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise CommandError(
                f"{filename}: the backup could not be loaded, nothing was changed: {first_line}"
            ) from None
        finally:
            ContentType.objects.clear_cache()

    media = Path(settings.MEDIA_ROOT)
    for member in archive.infolist():
        if not member.filename.startswith(MEDIA_PREFIX) or member.is_dir():
            continue
        relative = PurePosixPath(member.filename[len(MEDIA_PREFIX) :])
        if relative.is_absolute() or ".." in relative.parts:
            continue  # never write outside the media directory
        target = media.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
    return manifest


class Command(SoprovodCommand):
    requires_system_checks: list[str] = []
    help = "Restore a backup made by 'soprovod backup': all data is replaced, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace the data of a database that already has users or clients",
        )

    def handle(self, *, file: str, replace: bool, **options):
        try:
            with zipfile.ZipFile(file) as archive:
                manifest = restore_backup(archive, filename=Path(file).name, replace=replace)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except IsADirectoryError:
            raise CommandError(f"{file}: is a directory, not a backup file") from None
        except zipfile.BadZipFile:
            raise CommandError(f"{file}: not a Soprovod backup (not a zip file)") from None
        except OSError as error:
            raise CommandError(f"{file}: cannot read the backup: {error.strerror}") from None
        rows = sum(manifest.get("counts", {}).values())
        self.stdout.write(
            f"{file}: restored {rows} rows and {manifest.get('media_files', 0)} files "
            f"from the backup of {manifest.get('created_at', '?')}"
        )
