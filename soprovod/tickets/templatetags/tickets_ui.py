"""Formatting of SLA times on the ticket pages: ``{% load tickets_ui %}``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soprovod.sla.models import ClockStatus, Metric
from soprovod.tickets.models import Ticket

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """Business seconds as hours and minutes, sign dropped: ``3 h 05 min``, ``45 min``.
    The template says whether it is time left or time overdue."""
    if seconds is None:
        return "—"
    minutes = abs(int(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@register.filter
def elapsed(value: dt.timedelta | None) -> str:
    """A calendar wait (the time to acknowledge an escalation): ``2 d 3 h``, ``3 h 05 min``."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": rest // 3600}
    return duration(rest)


@register.filter
def department_time(value: dt.datetime | None) -> str:
    """An instant in the department's time zone (Europe/Moscow), ``dd.mm.yyyy HH:MM``."""
    if value is None:
        return "—"
    return timezone.localtime(value, ZoneInfo(settings.TIME_ZONE)).strftime("%d.%m.%Y %H:%M")


@register.filter
def datetime_local(value: dt.datetime | None) -> str:
    """The value of an ``<input type="datetime-local">`` in the department's time zone."""
    if value is None:
        return ""
    return timezone.localtime(value, ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%dT%H:%M")


@register.filter
def is_negative(value) -> bool:
    return value is not None and value < 0


@register.filter
def sla_label(status: str) -> str:
    """The label of a clock status (``met``, ``breached``, ``pending``)."""
    return str(ClockStatus(status).label) if status in ClockStatus.values else "—"


@register.filter
def metric_label(metric: str) -> str:
    return str(Metric(metric).label) if metric in Metric.values else ""


_CHANGE_LABELS = {
    "resolution_due": gettext_lazy("Resolution due"),
    "escalation": gettext_lazy("Escalation"),
    "csat": gettext_lazy("CSAT"),
    "macro": gettext_lazy("Macro"),
    "rule": gettext_lazy("Routing rule"),
    "tags": gettext_lazy("Tags"),
    "watchers": gettext_lazy("Watchers"),
    "notified": gettext_lazy("Notified"),
}


# What an «other» audit event on a ticket was, named by what it changed (never «action»).
_OTHER_ACTIONS = {
    "escalation": gettext_lazy("escalation"),
    "resolution_due": gettext_lazy("resolution due time extended"),
    "csat": gettext_lazy("client's rating"),
    "macro": gettext_lazy("macro applied"),
    "rule": gettext_lazy("routing rule fired"),
}


@register.filter
def audit_action(event) -> str:
    """The event's kind for the ticket history: «эскалация», «продление срока решения»…"""
    if event.action == "other":
        for key in event.changes or {}:
            if key in _OTHER_ACTIONS:
                return str(_OTHER_ACTIONS[key])
    return event.get_action_display()


def _change_value(value):
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return department_time(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    return "—" if value in (None, "") else value


@register.filter
def change_label(name: str) -> str:
    """The label of a key of a change record (a ticket field or an event's own key)."""
    label = _CHANGE_LABELS.get(name)
    if label is None:
        try:
            label = Ticket._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            label = name
    return capfirst(str(label))


@register.filter
def audit_changes(event) -> list[tuple[str, object, object]]:
    """An audit event's ``{field: [old, new]}`` as (label, old, new) rows for a ticket page."""
    rows = []
    for name, pair in (event.changes or {}).items():
        label = _CHANGE_LABELS.get(name)
        if label is None:
            try:
                label = Ticket._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                label = name  # an unknown key is shown as it is
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append((capfirst(str(label)), _change_value(old), _change_value(new)))
    return rows
