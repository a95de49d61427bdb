"""The chart rules of issue 16, read from the rendered SVG: round axis steps, the target as a
line with its label, red only for the points that miss the target, nothing cut off."""

import datetime as dt
import re

import pytest

from soprovod.core.charts import BELOW_TARGET, round_ticks
from soprovod.kpi import charts

MONTHS = [dt.date(2026, m, 1) for m in range(1, 13)]


def series(values):
    return list(zip(MONTHS, values, strict=False))


def axis_labels(svg: str) -> list[str]:
    """The y axis labels, top to bottom as pygal writes them."""
    axis = re.search(r'<g class="axis y[^"]*">(.*?)</g></g>', svg, re.S) or re.search(
        r'class="axis y.*?(?=<g class="axis x|$)', svg, re.S
    )
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis.group(0))


def red_dots(svg: str) -> int:
    return len(re.findall(rf'<g class="dots" style="fill: {BELOW_TARGET}', svg))


@pytest.mark.parametrize(
    ("low", "high", "kind", "ticks"),
    [
        (0, 100, "share", [0, 25, 50, 75, 100]),
        (1, 5, "whole", [1, 2, 3, 4, 5]),
        (-100, 100, "whole", [-100, -50, 0, 50, 100]),
        (0, 7.3, "whole", [0, 2, 4, 6, 8]),  # whole hours
        (0, 0.4, "whole", [0, 1]),  # never a step below one hour or one minute
        (0, 31, "share", [0, 10, 20, 30, 40]),
    ],
)
def test_ticks_fall_on_round_steps(low, high, kind, ticks):
    assert round_ticks(low, high, kind=kind) == ticks


def test_a_share_axis_reads_0_25_50_75_100(settings):
    chart = charts.line_chart(
        "SLA", {"Все": series([0.9] * 12)}, "share", target=0.95, scale=100, y_range=(0, 100)
    )
    labels = axis_labels(str(chart.svg))
    for tick in ("0 %", "25 %", "50 %", "75 %", "100 %"):
        assert tick in labels
    assert not any(
        re.fullmatch(r"\d+ %", t) and t not in {"0 %", "25 %", "50 %", "75 %", "100 %"}
        for t in labels
    )


def test_hours_step_in_whole_hours():
    chart = charts.line_chart("Ответ", {"Экстренные": series([0.4, 1.7, 3.2, 7.3] * 3)}, "hours")
    numbers = [t for t in axis_labels(str(chart.svg)) if re.fullmatch(r"-?\d+([,.]\d+)?", t)]
    assert numbers and all(re.fullmatch(r"\d+", n) for n in numbers), numbers


def test_the_target_is_a_labelled_line():
    chart = charts.line_chart(
        "CSAT", {"CSAT": series([4.6] * 12)}, "score", target=4.5, comparison=">=", y_range=(1, 5)
    )
    svg = str(chart.svg)
    label = re.search(r'<text[^>]*class="target-label"[^>]*>([^<]+)</text>', svg)
    assert label and "≥ 4,5" in label.group(1)
    assert "stroke-dasharray" in svg or "dasharray" in svg  # drawn dashed, apart from the data


def test_red_marks_only_the_points_below_target():
    values = [0.97, 0.90, 0.96, 0.80, None, 0.99] * 2
    chart = charts.line_chart(
        "SLA", {"Все": series(values)}, "share", target=0.95, scale=100, y_range=(0, 100)
    )
    assert red_dots(str(chart.svg)) == 4  # 90 % and 80 %, twice
    # «≤» targets: above is the miss.
    chart = charts.line_chart(
        "Повторные",
        {"Доля": series([0.05, 0.2] * 6)},
        "share",
        target=0.1,
        comparison="<=",
        scale=100,
    )
    assert red_dots(str(chart.svg)) == 6


def test_a_series_is_never_red_by_itself():
    assert BELOW_TARGET not in charts.PALETTE
    chart = charts.line_chart("Без цели", {"Доля": series([0.1] * 12)}, "share", scale=100)
    assert BELOW_TARGET not in str(chart.svg)


def test_long_legend_entries_are_not_cut_and_the_chart_grows_for_them():
    names = {f"Очень длинное название ряда номер {i}": series([0.5] * 12) for i in range(4)}
    chart = charts.line_chart("Много рядов", names, "share", target=0.9, scale=100)
    svg = str(chart.svg)
    for name in names:
        assert name in svg  # whole, no ellipsis
    assert "…" not in svg
    one = charts.line_chart("Один ряд", {"Доля": series([0.5] * 12)}, "share", scale=100)
    height = lambda s: float(re.search(r'viewBox="0 0 \d+ (\d+)', s).group(1))  # noqa: E731
    assert height(svg) > height(str(one.svg))
