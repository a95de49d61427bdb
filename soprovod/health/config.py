"""The health score's settings in force: the latest `HealthConfig` version, or the built-in
defaults (version 0) until the head first saves the settings page."""

from __future__ import annotations

from dataclasses import dataclass

from soprovod.health import scoring
from soprovod.health.models import HealthConfig


@dataclass(frozen=True)
class Settings:
    version: int
    weights: dict[str, float]
    points: dict[str, list]
    red_below: int
    green_from: int

    def band(self, score: int | None) -> str:
        return scoring.band_of(score, self.red_below, self.green_from)


def defaults() -> Settings:
    return Settings(
        version=0,
        weights={m.key: float(m.weight) for m in scoring.MEASURES},
        points={m.key: [list(p) for p in m.points] for m in scoring.MEASURES},
        red_below=scoring.DEFAULT_RED_BELOW,
        green_from=scoring.DEFAULT_GREEN_FROM,
    )


def from_row(row: HealthConfig) -> Settings:
    base = defaults()
    return Settings(
        version=row.version,
        # A measure added after the row was saved keeps its default until the next edit.
        weights={**base.weights, **{k: float(v) for k, v in row.weights.items()}},
        points={**base.points, **row.points},
        red_below=row.red_below,
        green_from=row.green_from,
    )


def current() -> Settings:
    row = HealthConfig.objects.order_by("-version").first()
    return from_row(row) if row is not None else defaults()


def of_version(version: int) -> Settings:
    if version == 0:
        return defaults()
    return from_row(HealthConfig.objects.get(version=version))
