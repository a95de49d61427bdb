# ruff: noqa: S608, S611 - the SQL is built from constants; the user's text is a parameter
"""The two full-text engines behind the index, chosen by the database in use.

- PostgreSQL: ``search_document.vector``, a stored generated ``tsvector`` of the ``russian``
  configuration (title weight A, body B) under a GIN index, so it is up to date with every
  write of a document; a query is ``plainto_tsquery('russian', …)`` (every word, stemmed,
  stop words dropped), ranked with ``ts_rank`` and highlighted with ``ts_headline``.
- SQLite (the embedded mode): the FTS5 table ``search_fts`` (rowid = the document's id)
  holds the Snowball stems of each document's title and body (``soprovod.lib.stemming``,
  the same stemmer PostgreSQL uses); a query is the stems of its words, all required,
  ranked with ``bm25``; the matched words are highlighted by stemming the shown text's words
  the same way. A trigger drops a document's row from ``search_fts`` with the document.

Every function takes the user's query text; ``has_terms`` says whether it holds a word to
search by at all (a query of stop words finds nothing on either database).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL

from soprovod.lib import stemming

TABLE = '"search_document"'
_TSQUERY = "plainto_tsquery('russian', %s)"
# Any of the words (suggestions while a subject is typed): plainto_tsquery's «&» read as «|».
_TSQUERY_ANY = "replace(plainto_tsquery('russian', %s)::text, '&', '|')::tsquery"
# ts_headline's options: the markers stemming.marked_html turns into <mark>.
_MARKS = f'StartSel="{stemming.START}", StopSel="{stemming.STOP}"'
_BODY_OPTIONS = _MARKS + ', MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
_TITLE_OPTIONS = _MARKS + ", HighlightAll=true"
# Title matches weigh more than body matches on both databases.
_BM25 = "bm25(search_fts, 4.0, 1.0)"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _pg(query: str) -> str:
    """The query as PostgreSQL searches it: «ё» read as «е», as the index stores it."""
    return query.replace("ё", "е").replace("Ё", "Е")


def has_terms(query: str) -> bool:
    return bool(stemming.query_stems(query))


def matches(query: str, *, any_word: bool = False) -> RawSQL:
    """A condition on SearchDocument (the top-level queryset): the document matches every
    word of the query, or ``any_word`` of them."""
    if is_postgres():
        tsquery = _TSQUERY_ANY if any_word else _TSQUERY
        return RawSQL(f"{TABLE}.vector @@ {tsquery}", [_pg(query)], BooleanField())
    return RawSQL(
        f"{TABLE}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
        [stemming.fts5_match(query, any_word=any_word)],
        BooleanField(),
    )


def rank(query: str, *, any_word: bool = False) -> RawSQL:
    """The document's relevance to the query, higher is better (for matching documents);
    with ``any_word``, a document matching more of the words ranks higher."""
    if is_postgres():
        tsquery = _TSQUERY_ANY if any_word else _TSQUERY
        return RawSQL(f"ts_rank({TABLE}.vector, {tsquery})", [_pg(query)], FloatField())
    return RawSQL(
        f"(SELECT -{_BM25} FROM search_fts WHERE search_fts MATCH %s AND rowid = {TABLE}.id)",
        [stemming.fts5_match(query, any_word=any_word)],
        FloatField(),
    )


def object_ids_sql(kind: str, query: str, audiences: Iterable[str]) -> RawSQL:
    """The ids of the ``kind`` records with a matching document of one of ``audiences``: for
    ``pk__in`` on the owning app's model (the queue's text filter)."""
    audiences = list(audiences)
    marks = ", ".join(["%s"] * len(audiences))
    if is_postgres():
        return RawSQL(
            f"SELECT d.object_id FROM search_document d WHERE d.kind = %s "
            f"AND d.audience IN ({marks}) AND d.vector @@ {_TSQUERY}",
            [kind, *audiences, _pg(query)],
        )
    return RawSQL(
        f"SELECT d.object_id FROM search_document d WHERE d.kind = %s "
        f"AND d.audience IN ({marks}) "
        f"AND d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
        [kind, *audiences, stemming.fts5_match(query)],
    )


def highlights(documents: Iterable, query: str) -> dict[int, tuple[str, str]]:
    """{document id: (title, fragment)}, matched words between the stemming markers."""
    documents = list(documents)
    if not documents:
        return {}
    if not is_postgres():
        return {
            d.pk: (
                stemming.highlight(d.title, query, words=1000),
                stemming.highlight(d.body, query),
            )
            for d in documents
        }
    ids = [d.pk for d in documents]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, ts_headline('russian', title, {_TSQUERY}, %s), "
            f"ts_headline('russian', body, {_TSQUERY}, %s) "
            f"FROM search_document WHERE id = ANY(%s)",
            [_pg(query), _TITLE_OPTIONS, _pg(query), _BODY_OPTIONS, ids],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def write(documents: Iterable) -> None:
    """After the documents are inserted: SQLite indexes their stems (PostgreSQL's column is
    generated with the row)."""
    if is_postgres():
        return
    rows = [(d.pk, stemming.stems(d.title), stemming.stems(d.body)) for d in documents]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, body) VALUES (%s, %s, %s)", rows
            )


def clear() -> None:
    """Empty the full-text part with the documents (``rebuild``)."""
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
