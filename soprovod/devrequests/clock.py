"""The agreement clock of a request to development (kpi.md «dev_request.on_time»): 48 hours
by default, in calendar time unless settings name a work calendar, computed by the SLA
engine (`soprovod.lib.businesstime` through `soprovod.sla.calendars`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import WorkCalendar
from soprovod.tickets.sla_checker import warning_budget

# As the ticket SLA warnings (sla.md «Warnings and escalations»): at 80 % of the time.
WARNING_RATIO = Decimal("0.80")


class ClockSettingsError(ValueError):
    """``DEV_REQUEST_CLOCK`` names a calendar that does not exist."""


def agreement_seconds() -> int:
    return settings.DEV_REQUEST_AGREEMENT_HOURS * 3600


def agreement_calendar() -> WorkCalendar | None:
    """The calendar the clock runs on: None for calendar time (``DEV_REQUEST_CLOCK`` =
    ``calendar``), the department's default for ``business``, else the one of that name."""
    mode = settings.DEV_REQUEST_CLOCK.strip()
    if mode in ("", "calendar"):
        return None
    calendars = WorkCalendar.objects.all()
    found = (
        calendars.filter(is_default=True).first()
        if mode == "business"
        else calendars.filter(name=mode).first()
    )
    if found is None:
        raise ClockSettingsError(
            _("DEV_REQUEST_CLOCK names no work calendar: %(name)s") % {"name": mode}
        )
    return found


def add(calendar: WorkCalendar | None, start: dt.datetime, seconds: int) -> dt.datetime:
    """``start`` plus ``seconds`` of clock time."""
    if calendar is None:
        return start + dt.timedelta(seconds=seconds)
    return business_calendar(calendar).add_seconds(start, seconds)


def between(calendar: WorkCalendar | None, start: dt.datetime, end: dt.datetime) -> int:
    """Clock seconds from ``start`` to ``end``."""
    if calendar is None:
        return max(0, int((end - start).total_seconds()))
    return business_calendar(calendar).between_seconds(start, end)


def deadlines(
    calendar: WorkCalendar | None, start: dt.datetime, seconds: int | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """(warning instant, due time) of a clock of ``seconds`` (the configured agreement time)
    started at ``start``."""
    seconds = agreement_seconds() if seconds is None else seconds
    return (
        add(calendar, start, warning_budget(seconds, WARNING_RATIO)),
        add(calendar, start, seconds),
    )
