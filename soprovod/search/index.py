"""Writing the index: a record's documents are rebuilt from its provider whenever the record
changes (``index_later``, on commit), for a batch of records (``reindex``), or all at once
(``rebuild``: ``soprovod search reindex``, the demo's last step, a restore).

Re-indexing a record is idempotent: its old documents (and keys, and full-text rows) are
dropped and the provider's current ones written, so a stale or a missing document is
repaired by indexing the record again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from django.db import transaction

from soprovod.search import backends, registry  # each needs the other at call time only
from soprovod.search.models import SearchDocument, SearchKey

BATCH = 500
# Longer texts are cut before indexing: PostgreSQL's tsvector holds at most 1 MB, and no one
# finds a record by its millionth word.
MAX_BODY = 200_000


def reindex(kind: str, ids: Iterable[int]) -> int:
    """Rebuild the documents of the ``kind`` records ``ids``; returns how many were written."""
    provider = registry.provider(kind)
    ids = sorted({int(i) for i in ids})
    if provider is None or not ids:
        return 0
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            SearchDocument.objects.filter(kind=kind, object_id__in=chunk).delete()
            written += _write(kind, provider.documents(chunk))
    return written


def _write(kind: str, documents: Iterable[registry.Document]) -> int:
    documents = list(documents)
    made = SearchDocument.objects.bulk_create(
        SearchDocument(
            kind=kind,
            object_id=d.object_id,
            audience=d.audience,
            company_id=d.company_id,
            title=(d.title or "")[:500],
            body=(d.body or "")[:MAX_BODY],
        )
        for d in documents
    )
    backends.write(made)
    keys = [
        SearchKey(document=row, value=key.strip().lower()[:254])
        for row, d in zip(made, documents, strict=True)
        for key in dict.fromkeys(d.keys)
        if key and key.strip()
    ]
    SearchKey.objects.bulk_create(keys)
    return len(made)


def rebuild(
    kinds: Iterable[str] | None = None, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Drop and rebuild the documents of every kind (or of ``kinds``); {kind: documents}."""
    chosen = [p for p in registry.providers() if kinds is None or p.kind in set(kinds)]
    written = {}
    with transaction.atomic():
        if kinds is None:
            backends.clear()
            SearchKey.objects.all().delete()
            SearchDocument.objects.all().delete()
        for provider in chosen:
            SearchDocument.objects.filter(kind=provider.kind).delete()
            ids = list(provider.all_ids())
            written[provider.kind] = 0
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                written[provider.kind] += _write(provider.kind, provider.documents(chunk))
                if progress:
                    progress(provider.kind, min(start + BATCH, len(ids)))
        _pending().clear()  # everything written in this transaction is indexed now
    return written


# ---- on commit ------------------------------------------------------------------------------

_local = threading.local()


def _pending() -> dict[str, set[int]]:
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending


def _outermost_block():
    blocks = transaction.get_connection().atomic_blocks
    return blocks[0] if blocks else None


def index_later(kind: str, ids: Iterable[int]) -> None:
    """Re-index the ``kind`` records ``ids`` once the current transaction commits (at once
    outside a transaction). Many writes of one record in a transaction index it once."""
    block = _outermost_block()
    if getattr(_local, "block", None) is not block:
        # Left by a transaction that rolled back (its on-commit flush never ran): drop it.
        _pending().clear()
        _local.block = block
    _pending().setdefault(kind, set()).update(int(i) for i in ids)
    transaction.on_commit(flush)


def flush() -> None:
    """Index what is pending (the first on-commit call does the work, the others find
    nothing left; a record left pending by a rolled-back transaction is indexed as it now
    is, which is harmless)."""
    pending = _pending()
    while pending:
        kind, ids = pending.popitem()
        reindex(kind, ids)


flush.search_index = True  # what an on-commit callback is, for tests that list them
