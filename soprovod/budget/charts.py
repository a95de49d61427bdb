"""The variance chart: plan and fact per category, drawn on the server as SVG (pygal, as
the KPI dashboard's charts), without JavaScript."""

from __future__ import annotations

from xml.etree import ElementTree

import pygal
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from soprovod.budget.queries import Variance

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
}
PLAN_COLOUR, FACT_COLOUR = "#8c96a8", "#1f6feb"


def variance_chart(variance: Variance, title: str = "") -> SafeString:
    """Plan against fact per category, in thousands of roubles."""
    chart = pygal.Bar(
        style=Style(colors=(PLAN_COLOUR, FACT_COLOUR), **STYLE),
        js=[],
        disable_xml_declaration=True,
        width=620,
        height=300,
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        x_label_rotation=20,
        truncate_label=-1,
        no_data_text=_("No data"),
        value_formatter=lambda value: number_format(round(value), 0, force_grouping=True),
        margin=12,
    )
    chart.title = title or _("Plan and fact by category, thousand ₽")
    chart.x_labels = [row.label for row in variance.rows]
    chart.add(_("Plan"), [float(row.plan) / 1000 for row in variance.rows])
    chart.add(_("Fact"), [float(row.fact) / 1000 for row in variance.rows])
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    # Our own labels only; ElementTree escapes them.
    return mark_safe(ElementTree.tostring(tree, encoding="unicode"))  # noqa: S308
