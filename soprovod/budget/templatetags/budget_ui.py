"""Formatting of budget figures: roubles, shares, month names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

register = template.Library()
MINUS = "\u2212"


@register.filter
def rub(value) -> str:
    """«1 234 567» roubles (no kopecks on the pages), «—» for nothing."""
    if value is None or value == "":
        return "—"
    return number_format(round(Decimal(value)), 0, force_grouping=True)


@register.filter
def rub_signed(value) -> str:
    if value is None:
        return "—"
    text = rub(abs(Decimal(value)))
    if value < 0:
        return MINUS + text
    return ("+" + text) if value > 0 else text


@register.filter
def share(value) -> str:
    if value is None:
        return "—"
    return _("%(number)s %%") % {"number": number_format(round(float(value) * 100, 1), 1)}


@register.filter
def div(value, other):
    return float(value) / float(other) if other else None


@register.filter
def month_name(month: int) -> str:
    return date_format(dt.date(2000, int(month), 1), "F")
