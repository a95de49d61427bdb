"""``soprovod verify [--fix] [--only NAME ...]``: every stored figure recomputed from the
history it caches (`soprovod.core.verify`), one line per difference as it is found, then
one summary line per check.

Exit status 0 when everything agrees (or ``--fix`` fixed every difference), 1 otherwise.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from soprovod.core.management import SoprovodCommand
from soprovod.core.verify import Difference, registered_checks, run_checks


class Command(SoprovodCommand):
    requires_system_checks: list[str] = []
    requires_migrations = True
    help = "Recompute stored figures from their history and report every difference."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="write the recomputed values, audited"
        )
        parser.add_argument(
            "--only",
            action="append",
            choices=[check.name for check in registered_checks()],
            help="run only this check (repeatable)",
        )

    def handle(self, *, fix: bool, only: list[str] | None, **options):
        def report(difference: Difference) -> None:
            self.stdout.write(difference.line())

        results = run_checks(report, fix=fix, only=set(only) if only else None)
        remaining = 0
        for name, tally in results:
            fixed = f", {tally.fixed} fixed" if fix else ""
            self.stdout.write(
                f"{name}: {tally.checked} checked, {tally.differences} differences{fixed}"
            )
            remaining += tally.differences - tally.fixed
        if remaining:
            raise CommandError(f"{remaining} differences remain", returncode=1)
