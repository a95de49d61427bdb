"""How KPI figures look: values formatted for people (cards, tables, charts) and the 12-month
trend charts, drawn on the server as SVG in the active language (no JavaScript needed).

The numbers come from `soprovod.kpi.engine` and `soprovod.kpi.breakdowns`; this module only
formats them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pygal
from django.core.cache import cache
from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from soprovod.core import charts as core_charts
from soprovod.core.charts import BELOW_TARGET, chart_style, inline_svg, round_ticks
from soprovod.kpi.engine import TICKET_TYPES, KpiDocument, KpiValue

MINUS = "\u2212"
COMPARISON_SIGNS = {">=": "≥", "<=": "≤"}

# ---- values --------------------------------------------------------------------------------


def number(value: float, places: int, *, grouping: bool = False) -> str:
    """``value`` rounded half up to ``places`` decimals in the active language's format
    (Django's number_format alone cuts the extra digits off instead of rounding)."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return number_format(rounded, places, force_grouping=grouping)


def format_minutes(minutes: float) -> str:
    """«2 h 15 min», «45 min», «3 h» — rounded to the minute."""
    total = round(minutes)
    hours, rest = divmod(total, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


def format_share(share: float, *, signed: bool = False) -> str:
    text = _("%(number)s %%") % {"number": number(abs(share) * 100, 1)}
    if share < 0:
        return MINUS + text
    return "+" + text if signed and share > 0 else text


def format_value(value: float | None, unit: str, *, signed: bool = False) -> str:
    """A KPI value in its unit: shares as %, minutes as «2 h 15 min», hours and scores with
    one decimal; «—» when there is no value."""
    if value is None:
        return "—"
    if unit == "share":
        return format_share(value, signed=signed)
    if unit == "minutes":
        return format_minutes(value)
    if unit == "hours":
        return _("%(hours)s h") % {"hours": number(value, 1)}
    if unit == "count":
        return number(value, 0, grouping=True)
    if unit == "per_month":
        return _("%(number)s per month") % {"number": number(value, 1)}
    text = number(abs(value), 1)
    return MINUS + text if value < 0 else text


def format_threshold(target: float | None, comparison: str | None, unit: str, key: str) -> str:
    """A target as people read it: «≥ 95,0 %», «≤ −10,0 %», «≥ 4,5»."""
    if target is None or comparison is None:
        return ""
    sign = COMPARISON_SIGNS.get(comparison, comparison)
    return f"{sign} {format_value(target, unit, signed=_is_change(key))}"


def format_target(kpi: KpiValue) -> str:
    return format_threshold(kpi.target, kpi.comparison, kpi.unit, kpi.key)


def _is_change(key: str) -> bool:
    return key.endswith(".change")


def format_detail(kpi: KpiValue) -> str:
    """What a figure was computed from, small under the value: «481 of 500»."""
    if kpi.value is None and not kpi.denominator and not kpi.count:
        return ""
    if _is_change(kpi.key):
        if kpi.numerator is None or kpi.denominator is None:
            return ""
        return _("%(current)s now, %(previous)s before") % {
            "current": format_share(kpi.numerator),
            "previous": format_share(kpi.denominator),
        }
    if kpi.unit == "minutes":
        return ngettext("%(count)s ticket", "%(count)s tickets", kpi.count or 0) % {
            "count": kpi.count or 0
        }
    if kpi.unit == "score":
        count = int(kpi.denominator or 0)
        if kpi.key == "csat":
            return ngettext("%(count)s rating", "%(count)s ratings", count) % {"count": count}
        return ngettext("%(count)s answer", "%(count)s answers", count) % {"count": count}
    if kpi.numerator is not None and kpi.denominator is not None:
        return _("%(numerator)s of %(denominator)s") % {
            "numerator": number(kpi.numerator, 0),
            "denominator": number(kpi.denominator, 0),
        }
    return ""


def light(kpi: KpiValue) -> tuple[str, str]:
    """The traffic light of a figure: (css class, words)."""
    if kpi.value is None:
        return "none", _("no data")
    if kpi.met is True:
        return "met", _("target met")
    if kpi.met is False:
        return "missed", _("target missed")
    return "info", _("no target")


# ---- charts --------------------------------------------------------------------------------


@dataclass
class Chart:
    title: str
    svg: SafeString
    # For the table under the chart (and screen readers): month labels and each series.
    months: list[str]
    rows: list[tuple[str, list[str]]]


# No red among the series: red means "below target" only (issue 16), the colour of a point
# that misses its target (core.charts.BELOW_TARGET).
PALETTE = ("#1f6feb", "#8250df", "#1a7f37", "#b76e00", "#0a7480")
TARGET_COLOUR = "#3d4452"


def misses(value: float, target: float, comparison: str | None) -> bool:
    """The value is on the wrong side of its target (≥: below it; ≤: above it)."""
    if comparison == "<=":
        return value > target
    return value < target


def month_label(month: dt.date) -> str:
    """«окт 2026» in Russian, «oct 2026» in English (Django's date formatting)."""
    return date_format(month, "b Y")


# Drawn charts are kept in the cache (Redis in production) under a hash of everything they
# draw, so the same data is drawn once; a week's timeout lets old months' charts expire.
CHART_CACHE_SECONDS = 7 * 24 * 3600
logger = logging.getLogger(__name__)
# The drawing code and pygal's version are part of every key: a new release that draws
# differently never shows a chart drawn by the old one.
_DRAWING_CODE = hashlib.sha256(
    Path(__file__).read_bytes()
    + Path(core_charts.__file__).read_bytes()
    + pygal.__version__.encode()
).hexdigest()


def chart_cache_key(title: str, series: dict, unit: str, **drawing) -> str:
    """The cache key of a chart: a hash of exactly what it draws — the title, each series'
    name, months and values, the unit, the target and axis range (``drawing``), the active
    language with the words and number formats the chart writes in it, and the drawing code.
    Any change in the data or the language gives a new key, so nothing stale is shown."""
    payload = {
        "title": title,
        "series": [
            [name, [[m.isoformat(), v] for m, v in points]] for name, points in series.items()
        ],
        "unit": unit,
        "drawing": drawing,
        "language": get_language(),
        # The translated words and a formatted number, as the chart writes them now.
        "words": [_("No data"), _("Target"), _("Target %(target)s"), number(-1234.5, 1)],
        "code": _DRAWING_CODE,
    }
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return "kpi.chart:" + hashlib.sha256(text.encode()).hexdigest()


def line_chart(
    title: str,
    series: dict[str, list[tuple[dt.date, float | None]]],
    unit: str,
    *,
    target: float | None = None,
    comparison: str | None = ">=",
    scale: float = 1.0,
    y_range: tuple[float, float] | None = None,
    key: str = "",
) -> Chart:
    """A line chart of monthly series (``scale`` multiplies the values for display, e.g. 100
    for shares drawn as %). With a ``target``: a dashed line with its label written on it,
    and every point that misses it drawn red. The axis steps are round (0/25/50/75/100 %,
    whole hours). The SVG is drawn once per distinct data and language and then served from
    the cache (`chart_cache_key`)."""
    months = [month for month, _value in next(iter(series.values()))]
    rows = [
        (name, [format_value(value, unit) for _month, value in points])
        for name, points in series.items()
    ]
    labels = [month_label(month) for month in months]
    drawing = {
        "target": target,
        "comparison": comparison,
        "scale": scale,
        "y_range": y_range,
        "key": key,
        "threshold": format_threshold(target, comparison, unit, key),
    }
    cache_key = chart_cache_key(title, series, unit, **drawing)
    try:
        svg = cache.get(cache_key)
    except Exception:
        # The cache (Redis) unreachable: draw the chart, the page must not fail with it.
        logger.warning("The cache is not reachable: the KPI charts are drawn on every request")
        svg = None
    if svg is None:
        svg = _draw(title, series, unit, target, comparison, scale, y_range, key)
        with contextlib.suppress(Exception):
            cache.set(cache_key, str(svg), timeout=CHART_CACHE_SECONDS)
    # Our own SVG, drawn by `_draw` (inline_svg escapes every text in it).
    return Chart(title=title, svg=mark_safe(svg), months=labels, rows=rows)  # noqa: S308


def _draw(
    title: str,
    series: dict[str, list[tuple[dt.date, float | None]]],
    unit: str,
    target: float | None,
    comparison: str | None,
    scale: float,
    y_range: tuple[float, float] | None,
    key: str,
) -> SafeString:
    """The chart's SVG, drawn by pygal (see `line_chart`)."""
    months = [month for month, _value in next(iter(series.values()))]

    def shown(value: float | None) -> float | None:
        return None if value is None else value * scale

    def axis_label(value: float) -> str:
        places = 0 if float(value).is_integer() else 1
        if unit == "share":
            return _("%(number)s %%") % {"number": number(value, places)}
        return number(value, places)

    # The target line is always grey, after the series' own colours.
    colours = (*PALETTE[: len(series)], TARGET_COLOUR)
    entries = len(series) + (target is not None)
    legend_rows = math.ceil(entries / min(3, entries)) if entries > 1 else 0
    if y_range is not None:
        low, high = y_range
    else:
        values = [shown(v) for points in series.values() for _m, v in points if v is not None]
        if target is not None:
            values.append(target * scale)
        low, high = (min(0, *values), max(values)) if values else (0, 1)
    ticks = round_ticks(low, high, kind="share" if unit == "share" else "whole")
    chart = pygal.Line(
        style=chart_style(colours),
        js=[],
        disable_xml_declaration=True,
        allow_interruptions=True,
        width=620,
        # Room for every legend row under the rotated month labels: nothing is cut off.
        height=300 + 22 * max(0, legend_rows - 1),
        explicit_size=False,
        show_legend=len(series) > 1 or target is not None,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(3, len(series) + (target is not None)),
        x_label_rotation=30,
        truncate_label=-1,
        truncate_legend=-1,
        dots_size=3,
        y_labels_major_every=1,
        show_minor_y_labels=True,
        no_data_text=_("No data"),
        value_formatter=axis_label,
        margin=12,
        margin_bottom=12 + 8 * legend_rows,
    )
    chart.title = title
    chart.x_labels = [month_label(month) for month in months]
    chart.y_labels = ticks
    chart.range = (ticks[0], ticks[-1])

    def point(value: float | None):
        value = shown(value)
        if value is not None and target is not None and misses(value, target * scale, comparison):
            return {"value": value, "color": BELOW_TARGET}
        return value

    for name, points in series.items():
        chart.add(name, [point(value) for _month, value in points])
    line_labels = {}
    if target is not None:
        chart.add(
            _("Target"),
            [target * scale] * len(months),
            show_dots=False,
            stroke_style={"dasharray": "6, 4", "width": 2},
        )
        line_labels[len(series)] = _("Target %(target)s") % {
            "target": format_threshold(target, comparison, unit, key)
        }
    return inline_svg(chart, line_labels=line_labels)


# The keys the dashboard's charts follow (`breakdowns.trend` gets them in one go).
CHART_KEYS = (
    *(f"sla.{t}" for t in (*TICKET_TYPES, "all")),
    *(f"first_response.{t}.median" for t in TICKET_TYPES),
    *(f"resolution.{t}.median" for t in TICKET_TYPES),
    "repeat_rate",
    "csat",
    "nps",
    "retention",
)


def dashboard_charts(trends: dict[str, list], document: KpiDocument) -> list[Chart]:
    """The dashboard's trend charts: SLA compliance by type, response and resolution medians
    by type, repeat rate, CSAT, NPS and retention — targets as in ``document``."""
    type_names = {
        "emergency": _("Emergency"),
        "standard": _("Standard"),
        "consultation": _("Consultations"),
        "all": _("All tickets"),
    }

    def target(key: str) -> dict:
        kpi = document.get(key)
        if kpi is None:
            return {"target": None}
        return {"target": kpi.target, "comparison": kpi.comparison, "key": key}

    def in_hours(points):
        return [(month, None if v is None else v / 60) for month, v in points]

    sla = {type_names[t]: trends[f"sla.{t}"] for t in (*TICKET_TYPES, "all")}
    return [
        line_chart(
            _("SLA compliance by ticket type"),
            sla,
            "share",
            **target("sla.all"),
            scale=100,
            y_range=(0, 100),
        ),
        line_chart(
            _("First response, median, hours"),
            {type_names[t]: in_hours(trends[f"first_response.{t}.median"]) for t in TICKET_TYPES},
            "hours",
        ),
        line_chart(
            _("Resolution, median, business hours"),
            {type_names[t]: in_hours(trends[f"resolution.{t}.median"]) for t in TICKET_TYPES},
            "hours",
        ),
        line_chart(
            _("Share of repeat tickets"),
            {_("Repeat tickets"): trends["repeat_rate"]},
            "share",
            scale=100,
        ),
        line_chart(
            _("Client satisfaction (CSAT)"),
            {_("CSAT"): trends["csat"]},
            "score",
            **target("csat"),
            y_range=(1, 5),
        ),
        line_chart(
            _("NPS"), {_("NPS"): trends["nps"]}, "score", **target("nps"), y_range=(-100, 100)
        ),
        line_chart(
            _("Client retention"),
            {_("Retention"): trends["retention"]},
            "share",
            **target("retention"),
            scale=100,
        ),
    ]
