"""``soprovod import <kind> FILE [--dry-run]``: CSV import (interfaces.md, «CSV files»).

Each kind is an importer function listed in IMPORTERS. An importer has the signature::

    def import_things(data: bytes, *, actor=None, filename="", dry_run=False,
                      progress=None) -> result

reads the file with ``soprovod.lib.csvio.read_table``, raises ``CsvFileError`` listing every
bad row before writing anything, calls ``progress(done, total)`` as it goes, and returns a
result whose ``str()`` is a one-line summary (``soprovod.clients.imports.ImportResult``
is one such result). A new kind is one more line here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.module_loading import import_string
from tqdm import tqdm

from soprovod.core.management import SoprovodCommand, ensure_migrated
from soprovod.lib.csvio import CsvFileError

IMPORTERS: dict[str, str] = {
    "clients": "soprovod.clients.imports.import_clients",
    "tickets": "soprovod.tickets.imports.import_tickets",
    "nps": "soprovod.surveys.imports.import_nps",
    "mrr": "soprovod.clients.imports.import_mrr",
    "calendar": "soprovod.sla.imports.import_calendar",
    "budget-facts": "soprovod.budget.imports.import_budget_facts",
}


class Command(SoprovodCommand):
    # Reading a file needs neither the URL configuration nor the admin: skip the checks.
    requires_system_checks: list[str] = []
    help = (
        "Import a CSV file. All or nothing: any bad row rejects the file and every bad row "
        "is reported. Rows are matched by external_id, so importing a file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(IMPORTERS), help="what the file holds")
        parser.add_argument("file", help="the CSV file, or - for standard input")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report; write nothing"
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="record the import in the audit trail as done by this user",
        )

    def handle(self, *, kind: str, file: str, dry_run: bool, user: str | None, **options):
        importer = import_string(IMPORTERS[kind])
        data, filename = _read(file)
        ensure_migrated()
        actor = _actor(user)
        progress = _ProgressBar() if self.stdout.isatty() else None
        try:
            result = importer(
                data, actor=actor, filename=filename, dry_run=dry_run, progress=progress
            )
        except CsvFileError as error:
            if len(error.issues) == 1:
                raise CommandError(str(error)) from None
            self.stderr.write(error.report())
            raise CommandError(
                f"{filename}: {len(error.issues)} errors, nothing imported"
            ) from None
        finally:
            if progress:
                progress.close()
        self.stdout.write(f"{filename}: {result}")


def _actor(username: str | None):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"--user {username}: no active user with this username") from None


def _read(file: str) -> tuple[bytes, str]:
    """The file's bytes and the name used in messages and in the audit trail."""
    if file == "-":
        return sys.stdin.buffer.read(), "stdin"
    path = Path(file)
    try:
        return path.read_bytes(), path.name
    except FileNotFoundError:
        raise CommandError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{file}: is a directory, not a CSV file") from None
    except OSError as error:
        raise CommandError(f"{file}: cannot read the file: {error.strerror}") from None


class _ProgressBar:
    """The importer's ``progress(done, total)`` shown as a tqdm bar on the terminal."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None or self.bar.total != total:
            self.close()
            self.bar = tqdm(total=total, unit="row", leave=False, file=sys.stdout)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
