"""``soprovod search reindex [--kind KIND]``: rebuild the search index from the records
(after a restore, an upgrade that adds the index, or a bulk load that bypassed the apps);
``soprovod verify`` tells whether it is needed (check «search»)."""

from __future__ import annotations

from django.core.management.base import CommandError

from soprovod.core.management import SoprovodCommand
from soprovod.search import index, registry


class Command(SoprovodCommand):
    help = "Rebuild the full-text search index (soprovod search reindex)."
    requires_migrations = True

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        reindex = actions.add_parser("reindex", help="rebuild the index from the records")
        reindex.add_argument(
            "--kind", action="append", metavar="KIND", help="only this kind (repeatable)"
        )

    def handle(self, *args, **options):
        kinds = options.get("kind")
        unknown = sorted(set(kinds or ()) - set(registry.kinds()))
        if unknown:
            raise CommandError(
                f"unknown kind {', '.join(unknown)}; known: {', '.join(registry.kinds())}"
            )
        written = index.rebuild(kinds)
        for kind, count in written.items():
            self.stdout.write(f"{kind}: {count} documents")
