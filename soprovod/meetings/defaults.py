"""The two weekly meetings of the job description, installed once (a data migration): the
team meeting on Monday morning and the meeting with the heads of sales and development on
Wednesday. The head sets the chair, the participants and the times on the series page."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from soprovod.meetings.models import MeetingKind, Weekday

TEAM_SECTIONS = [
    "action_items",
    "sla_breaches",
    "emergencies",
    "breaching_soon",
    "at_risk_clients",
    "health_drops",
    "claims_near_deadline",
    "overdue_handoffs",
    "overdue_dev_requests",
    "overdue_project_tasks",
]
CROSS_SECTIONS = [
    "action_items",
    "emergencies",
    "at_risk_clients",
    "health_drops",
    "claims_near_deadline",
    "overdue_handoffs",
    "overdue_dev_requests",
]


def default_series() -> list[dict]:
    """The two series, in the interface's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return [
            {
                "kind": MeetingKind.TEAM,
                "title": _("Team meeting"),
                "weekday": Weekday.MONDAY,
                "start_time": dt.time(10, 0),
                "duration_minutes": 45,
                "sections": TEAM_SECTIONS,
                "minutes_template": _(
                    "1. Last week: SLA, emergencies, escalations\n"
                    "2. This week's queue and who covers what\n"
                    "3. Clients at risk\n"
                    "4. Projects and hand-offs\n"
                    "5. Decisions\n"
                ),
            },
            {
                "kind": MeetingKind.CROSS,
                "title": _("Meeting with sales and development"),
                "weekday": Weekday.WEDNESDAY,
                "start_time": dt.time(11, 0),
                "duration_minutes": 60,
                "sections": CROSS_SECTIONS,
                "minutes_template": _(
                    "1. Hand-offs from sales\n"
                    "2. Requests to development: decisions and release dates\n"
                    "3. Clients at risk and what each department does\n"
                    "4. Decisions\n"
                ),
            },
        ]


def install_default_series(series_model) -> None:
    """Create the series that do not exist yet (by kind)."""
    for values in default_series():
        kind = values.pop("kind")
        series_model.objects.get_or_create(kind=kind, defaults=values)
