"""Soprovod's management commands (run through the ``soprovod`` script, see soprovod/cli.py)."""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import OperationalError


def unapplied_migrations() -> list[str]:
    """``app.migration`` names not yet applied to the default database."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def ensure_migrated() -> None:
    """Raise CommandError unless the database can be opened and has every migration."""
    try:
        pending = unapplied_migrations()
    except OperationalError as error:
        reason = (str(error).strip().splitlines() or ["unknown error"])[0]
        raise CommandError(f"cannot open the database: {reason}") from None
    if pending:
        shown = ", ".join(pending[:3]) + ("..." if len(pending) > 3 else "")
        raise CommandError(
            f"{len(pending)} database migrations are not applied ({shown}); run: soprovod migrate"
        )


class SoprovodCommand(BaseCommand):
    """A command whose user errors read as one line, ``error: <what and where>``, exit status 1.

    Raise CommandError for bad input (a missing file, a bad row...). From the command line it
    is printed without Django's ``CommandError:`` prefix; through ``call_command`` (tests,
    tasks) it propagates as usual. With ``requires_migrations``, a database that cannot be
    opened or lacks migrations is such an error too, instead of a traceback halfway.
    """

    requires_migrations = False

    def execute(self, *args, **options):
        try:
            if self.requires_migrations:
                ensure_migrated()
            return super().execute(*args, **options)
        except CommandError as error:
            if not self._called_from_command_line or options.get("traceback"):
                raise
            self.stderr.write(f"error: {error}")
            raise SystemExit(error.returncode) from None


def positive_int(maximum: int):
    """An argparse type: a whole number from 1 to ``maximum`` (bad values exit with status 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from 1 to {maximum}, got {value}")
        return value

    return parse
