"""The calendars and the SLA policy Soprovod ships with (sla.md «Default policy»).

The names are data (Russian, in ``data/defaults.json``); the head can rename and edit them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from soprovod.lib import prodcalendar

DEFAULTS_FILE = Path(__file__).resolve().parent / "data" / "defaults.json"


def install_defaults(apps) -> None:
    """Create the default calendars (with the shipped Russian production calendar) and the
    default policy if there is no default policy yet. Works with historical models too."""
    WorkCalendar = apps.get_model("sla", "WorkCalendar")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    if SlaPolicy.objects.filter(is_default=True).exists():
        return
    data = json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    calendars = {}
    for spec in data["calendars"]:
        calendar, _created = WorkCalendar.objects.get_or_create(
            name=spec["name"],
            defaults={
                "timezone": spec["timezone"],
                "is_24x7": spec["is_24x7"],
                "russian_fallback": spec["russian_fallback"],
                "is_default": spec["is_default"],
            },
        )
        calendars[spec["key"]] = calendar
        if spec["russian_fallback"] and not CalendarDay.objects.filter(calendar=calendar).exists():
            CalendarDay.objects.bulk_create(
                CalendarDay(calendar=calendar, date=day, kind=kind)
                for year in prodcalendar.available_ru_years()
                for day, kind in sorted(prodcalendar.load_ru_overrides(year).items())
            )
    policy = SlaPolicy.objects.create(
        name=data["policy"]["name"],
        is_default=True,
        warning_ratio=Decimal(data["policy"]["warning_ratio"]),
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            ticket_type=t["ticket_type"],
            metric=t["metric"],
            calendar=calendars[t["calendar"]],
            target_minutes=t["target_minutes"],
            ceiling_minutes=t["ceiling_minutes"],
            escalate_to_ceo=t["escalate_to_ceo"],
        )
        for t in data["policy"]["targets"]
    )
