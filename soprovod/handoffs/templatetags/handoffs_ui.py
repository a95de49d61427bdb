"""Formatting for the hand-off pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A span of time as «1 d 5 h 12 min» (days only when there are any)."""
    if value is None:
        return "—"
    minutes = int(abs(value.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(_("%(days)s d") % {"days": days})
    if days or hours:
        parts.append(_("%(hours)s h") % {"hours": hours})
    parts.append(_("%(minutes)s min") % {"minutes": minutes})
    return " ".join(parts)
