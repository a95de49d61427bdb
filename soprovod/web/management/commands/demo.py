"""``soprovod demo [--clients 400] [--months 12] [--seed 42] [--if-empty]``: demo data.

Safe to run again: when the demo logins exist it only says so and prints them. The steps
it runs are soprovod.web.demo.DEMO_STEPS.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import CommandError

from soprovod.core.management import SoprovodCommand, positive_int
from soprovod.web.demo import (
    build_demo,
    database_is_empty,
    demo_is_loaded,
    demo_logins,
    format_logins,
)


class Command(SoprovodCommand):
    requires_system_checks: list[str] = []
    requires_migrations = True
    help = (
        "Load realistic demo data: one user per role with the password 'demo', client "
        "companies with sites and contacts, and their history. Does nothing if it is loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--clients", type=positive_int(20_000), default=400, help="how many client companies"
        )
        parser.add_argument(
            "--months", type=positive_int(120), default=12, help="how many months of history"
        )
        parser.add_argument("--seed", type=int, default=42, help="same seed, same data")
        parser.add_argument(
            "--force",
            action="store_true",
            help="load even with DEBUG off (demo users have the well-known password 'demo')",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="load only into a database without users and clients (make run)",
        )

    def handle(
        self, *, clients: int, months: int, seed: int, if_empty: bool, force: bool, **options
    ):
        if not settings.DEBUG and not force and not demo_is_loaded():
            # Production never gets users with a published password by accident.
            raise CommandError(
                "DEBUG is off: this looks like production, and demo users have the password "
                "'demo'. Use --force to load demo data anyway."
            )
        if demo_is_loaded():
            self.stdout.write("Demo data is already loaded.")
        elif if_empty and not database_is_empty():
            self.stdout.write("The database already has data; demo data was not loaded.")
            return
        else:
            self.stdout.write(
                f"Loading demo data: {clients} clients, {months} months, seed {seed}..."
            )
            build_demo(clients=clients, months=months, seed=seed, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("\nDemo logins (password: demo):\n" + format_logins(demo_logins()))
