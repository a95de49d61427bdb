"""A client's score over time: a pygal line chart drawn on the server as SVG (the charting
package the KPI dashboard uses), with the red and green band edges as dashed lines."""

from __future__ import annotations

import pygal
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from soprovod.core.charts import chart_style, inline_svg, round_ticks

COLOURS = ("#1f6feb", "#cf222e", "#1a7f37")


def score_chart(rows, *, red_below: int, green_from: int) -> SafeString:
    """The SVG of the scores in ``rows`` (HealthScore, oldest first)."""
    chart = pygal.Line(
        style=chart_style(COLOURS),
        js=[],
        disable_xml_declaration=True,
        allow_interruptions=True,
        width=620,
        height=260,
        explicit_size=False,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        x_label_rotation=30,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(rows) // 8),
        truncate_label=-1,
        dots_size=2,
        show_minor_y_labels=True,
        no_data_text=_("No data"),
        margin=12,
        range=(0, 100),
        truncate_legend=-1,
    )
    chart.y_labels = round_ticks(0, 100, kind="share")  # 0/25/50/75/100
    chart.x_labels = [date_format(row.day, "SHORT_DATE_FORMAT") for row in rows]
    chart.add(_("Health score"), [row.score for row in rows])
    dashes = {"dasharray": "6, 4", "width": 1.5}
    chart.add(_("Red below"), [red_below] * len(rows), show_dots=False, stroke_style=dashes)
    chart.add(_("Green from"), [green_from] * len(rows), show_dots=False, stroke_style=dashes)
    return inline_svg(chart)
