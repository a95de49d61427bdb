"""The health score's arithmetic (issue 11 «Health score»), pure Python: no Django, no
database, so the rule is tested on hand-worked numbers alone.

A measure maps its raw value to a sub-score 0–100 through its **bands**: a list of points
``(raw, sub-score)`` sorted by raw value. Between two points the sub-score is interpolated on
the straight line; below the first point it is the first point's sub-score, above the last
the last's. A categorical measure (implementation status) has one point per category
instead: ``(category, sub-score)``.

The score is the weighted mean of the sub-scores of the measures that have data; a measure
without data is left out and the weights of the rest renormalised:

    score = Σ sub_i × w_i ÷ Σ w_i            (over measures with data)

A measure's **contribution** is the points it costs (or, never more than 0, gives back)
against a perfect 100, signed: ``(sub_i − 100) × w_i ÷ Σ w_i``. So the score is
``100 + Σ contributions`` and «62: CSAT 3,8 (−12), 2 emergency breaches (−15)…» adds up.

The score is rounded half up to a whole number; its band is red below ``red_below``, green
from ``green_from``, yellow between (defaults 50 and 75).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RED, YELLOW, GREEN = "red", "yellow", "green"
BANDS = (RED, YELLOW, GREEN)

Point = tuple[float | str, float]


@dataclass(frozen=True)
class MeasureDef:
    """A measure of the score: its key, default weight and default bands. ``categorical``
    measures take a category (a string) as their raw value."""

    key: str
    weight: float
    points: tuple[Point, ...]
    categorical: bool = False


# The measures and their defaults (docs/architecture.md «health»; the settings page shows
# them in this order). Weights add up to 100 so each reads as «per cent of the score».
MEASURES: tuple[MeasureDef, ...] = (
    # Share of tickets created in the last 90 days that met SLA (kpi.md «sla.all»).
    MeasureDef("sla", 20, ((0.70, 0), (0.85, 50), (0.95, 75), (1.0, 100))),
    # Emergency tickets created in the last 90 days that breached SLA.
    MeasureDef("emergency_breaches", 15, ((0, 100), (1, 60), (2, 35), (4, 0))),
    # Mean CSAT (1–5) of tickets resolved in the last 90 days (kpi.md «csat»).
    MeasureDef("csat", 15, ((3.0, 0), (4.0, 50), (4.5, 75), (5.0, 100))),
    # The latest NPS answer (0–10) of the client's contacts within a year.
    MeasureDef("nps", 10, ((0, 0), (6, 40), (8, 70), (10, 100))),
    # Tickets a day over the last 30 days ÷ tickets a day over the 90 days before them.
    MeasureDef("volume_trend", 10, ((1.0, 100), (1.25, 75), (1.5, 50), (2.0, 25), (3.0, 0))),
    # Repeats among tickets created in the last 90 days (kpi.md «repeat_rate»).
    MeasureDef("repeat_rate", 10, ((0, 100), (0.05, 75), (0.10, 50), (0.25, 0))),
    # Open claims (претензии) of the client.
    MeasureDef("open_claims", 10, ((0, 100), (1, 40), (2, 0))),
    # Days from today to the contract end (negative: the contract has ended).
    MeasureDef("renewal", 5, ((-30, 0), (0, 20), (30, 40), (90, 75), (180, 100))),
    # The worst implementation project in progress: on track, at risk, blocked, overdue.
    MeasureDef(
        "implementation",
        5,
        (("on_track", 100), ("at_risk", 60), ("blocked", 30), ("overdue", 0)),
        categorical=True,
    ),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)
BY_KEY = {m.key: m for m in MEASURES}
DEFAULT_RED_BELOW = 50
DEFAULT_GREEN_FROM = 75


def sub_score(points: Sequence[Point], raw: float | str, *, categorical: bool = False) -> float:
    """The sub-score 0–100 of ``raw`` on the bands ``points`` (see the module doc)."""
    if categorical:
        for category, score in points:
            if category == raw:
                return float(score)
        raise ValueError(f"no band for {raw!r}")
    ordered = sorted((float(x), float(y)) for x, y in points)
    value = float(raw)
    if value <= ordered[0][0]:
        return ordered[0][1]
    for (x0, y0), (x1, y1) in zip(ordered, ordered[1:], strict=False):
        if value <= x1:
            return y0 + (y1 - y0) * (value - x0) / (x1 - x0)
    return ordered[-1][1]


def band_of(score: int | None, red_below: float, green_from: float) -> str:
    """red below ``red_below``, green from ``green_from``, yellow between; "" without a score."""
    if score is None:
        return ""
    if score < red_below:
        return RED
    if score >= green_from:
        return GREEN
    return YELLOW


def round_half_up(value: float, places: int = 0) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


@dataclass(frozen=True)
class MeasureResult:
    key: str
    raw: float | str
    sub: float  # 0–100
    weight: float  # as configured (before renormalisation)
    share: float  # the weight renormalised over the measures with data (0–1)
    contribution: float  # (sub − 100) × share, signed, ≤ 0

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "raw": self.raw,
            "sub": round_half_up(self.sub, 1),
            "weight": self.weight,
            "share": round_half_up(self.share, 4),
            "contribution": round_half_up(self.contribution, 1),
        }


@dataclass(frozen=True)
class ScoreResult:
    score: int | None
    measures: tuple[MeasureResult, ...]


def combine(
    raw: Mapping[str, float | str | None],
    weights: Mapping[str, float],
    points: Mapping[str, Sequence[Point]],
    *,
    order: Iterable[str] = MEASURE_KEYS,
) -> ScoreResult:
    """The score of one client from its raw values (None: no data), the weights and bands."""
    present = [
        key for key in order if raw.get(key) is not None and float(weights.get(key, 0) or 0) > 0
    ]
    total = sum(float(weights[key]) for key in present)
    if not present or total <= 0:
        return ScoreResult(None, ())
    results = []
    for key in present:
        measure = BY_KEY[key]
        sub = sub_score(points[key], raw[key], categorical=measure.categorical)
        share = float(weights[key]) / total
        results.append(
            MeasureResult(key, raw[key], sub, float(weights[key]), share, (sub - 100) * share)
        )
    exact = sum(r.sub * r.share for r in results)
    # Rounded to a millionth first, so float noise (50.4999999…) never decides the rounding.
    return ScoreResult(int(round_half_up(round(exact, 6))), tuple(results))


# ---- bands as people write them ------------------------------------------------------------


def format_points(points: Sequence[Point]) -> str:
    """«0.7 → 0; 0.85 → 50» — the settings form's text for a measure's bands."""

    def shown(value) -> str:
        if isinstance(value, str):
            return value
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)

    return "; ".join(f"{shown(x)} → {shown(y)}" for x, y in points)


class BandsError(ValueError):
    pass


def parse_points(text: str, *, categorical: bool = False, categories: Iterable[str] = ()) -> list:
    """The bands in ``text`` («0,7 → 0; 0,85 → 50», «->», «=» or «:» between the two; decimal
    comma or point). Raises `BandsError` (its message is a key the form translates)."""
    result: list[Point] = []
    for chunk in (c.strip() for c in text.replace("\n", ";").split(";")):
        if not chunk:
            continue
        for arrow in ("→", "->", "=", ":"):
            if arrow in chunk:
                left, right = (part.strip() for part in chunk.split(arrow, 1))
                break
        else:
            raise BandsError("format")
        try:
            score = float(right.replace(",", "."))
        except ValueError:
            raise BandsError("format") from None
        if not 0 <= score <= 100:
            raise BandsError("range")
        if categorical:
            result.append((left, score))
        else:
            try:
                result.append((float(left.replace(",", ".")), score))
            except ValueError:
                raise BandsError("format") from None
    if categorical:
        if sorted(c for c, _s in result) != sorted(categories):
            raise BandsError("categories")
        return result
    if len(result) < 2:
        raise BandsError("too_few")
    xs = [x for x, _s in result]
    if len(set(xs)) != len(xs):
        raise BandsError("duplicate")
    return sorted(result)
