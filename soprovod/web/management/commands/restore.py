"""``soprovod restore FILE [--replace]``: load a backup made by ``soprovod backup``.

The database must be migrated (``soprovod migrate``). Everything happens in one
transaction: the tables are emptied, the backup's rows loaded, and any failure leaves the
database as it was. A database that already has users or clients is replaced only with
``--replace``. Uploaded files are then unpacked into the media directory.

A backup made by an **older** Soprovod (fewer migrations applied than this code has) is
upgraded first, away from the database being restored: a scratch SQLite database is
migrated to the backup's migrations, the rows are loaded with the models of that time
(the historical models of the migration state), the migrations made since run over them,
and the result is dumped again with today's models; that dump is what the transaction
loads. A backup made by a **newer** Soprovod (migrations this code does not know) is
refused: upgrade first.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers import python as python_serializer
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import load_backend

from soprovod.core.management import SoprovodCommand, unapplied_migrations
from soprovod.search import index as search_index
from soprovod.web.demo import database_is_empty
from soprovod.web.management.commands.backup import (
    DATA,
    EXCLUDED,
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


UPGRADE_ALIAS = "soprovod_restore_upgrade"


def _leaf_migrations(applied: dict[str, list[str]], graph) -> list[tuple[str, str | None]]:
    """Migration targets that reproduce ``applied`` (every app of ``graph``: its last
    applied migration, or None when the backup had none of it)."""
    targets = []
    for app_label in sorted({app for app, _name in graph.nodes}):
        names = set(applied.get(app_label, []))
        if not names:
            targets.append((app_label, None))
            continue
        parents = {
            parent.key[1]
            for name in names
            for parent in graph.node_map[(app_label, name)].parents
            if parent.key[0] == app_label
        }
        leaves = sorted(names - parents)
        targets.append((app_label, leaves[-1]))
    return targets


class _HistoricalDeserializer(python_serializer.Deserializer):
    """Rows deserialized with the models of a past migration state.

    Foreign keys written as natural keys are resolved from ``natural_keys``
    (``{model label: {natural key: pk}}``), not through the models' managers: historical
    models lack the class attributes and methods those managers rely on."""

    def __init__(self, objects, *, historical_apps, natural_keys, **options):
        self.historical_apps = historical_apps
        self.natural_keys = natural_keys
        super().__init__(objects, **options)

    def _get_model_from_node(self, model_identifier):
        try:
            return self.historical_apps.get_model(model_identifier)
        except (LookupError, TypeError):
            raise DeserializationError(f"Invalid model identifier: {model_identifier}") from None

    def _handle_object(self, obj):
        try:
            yield from super()._handle_object(obj)
        except DeserializationError:
            raise
        except Exception as error:  # noqa: BLE001 - any bad row is a bad backup
            raise DeserializationError(f"Error deserializing object: {error}") from error

    def _pk(self, field, value):
        model = field.remote_field.model
        if not isinstance(value, list):
            return model._meta.pk.to_python(value)
        label = model._meta.label_lower
        try:
            return self.natural_keys[label][tuple(value)]
        except KeyError:
            raise DeserializationError(f"no {label} with natural key {value}") from None

    def _handle_fk_field_node(self, field, field_value):
        return None if field_value is None else self._pk(field, field_value)

    def _handle_m2m_field_node(self, field, field_value):
        return [self._pk(field, value) for value in field_value]


def _natural_keys(rows: list[dict], using: str) -> dict[str, dict[tuple, object]]:
    """The natural keys the backup writes foreign keys with: content types and permissions
    as the scratch database has them, users and groups as the backup has them."""
    types = {
        pk: (app_label, model)
        for pk, app_label, model in ContentType.objects.using(using).values_list(
            "pk", "app_label", "model"
        )
    }
    permissions = Permission.objects.using(using).values_list("pk", "codename", "content_type")
    user_model = get_user_model()
    username = user_model.USERNAME_FIELD
    keys: dict[str, dict[tuple, object]] = {
        "contenttypes.contenttype": {key: pk for pk, key in types.items()},
        "auth.permission": {(codename, *types[ct]): pk for pk, codename, ct in permissions},
        user_model._meta.label_lower: {},
        "auth.group": {},
    }
    for row in rows:
        if row["model"] == user_model._meta.label_lower:
            keys[row["model"]][(row["fields"][username],)] = row["pk"]
        elif row["model"] == "auth.group":
            keys["auth.group"][(row["fields"]["name"],)] = row["pk"]
    return keys


class _EverythingThere:
    """A database router sending every read, write and migration to one database: data
    migrations that use the default manager (most do) then work on the scratch database,
    never on the one being restored."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        return True


def _upgraded(data: Path, applied: dict[str, list[str]], scratch: Path) -> Path:
    """``data`` (rows of a backup whose schema had the migrations ``applied``) brought to
    today's schema by the migrations made since; returns the path of the new dump."""
    # A connection of its own, not declared in settings: nothing else ever sees it.
    connections[UPGRADE_ALIAS] = load_backend("django.db.backends.sqlite3").DatabaseWrapper(
        {
            **connections.settings[DEFAULT_DB_ALIAS],
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(scratch / "upgrade.sqlite3"),
            "OPTIONS": {},
            "CONN_MAX_AGE": 0,
            "TIME_ZONE": None,
        },
        UPGRADE_ALIAS,
    )
    there = _EverythingThere(UPGRADE_ALIAS)
    router.routers.insert(0, there)
    ContentType.objects.clear_cache()
    try:
        connection = connections[UPGRADE_ALIAS]
        executor = MigrationExecutor(connection)
        targets = _leaf_migrations(applied, executor.loader.graph)
        executor.migrate(targets)
        # What data migrations installed is in the backup if it was still wanted.
        call_command("flush", database=UPGRADE_ALIAS, interactive=False, verbosity=0)
        past = executor.loader.project_state(
            [target for target in targets if target[1] is not None]
        ).apps
        try:
            rows = json.loads(data.read_bytes())
        except ValueError as error:
            raise DeserializationError(f"not JSON: {error}") from None
        with transaction.atomic(using=UPGRADE_ALIAS):
            loaded = list(
                _HistoricalDeserializer(
                    rows, historical_apps=past, natural_keys=_natural_keys(rows, UPGRADE_ALIAS),
                    using=UPGRADE_ALIAS,
                )
            )  # fmt: skip
            for row in loaded:
                row.save(using=UPGRADE_ALIAS)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        upgraded = scratch / "upgraded.json"
        call_command(
            "dumpdata",
            database=UPGRADE_ALIAS,
            exclude=list(EXCLUDED),
            natural_foreign=True,
            use_base_manager=True,
            output=str(upgraded),
            verbosity=0,
        )
        return upgraded
    finally:
        router.routers.remove(there)
        connections[UPGRADE_ALIAS].close()
        del connections[UPGRADE_ALIAS]
        ContentType.objects.clear_cache()


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
    if unapplied_migrations():
        raise CommandError("the database lacks migrations; run: soprovod migrate, then restore")
    backup_migrations = manifest.get("migrations", {})
    here = applied_migrations()
    known = {(app, name) for app, names in here.items() for name in names}
    newer = any(
        (app, name) not in known for app, names in backup_migrations.items() for name in names
    )
    if newer:
        difference = _schema_difference(backup_migrations, here)
        raise CommandError(
            f"{filename}: made with another database schema: {difference}. Restore with the "
            "Soprovod version that made the backup, then upgrade"
        )
    older = bool(_schema_difference(backup_migrations, here))
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
            if older:
                data = _upgraded(data, backup_migrations, Path(scratch))
            with transaction.atomic():
                _flush()
                call_command("loaddata", str(data), verbosity=0)
                search_index.rebuild()  # not in the backup: made from the rows just loaded
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
