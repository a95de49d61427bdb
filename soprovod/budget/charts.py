"""The variance chart: plan and fact per category, drawn on the server as SVG (pygal, as
the KPI dashboard's charts), without JavaScript."""

from __future__ import annotations

import pygal
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from soprovod.budget.queries import Variance
from soprovod.core.charts import chart_style, inline_svg, round_ticks

PLAN_COLOUR, FACT_COLOUR = "#8c96a8", "#1f6feb"


def variance_chart(variance: Variance, title: str = "") -> SafeString:
    """Plan against fact per category, in thousands of roubles."""
    chart = pygal.Bar(
        style=chart_style((PLAN_COLOUR, FACT_COLOUR)),
        js=[],
        disable_xml_declaration=True,
        width=620,
        height=300,
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        x_label_rotation=20,
        truncate_label=-1,
        truncate_legend=-1,
        no_data_text=_("No data"),
        value_formatter=lambda value: number_format(round(value), 0, force_grouping=True),
        margin=12,
    )
    chart.title = title or _("Plan and fact by category, thousand ₽")
    chart.x_labels = [row.label for row in variance.rows]
    chart.add(_("Plan"), [float(row.plan) / 1000 for row in variance.rows])
    chart.add(_("Fact"), [float(row.fact) / 1000 for row in variance.rows])
    values = [float(v) / 1000 for row in variance.rows for v in (row.plan, row.fact)]
    chart.y_labels = round_ticks(0, max(values, default=1), kind="whole")  # round thousands
    chart.range = (chart.y_labels[0], chart.y_labels[-1])
    return inline_svg(chart)
