"""``soprovod demo [--clients 400] [--months 12] [--seed 42] [--if-empty]``: demo data.

Safe to run again: when the demo logins exist it only says so and prints them. The steps
it runs are soprovod.web.demo.DEMO_STEPS.

``soprovod demo --with-fakes [--host H] [--port P]``: the demo data (loaded into an empty
database), then the app running against a fake Bitrix24 portal and a fake Telegram Bot API
with its chat page (soprovod/web/fakes.py), until Ctrl+C. ``--check`` instead runs a sync
and a conversation through them without anyone at the keyboard (CI) and exits non-zero when
one of them did not happen.
"""

from __future__ import annotations

import logging
import socket
import sys
import tempfile
import time

from django.conf import settings
from django.core.management import CommandError

from soprovod.core.management import SoprovodCommand, positive_int
from soprovod.web import fakes as demo_fakes
from soprovod.web.demo import (
    build_demo,
    database_is_empty,
    demo_is_loaded,
    demo_logins,
    format_logins,
)
from soprovod.web.management.commands.serve import running_app


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
        parser.add_argument(
            "--with-fakes",
            action="store_true",
            help="then run the app against a local fake Bitrix24 and a fake Telegram with a "
            "chat page (Ctrl+C stops); nothing is configured for good",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="with --with-fakes: run a sync and a Telegram conversation through the fakes "
            "unattended, print the outcome, exit 1 if something did not happen (CI)",
        )
        parser.add_argument(
            "--host", default="127.0.0.1", help="with --with-fakes: the app's address"
        )
        parser.add_argument(
            "--port",
            type=positive_int(65535),
            default=8000,
            help="with --with-fakes: the app's port",
        )

    def handle(
        self,
        *,
        clients: int,
        months: int,
        seed: int,
        if_empty: bool,
        force: bool,
        with_fakes: bool = False,
        check: bool = False,
        host: str = "127.0.0.1",
        port: int = 8000,
        **options,
    ):
        if check and not with_fakes:
            raise CommandError("--check goes with --with-fakes")
        if with_fakes and not settings.DEBUG:
            # The fakes would feed made-up companies and chats into a real database.
            raise CommandError("--with-fakes is for the embedded demo only (DEBUG is off).")
        if with_fakes and not demo_is_loaded() and not database_is_empty():
            raise CommandError(
                "--with-fakes needs the demo data, and this database has other data."
            )
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
        if with_fakes:
            self.with_fakes(host=host, port=port, check=check)

    def with_fakes(self, *, host: str, port: int, check: bool) -> None:
        fakes = demo_fakes.start_fakes(delay=0 if check else demo_fakes.WATCH_DELAY)
        try:
            with demo_fakes.pointed_at(fakes):
                if check:
                    self.check(fakes)
                    return
                url = demo_fakes.app_url(host, port)
                self.stdout.write(demo_fakes.instructions(fakes, url))
                try:
                    with running_app(host=host, port=port, stderr=self.stderr) as web:
                        status = web.wait()
                except KeyboardInterrupt:
                    status = 0
                if status:
                    raise CommandError(f"the web server exited with status {status}")
        finally:
            fakes.stop()

    def say(self, line: str) -> None:
        self.stdout.write(f"{time.monotonic() - self.started:5.1f} s  {line}")

    def check(self, fakes: demo_fakes.Fakes) -> None:
        """The app on a free port, its output in a file shown only when the check fails."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = demo_fakes.app_url("127.0.0.1", port)
        self.started = time.monotonic()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
        self.stdout.write(f"fakes: Bitrix24 {fakes.portal.url}, Telegram {fakes.telegram.base_url}")
        with tempfile.TemporaryFile("w+") as log:
            try:
                with running_app(host="127.0.0.1", port=port, stderr=self.stderr, output=log):
                    demo_fakes.check(fakes, url, say=self.say)
            except demo_fakes.CheckFailed as error:
                log.seek(0)
                sys.stderr.write("".join(log.readlines()[-60:]))
                raise CommandError(f"the demo with fakes failed: {error}") from None
        self.stdout.write(
            self.style.SUCCESS("The demo with fakes works: a sync and a conversation.")
        )
