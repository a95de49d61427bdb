"""Percentiles computed in the database, the same way on PostgreSQL and SQLite.

kpi.md: percentiles by linear interpolation, as PostgreSQL ``percentile_cont``. PostgreSQL
has it built in; on SQLite we register an aggregate function with the same definition
(see `register_sqlite_functions`), so the KPI numbers are identical on both.
"""

from __future__ import annotations

import math

from django.db.models import Aggregate, FloatField


class PercentileCont(Aggregate):
    """``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``; NULLs are ignored."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, percentile: float, **extra):
        if not 0 <= percentile <= 1:
            raise ValueError("percentile must be between 0 and 1")
        self.percentile = float(percentile)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"percentile_cont({self.percentile!r}) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"soprovod_percentile_cont(%(expressions)s, {self.percentile!r})",
            **extra_context,
        )

    def deconstruct(self):  # pragma: no cover - not used in migrations
        path, args, kwargs = super().deconstruct()
        return path, (*args, self.percentile), kwargs


def percentile_cont(values: list[float], percentile: float) -> float | None:
    """Linear interpolation between the two nearest ranks (PostgreSQL's definition)."""
    if not values:
        return None
    ordered = sorted(values)
    position = percentile * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    if lower == upper:
        return float(ordered[lower])
    weight = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * weight


class _SqlitePercentile:
    def __init__(self):
        self.values: list[float] = []
        self.percentile = 0.5

    def step(self, value, percentile):
        self.percentile = percentile
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return percentile_cont(self.values, self.percentile)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created handler: teach SQLite our percentile aggregate."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("soprovod_percentile_cont", 2, _SqlitePercentile)
