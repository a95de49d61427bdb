"""`soprovod verify`: the index covers every record of every registered kind, and holds no
document of a record that is gone. ``--fix`` indexes the records again."""

from __future__ import annotations

from soprovod.core.verify import Difference, Report, Tally
from soprovod.search import index, registry
from soprovod.search.models import SearchDocument


def check_index(report: Report, fix: bool = False) -> Tally:
    tally = Tally()
    for provider in registry.providers():
        expected = provider.all_ids()
        indexed = SearchDocument.objects.filter(kind=provider.kind)
        tally.checked += expected.count()
        missing = list(expected.exclude(pk__in=indexed.values("object_id")).order_by("pk"))
        gone = list(
            indexed.exclude(object_id__in=expected)
            .order_by("object_id")
            .values_list("object_id", flat=True)
            .distinct()
        )
        for object_id in missing:
            report(Difference(f"{provider.kind} {object_id}", "search index", None, "indexed"))
        for object_id in gone:
            report(Difference(f"{provider.kind} {object_id}", "search index", "indexed", None))
        tally.differences += len(missing) + len(gone)
        if fix and (missing or gone):
            index.reindex(provider.kind, [*missing, *gone])
            tally.fixed += len(missing) + len(gone)
    return tally
