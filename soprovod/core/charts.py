"""What every server-drawn chart shares (pygal, SVG inlined in the page, no JavaScript): one
calm style, the inlining without pygal's tooltip script, and the rules of issue 16:

- axis ticks on round steps (`round_ticks`: 0/25/50/75/100 %, whole hours or minutes);
- a target drawn as a line with its label written on the line (`inline_svg(line_labels=…)`);
- red means «below target» only (`BELOW_TARGET`, for the points that miss it), never a
  series' own colour;
- labels are never cut off (long labels are not truncated; the margins leave them room).

The KPI dashboard, the health history and the budget's variance chart draw with these, so
they look like one product. pygal stays: it does all of this with explicit ``y_labels``,
per-point colours and a text element added to the rendered tree."""

from __future__ import annotations

import math
import re
from xml.etree import ElementTree

from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

STYLE = {
    "background": "transparent",
    "plot_background": "#ffffff",
    "foreground": "#1d2330",
    "foreground_strong": "#1d2330",
    "foreground_subtle": "#dde1e8",
    "opacity": ".9",
    "font_family": '"DejaVu Sans", system-ui, sans-serif',
    "label_font_size": 11,
    "major_label_font_size": 11,
    "legend_font_size": 12,
    "title_font_size": 14,
    "value_font_size": 11,
    "tooltip_font_size": 11,
    # Grid lines faint and solid, so the dashed target line is the one that stands out.
    "guide_stroke_color": "#e3e7ee",
    "major_guide_stroke_color": "#e3e7ee",
    "guide_stroke_dasharray": "none",
    "major_guide_stroke_dasharray": "none",
}


def chart_style(colours: tuple[str, ...]) -> Style:
    """The shared style with the chart's own series colours."""
    return Style(colors=colours, **STYLE)


BELOW_TARGET = "#cf222e"  # the one red: a point that misses its target
TARGET_COLOUR = "#3d4452"

_STEP_BASES = {"share": (1, 2.5, 5), "whole": (1, 2, 5)}


def round_ticks(
    low: float, high: float, *, max_intervals: int = 5, kind: str = "whole"
) -> list[float]:
    """Axis ticks on a round step covering [low, high]: the smallest step of the form
    base × 10^k (bases 1, 2, 5; for percentages 1, 2.5, 5, so 0–100 % reads 0/25/50/75/100)
    that needs at most ``max_intervals`` intervals. ``kind="whole"`` never steps below 1
    (whole hours, whole minutes, whole points)."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    bases = _STEP_BASES["share" if kind == "share" else "whole"]
    span = high - low
    exponent = math.floor(math.log10(span / max_intervals))
    step = None
    for power in (exponent - 1, exponent, exponent + 1, exponent + 2):
        for base in bases:
            candidate = base * 10**power
            if kind == "whole" and candidate < 1:
                continue
            start = math.floor(low / candidate + 1e-9) * candidate
            stop = math.ceil(high / candidate - 1e-9) * candidate
            if round((stop - start) / candidate) <= max_intervals:
                step = candidate
                break
        if step is not None:
            break
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    count = round((stop - start) / step)
    return [_clean(start + i * step) for i in range(count + 1)]


def _clean(value: float) -> float:
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _label_line(tree, serie_index: int, text: str) -> None:
    """Write ``text`` just above the right end of series ``serie_index``'s line (a target),
    inside the plot, right-aligned so it never runs past the chart's edge."""
    for group in tree.iter():
        classes = (group.get("class") or "").split()
        if "series" not in classes or f"serie-{serie_index}" not in classes:
            continue
        path = next((el for el in group.iter() if str(el.tag).endswith("path")), None)
        if path is None:
            return
        numbers = [float(n) for n in _NUMBER.findall(path.get("d", ""))]
        if len(numbers) < 2:
            return
        x, y = numbers[-2], numbers[-1]
        label = ElementTree.SubElement(group, "text")
        label.set("x", f"{x:.2f}")
        label.set("y", f"{y - 5:.2f}")
        label.set("text-anchor", "end")
        label.set("class", "target-label")
        label.set("fill", TARGET_COLOUR)
        label.set("font-size", "11")
        label.set("font-weight", "600")
        label.text = text
        return


def inline_svg(chart, *, line_labels: dict[int, str] | None = None) -> SafeString:
    """The chart's SVG for inlining in the page, without pygal's tooltip script (we serve no
    JavaScript of pygal's, and the figures are in a table beside each chart). ``line_labels``
    writes a label on the line of the series with that index (a target line)."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag == "script" or str(child.tag).endswith("}script"):
                parent.remove(child)
    for index, text in (line_labels or {}).items():
        _label_line(tree, index, text)
    # Our own labels only; ElementTree escapes them.
    return mark_safe(ElementTree.tostring(tree, encoding="unicode"))  # noqa: S308
