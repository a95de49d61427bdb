"""Formatting for the team pages (the dashboard's number formats)."""

from __future__ import annotations

from django import template

from soprovod.kpi.charts import format_value

register = template.Library()


@register.filter
def share(value) -> str:
    return format_value(value, "share")


@register.filter
def score(value) -> str:
    return format_value(value, "score")
