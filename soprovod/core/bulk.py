"""Bulk inserts through PostgreSQL ``COPY`` for the writers that insert many rows at once
(the ticket import's history replay). ``COPY`` skips the statement building and parameter
adaptation of ``bulk_create`` (most of an import's time); ids are taken from the table's
sequence first, so rows that others point at (tickets, clocks) have them before they are
copied. PostgreSQL only: other databases use ``bulk_create``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connections, models


def assign_ids(model: type[models.Model], objs: Sequence[models.Model], using="default") -> None:
    """Give each of ``objs`` (unsaved) the next id of its table's sequence, in order."""
    if not objs:
        return
    table = model._meta.db_table
    column = model._meta.pk.column
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk


def copy_insert(model: type[models.Model], objs: Sequence[models.Model], using="default") -> None:
    """Insert ``objs`` with ``COPY``: every concrete column, the id too when it is set
    (`assign_ids`), otherwise the database gives it (and it is not read back). Foreign keys
    to objects saved since they were attached are taken from those objects, and ``pre_save``
    runs as in ``bulk_create`` (``auto_now``)."""
    if not objs:
        return
    with_ids = objs[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    relations = [f for f in fields if f.is_relation and f.many_to_one]
    encoders = {f.attname: f.encoder for f in fields if isinstance(f, models.JSONField)}
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            for field in relations:
                if getattr(obj, field.attname) is None and field.is_cached(obj):
                    related = field.get_cached_value(obj)
                    if related is not None:
                        setattr(obj, field.attname, related.pk)
            row = []
            for field in fields:
                value = field.pre_save(obj, True)
                if field.attname in encoders and value is not None:
                    value = json.dumps(value, cls=encoders[field.attname])
                row.append(value)
            copy.write_row(row)
            obj._state.adding = False
            obj._state.db = using
