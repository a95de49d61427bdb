"""Reads of the index: what a user finds for a query, ranked, highlighted and grouped by
kind; the exact keys that jump straight to a record; the matching ids of one kind for the
owning app's own lists (the ticket queue's text filter).

Every read starts from ``visible_documents(user)``: each kind's provider says which of its
documents the user may read (``Provider.scope``), so a client contact finds only their own
company's tickets (subject and public messages, never an internal note) and the public
articles, and staff only the kinds their roles read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils.safestring import SafeString, mark_safe

from soprovod.lib import stemming
from soprovod.search import backends, registry
from soprovod.search.models import Audience, SearchDocument

PER_KIND = 10
MAX_QUERY = 200
# At most this many records of a kind are ranked: the newest that match (by record number,
# the order of the index on kind and object_id). A query of common words alone matches a
# large share of everything (every other ticket names a barrier), and ranking all of them
# took seconds at a million tickets (docs/performance.md, «Search»); a query with anything
# specific in it matches fewer and is ranked whole. When more match, the page says so and
# counts them as "more than RANK_LIMIT".
RANK_LIMIT = 1000


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    title: SafeString  # HTML: escaped, the matched words in <mark>
    snippet: SafeString
    rank: float
    url: str


@dataclass
class Group:
    kind: str
    label: Any
    count: int  # more than ``limit`` means "more than ``limit``": only that many were ranked
    hits: list[Hit] = field(default_factory=list)
    limit: int = RANK_LIMIT

    @property
    def capped(self) -> bool:
        return self.count > self.limit


def clean(query: str | None) -> str:
    return (query or "").replace("\x00", "").strip()[:MAX_QUERY]


def visible_documents(user, kinds: Iterable[str] | None = None) -> QuerySet[SearchDocument]:
    """The documents ``user`` may find (of ``kinds``, or of every kind)."""
    wanted = set(kinds) if kinds is not None else None
    conditions = []
    for provider in registry.providers():
        if wanted is not None and provider.kind not in wanted:
            continue
        scope = provider.scope(user)
        if scope is not None:
            conditions.append(Q(kind=provider.kind) & scope)
    if not conditions:
        return SearchDocument.objects.none()
    return SearchDocument.objects.filter(reduce(or_, conditions))


def searchable_kinds(user) -> list[registry.Provider]:
    """The kinds ``user`` may find anything of, in their order."""
    return [p for p in registry.providers() if p.scope(user) is not None]


def matching(user, query: str, kinds: Iterable[str] | None = None) -> QuerySet[SearchDocument]:
    query = clean(query)
    if not backends.has_terms(query):
        return SearchDocument.objects.none()
    return visible_documents(user, kinds).filter(backends.matches(query))


def newest(user, query: str, kind: str, *, limit: int) -> list[int]:
    """The ids of the newest ``limit`` records of ``kind`` that ``user`` may find for
    ``query`` (their ``object_id``, highest first): what gets ranked. Read at once, not as
    a subquery: the match condition names the documents' table, which inside a subquery
    would be the outer query's row."""
    return list(
        matching(user, query, [kind])
        .order_by("-object_id")
        .values_list("object_id", flat=True)
        .distinct()[:limit]
    )


def ranked(user, query: str, kinds: Iterable[str] | None = None) -> QuerySet:
    """One row per record found, ``{kind, object_id, rank}``, best first (a record with two
    documents, a ticket's messages and its notes, counts by the better one). Of each kind,
    only the newest ``RANK_LIMIT`` matching records are ranked (``counts`` tells when more
    match)."""
    query = clean(query)
    wanted = set(kinds) if kinds is not None else None
    if not backends.has_terms(query):
        return SearchDocument.objects.none().values("kind", "object_id")
    among = [
        Q(kind=p.kind, object_id__in=ids)
        for p in searchable_kinds(user)
        if (wanted is None or p.kind in wanted)
        and (ids := newest(user, query, p.kind, limit=RANK_LIMIT))
    ]
    if not among:
        return SearchDocument.objects.none().values("kind", "object_id")
    return (
        matching(user, query, kinds)
        .filter(reduce(or_, among))
        .values("kind", "object_id")
        .annotate(rank=Max(backends.rank(query)))
        .order_by("-rank", "kind", "-object_id")
    )


def counts(user, query: str) -> dict[str, int]:
    """{kind: records found} for the kinds with any, one query per kind the user may search;
    a count is at most ``RANK_LIMIT + 1``, which means "more than ``RANK_LIMIT``" (counting
    every match of common words costs what ranking them did)."""
    query = clean(query)
    if not backends.has_terms(query):
        return {}
    found = {}
    for provider in searchable_kinds(user):
        n = len(newest(user, query, provider.kind, limit=RANK_LIMIT + 1))
        if n:
            found[provider.kind] = n
    return found


def hits(user, query: str, rows: Iterable[dict]) -> list[Hit]:
    """The rows of ``ranked`` as hits: title and fragment highlighted, the record's link.
    Two queries whatever the number of rows (the documents, their highlights)."""
    rows = list(rows)
    query = clean(query)
    if not rows:
        return []
    by_kind: dict[str, list[int]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row["object_id"])
    documents = list(
        visible_documents(user, by_kind)
        .filter(reduce(or_, (Q(kind=k, object_id__in=ids) for k, ids in by_kind.items())))
        .only("pk", "kind", "object_id", "audience", "title", "body")
        # The public document first: its title stands for the record.
        .order_by("kind", "object_id", "audience")
    )
    marked = backends.highlights(documents, query)
    best: dict[tuple[str, int], tuple[str, str]] = {}
    for document in documents:
        title, fragment = marked[document.pk]
        key = (document.kind, document.object_id)
        if key not in best:
            best[key] = (title, fragment)
        elif stemming.START not in best[key][1] and stemming.START in fragment:
            best[key] = (best[key][0], fragment)
    found = []
    for row in rows:
        key = (row["kind"], row["object_id"])
        provider = registry.provider(row["kind"])
        if key not in best or provider is None:
            continue
        title, fragment = best[key]
        found.append(
            Hit(
                kind=row["kind"],
                object_id=row["object_id"],
                title=mark_safe(stemming.marked_html(title)),  # noqa: S308 - escaped
                snippet=mark_safe(stemming.marked_html(fragment)),  # noqa: S308 - escaped
                rank=float(row["rank"] or 0),
                url=provider.url(user, row["object_id"]),
            )
        )
    return found


def grouped(user, query: str, *, per_kind: int = PER_KIND) -> list[Group]:
    """The results page: for each kind with something found, how many and the best
    ``per_kind``, ranked and highlighted."""
    query = clean(query)
    found = counts(user, query)
    groups = [
        Group(p.kind, p.label, found[p.kind], limit=RANK_LIMIT)
        for p in registry.providers()
        if found.get(p.kind)
    ]
    rows = [row for g in groups for row in ranked(user, query, [g.kind])[:per_kind]]
    by_kind: dict[str, list[Hit]] = {}
    for hit in hits(user, query, rows):
        by_kind.setdefault(hit.kind, []).append(hit)
    for group in groups:
        group.hits = by_kind.get(group.kind, [])
    return groups


def page(
    user, query: str, kinds: Iterable[str] | None = None, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[Hit]]:
    """A slice of the records found (of ``kinds``), best first, and how many there are (the
    API; of each kind at most the newest ``RANK_LIMIT`` are ranked and counted)."""
    found = ranked(user, query, kinds)
    return found.count(), hits(user, query, found[offset : offset + limit])


def key_of(query: str) -> str | None:
    """The exact key a query names, if it is one word: ``#123`` and ``123`` → ``123``, an
    INN, an e-mail address (lower-cased)."""
    text = clean(query)
    if not text or any(c.isspace() for c in text):
        return None
    if text.startswith("#") and text[1:].isdigit():
        text = text[1:]
    return text.lower()


def jump(user, query: str) -> str | None:
    """Where a query that is a ticket number, an INN or an e-mail address leads: the one
    record it names among those the user may read; None when it names none, or several."""
    key = key_of(query)
    if key is None:
        return None
    named = list(
        visible_documents(user)
        .filter(keys__value=key)
        .values_list("kind", "object_id")
        .distinct()[:2]
    )
    if len(named) != 1:
        return None
    kind, object_id = named[0]
    provider = registry.provider(kind)
    return provider.url(user, object_id) if provider else None


def object_ids(kind: str, query: str, *, internal: bool):
    """The ids of the ``kind`` records whose text matches ``query``, for ``pk__in`` on the
    owning model; ``internal`` includes the staff-only documents (a ticket's notes).
    None when the query holds no word to search by."""
    query = clean(query)
    if not backends.has_terms(query):
        return None
    audiences = [Audience.PUBLIC, Audience.STAFF] if internal else [Audience.PUBLIC]
    return backends.object_ids_sql(kind, query, audiences)


def best_of(kind: str, query: str, among: QuerySet, *, limit: int) -> list[int]:
    """The ids of the ``kind`` records among ``among`` (a queryset of their ids, the owning
    app's permission filter) whose text holds any word of ``query``, best first: a record
    matching more of the words, or in its title, ranks higher. For suggestions while a
    text is typed (a new ticket's subject), where not every word need match."""
    query = clean(query)
    if not backends.has_terms(query):
        return []
    rows = (
        SearchDocument.objects.filter(kind=kind, object_id__in=among)
        .filter(backends.matches(query, any_word=True))
        .values("object_id")
        .annotate(rank=Max(backends.rank(query, any_word=True)))
        .order_by("-rank", "object_id")[:limit]
    )
    return [row["object_id"] for row in rows]
