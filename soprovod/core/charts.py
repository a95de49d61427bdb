"""What every server-drawn chart shares (pygal, SVG inlined in the page, no JavaScript): one
calm style and the inlining without pygal's tooltip script. The KPI dashboard, the health
history and the budget's variance chart draw with these, so they look like one product."""

from __future__ import annotations

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
}


def chart_style(colours: tuple[str, ...]) -> Style:
    """The shared style with the chart's own series colours."""
    return Style(colors=colours, **STYLE)


def inline_svg(chart) -> SafeString:
    """The chart's SVG for inlining in the page, without pygal's tooltip script (we serve no
    JavaScript of pygal's, and the figures are in a table beside each chart)."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag == "script" or str(child.tag).endswith("}script"):
                parent.remove(child)
    # Our own labels only; ElementTree escapes them.
    return mark_safe(ElementTree.tostring(tree, encoding="unicode"))  # noqa: S308
