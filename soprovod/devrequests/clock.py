"""The agreement clock of a request to development (kpi.md «dev_request.on_time»): 48 hours
by default, in calendar time unless settings name a work calendar, computed by the SLA
engine (`soprovod.lib.businesstime` through `soprovod.sla.calendars`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from soprovod.sla import agreement
from soprovod.sla.agreement import add, between
from soprovod.sla.models import WorkCalendar

# As the ticket SLA warnings (sla.md «Warnings and escalations»): at 80 % of the time.
WARNING_PERCENT = 80

__all__ = ["add", "agreement_calendar", "agreement_seconds", "between", "deadlines"]


class ClockSettingsError(ValueError):
    """``DEV_REQUEST_CLOCK`` names a calendar that does not exist."""


def agreement_seconds() -> int:
    return settings.DEV_REQUEST_AGREEMENT_HOURS * 3600


def agreement_calendar() -> WorkCalendar | None:
    """The calendar the clock runs on: None for calendar time (``DEV_REQUEST_CLOCK`` =
    ``calendar``), the department's default for ``business``, else the one of that name."""
    mode = settings.DEV_REQUEST_CLOCK.strip()
    try:
        return agreement.work_calendar("" if mode == "calendar" else mode, default_word="business")
    except LookupError:
        raise ClockSettingsError(
            _("DEV_REQUEST_CLOCK names no work calendar: %(name)s") % {"name": mode}
        ) from None


def deadlines(
    calendar: WorkCalendar | None, start: dt.datetime, seconds: int | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """(warning instant, due time) of a clock of ``seconds`` (the configured agreement time)
    started at ``start``."""
    seconds = agreement_seconds() if seconds is None else seconds
    return agreement.deadlines(calendar, start, seconds, WARNING_PERCENT)
