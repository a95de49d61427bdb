"""The search index: one row per searchable text of a record (``SearchDocument``) and the
exact keys that jump straight to a record (``SearchKey``: a ticket number, an INN, an
e-mail address).

The full-text part is not in these models: on PostgreSQL a generated ``tsvector`` column
``vector`` (the ``russian`` configuration, title weighted A, body B) with a GIN index; on
SQLite an FTS5 table ``search_fts`` (rowid = the document's id) over the texts' Snowball
stems. Both are created by the migration for their own database only (``0001_initial``)
and written with the documents (``soprovod.search.index``).
"""

from __future__ import annotations

from django.db import models


class Audience(models.TextChoices):
    # What a client contact may read about their own company (a ticket's subject and public
    # messages, a client article) and what only staff read (internal notes, clients, rules).
    PUBLIC = "public", "public"
    STAFF = "staff", "staff"


class SearchDocument(models.Model):
    """A record's searchable text as its kind's provider made it. A record may have more
    than one (a ticket's public text and its internal notes), one per audience."""

    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    audience = models.CharField(max_length=8, choices=Audience.choices)
    # The client company the text belongs to (a ticket's client), for a client contact's
    # search; none for texts that belong to no company (an article, a request).
    company_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "search_document"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "audience"], name="search_document_once"
            )
        ]
        indexes = [models.Index(fields=["company_id", "audience"], name="search_doc_company")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.audience})"


class SearchKey(models.Model):
    """An exact key (lower-cased) that names one record: searching for it jumps there."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="keys")
    value = models.CharField(max_length=254, db_index=True)

    class Meta:
        db_table = "search_key"

    def __str__(self) -> str:
        return self.value
