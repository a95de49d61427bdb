"""``soprovod bitrix sync [--since DATE] [--dry-run] [--user USERNAME]``: sync clients and
won deals from Bitrix24 now (soprovod/bitrix/sync.py), with a progress bar on a terminal.

``--dry-run`` reads Bitrix24, prints what it would change, and writes nothing (not even a
line in the sync log). Without it, an unfinished run is carried on from its checkpoint.
Exit status 1 when Bitrix24 is not configured or the run stopped on an error.
"""

from __future__ import annotations

import datetime as dt
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone
from tqdm import tqdm

from soprovod.bitrix.client import Portal, is_configured
from soprovod.bitrix.models import RunStatus
from soprovod.bitrix.sync import run_sync
from soprovod.core.management import SoprovodCommand


def _since(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since {text}: not a date (2026-12-01 or 2026-12-01T09:00)") from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class _Bar:
    def __init__(self, stream) -> None:
        self.stream = stream
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            # one step a page (50 companies): show each at once
            self.bar = tqdm(
                total=total, unit="company", leave=False, file=self.stream, mininterval=0
            )
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(SoprovodCommand):
    requires_migrations = True
    help = "Bitrix24: sync companies (clients) and won deals (draft hand-offs) now."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sync"], help="what to do")
        parser.add_argument(
            "--since", metavar="DATE", help="only companies and deals changed since then"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would change; write nothing"
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="record the changes as made by this user"
        )

    def handle(self, *, action: str, since, dry_run: bool, user, **options):
        if not is_configured():
            raise CommandError("Bitrix24 is not configured: set BITRIX24_WEBHOOK_URL")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"--user {user}: no active user with this username")
        stream = getattr(self.stderr, "_out", sys.stderr)
        bar = _Bar(stream) if stream.isatty() else None
        try:
            report = run_sync(
                actor=actor,
                since=_since(since) if since else None,
                dry_run=dry_run,
                portal=Portal.from_settings(),
                progress=bar,
            )
        finally:
            if bar:
                bar.close()
        if report.busy:
            raise CommandError("another Bitrix24 sync is running now; try again when it ends")
        run = report.run
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(
            f"{'dry run: ' if dry_run else ''}companies {run.companies_seen}, "
            f"clients created {run.clients_created}, updated {run.clients_updated}, "
            f"without INN {run.skipped}, conflicts {run.conflicts}; won deals {run.deals_seen}, "
            f"hand-offs drafted {run.handoffs_created}; written back {run.written_back}; "
            f"errors {run.error_count}"
        )
        if dry_run:
            self.stdout.write("dry run: nothing was written")
        for error in run.errors:
            self.stderr.write(f"error: {error}")
        if run.status == RunStatus.FAILED or (dry_run and run.errors):
            raise CommandError("the sync stopped on an error; run it again to carry on")
