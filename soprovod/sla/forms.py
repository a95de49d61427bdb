"""Forms of the SLA pages. They parse and validate what people type; the writes, and the
final checks, happen in ``soprovod.sla.actions``."""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import validate_timezone
from soprovod.core.forms import CsvUploadForm
from soprovod.sla import actions
from soprovod.sla.models import (
    CalendarDay,
    Metric,
    PolicyRule,
    SlaPolicy,
    SlaTarget,
    TicketType,
    WorkCalendar,
)

# "9:00-13:00, 14:00-18:00": a hyphen or a dash between the times, intervals separated by
# commas, semicolons or spaces.
_INTERVAL = re.compile(
    r"\s*([0-9]{1,2})[:.]([0-9]{2})\s*[-\u2013\u2014]\s*([0-9]{1,2})[:.]([0-9]{2})"
)
_SEPARATOR = re.compile(r"[\s,;]*")


def parse_day_hours(text: str) -> list[list[str]]:
    """``"9:00–13:00, 14:00–18:00"`` → ``[["09:00", "13:00"], ["14:00", "18:00"]]``;
    an empty text is a day off. The times are checked by `actions.validate_intervals`."""
    intervals: list[list[str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _INTERVAL.match(text, position)
        if match is None:
            raise ValidationError(
                _("Write the hours as 09:00–18:00, several intervals separated by commas.")
            )
        h1, m1, h2, m2 = match.groups()
        intervals.append([f"{int(h1):02d}:{m1}", f"{int(h2):02d}:{m2}"])
        position = _SEPARATOR.match(text, match.end()).end()
    return actions.validate_intervals(intervals)


class HoursField(forms.CharField):
    """One day's working intervals typed as text."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return actions.format_intervals(value)
        return value

    def clean(self, value: Any) -> list[list[str]]:
        return parse_day_hours(super().clean(value) or "")


class CalendarForm(forms.Form):
    """The calendar's settings: name, time zone, weekly hours (several intervals a day,
    e.g. a lunch break) and the hours of a working day off."""

    name = forms.CharField(label=_("Name"), max_length=200)
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        validators=[validate_timezone],
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
        help_text=_("An IANA time zone, e.g. Europe/Moscow or Asia/Yekaterinburg."),
    )
    working_day_hours = HoursField(
        label=_("Hours of a working Saturday"),
        help_text=_("For days made working by a transfer. Empty: Friday's hours."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Optional; kept in the change history."),
    )

    def __init__(self, *args: Any, calendar: WorkCalendar, **kwargs: Any) -> None:
        weekly = calendar.weekly_hours or {}
        initial = {
            "name": calendar.name,
            "timezone": calendar.timezone,
            "working_day_hours": calendar.working_day_hours or [],
            "version": calendar.version,
            **{f"day_{day}": weekly.get(str(day), []) for day in range(7)},
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.calendar = calendar
        if calendar.is_24x7:
            del self.fields["working_day_hours"]
            return
        for day in range(7):
            self.fields[f"day_{day}"] = HoursField(
                label=WEEKDAYS[day],
                help_text=_("Empty: a day off.") if day == 6 else "",
            )

    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"day_{day}"] for day in range(7) if f"day_{day}" in self.fields]

    def other_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in ("name", "timezone", "working_day_hours", "reason")
            if name in self.fields
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.calendar.is_24x7 or any(
            name in self.errors for name in (f"day_{day}" for day in range(7))
        ):
            return cleaned
        if not any(cleaned.get(f"day_{day}") for day in range(7)):
            raise ValidationError(_("The week needs working hours on at least one day."))
        return cleaned

    def values(self) -> dict[str, Any]:
        """The calendar settings to hand to `actions.do_update_calendar`."""
        data = self.cleaned_data
        values = {"name": data["name"], "timezone": data["timezone"]}
        if not self.calendar.is_24x7:
            values["weekly_hours"] = {
                str(day): data[f"day_{day}"] for day in range(7) if data[f"day_{day}"]
            }
            values["working_day_hours"] = data["working_day_hours"]
        return values


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # The browser's date picker sends and expects ISO dates whatever the language.
        super().__init__(attrs, format="%Y-%m-%d")


class CalendarDayForm(forms.Form):
    """Add a dated override or change one (the date is the key)."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind of day"), choices=CalendarDay.Kind.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("E.g. the holiday's name or the decree that moved the day."),
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not actions.FIRST_DATA_YEAR <= day.year <= actions.LAST_DATA_YEAR:
            raise ValidationError(
                _("Only dates from %(first)s to %(last)s are accepted.")
                % {"first": actions.FIRST_DATA_YEAR, "last": actions.LAST_DATA_YEAR}
            )
        return day


class CalendarImportForm(CsvUploadForm):
    max_bytes = 1024 * 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Columns date and kind; an optional note column.")
        self.fields["dry_run"].label = _(
            "Dry run: check the file and show what would change, save nothing"
        )
        self.fields["dry_run"].initial = False


# ---- policies ----------------------------------------------------------------------------

# The grid of a policy page: every ticket type with both metrics, in this order.
TARGET_KEYS = [
    (ticket_type, metric)
    for ticket_type in TicketType.values
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
]
MINUTES_PER_DAY = 24 * 60


def _prefix(ticket_type: str, metric: str) -> str:
    return f"{ticket_type}-{metric}"


class PolicyForm(forms.Form):
    """The warning threshold and, for each ticket type and metric, the target in business
    hours and minutes on a calendar, the ceiling in calendar days and hours (resolution
    only) and whether a breach goes to the CEO. An empty target stops measuring the
    metric."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Name: enter the policy's name.")},
    )
    warning_percent = forms.IntegerField(
        label=_("Warning threshold, %"),
        min_value=10,
        max_value=99,
        help_text=_("Share of the allowed time after which the assignee is warned."),
        error_messages={
            "required": _("Warning threshold: enter a share from 10 to 99 percent."),
            "min_value": _("Warning threshold: enter a share from 10 to 99 percent."),
            "max_value": _("Warning threshold: enter a share from 10 to 99 percent."),
            "invalid": _("Warning threshold: enter a share from 10 to 99 percent."),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Optional; kept in the change history."),
    )

    def __init__(self, *args: Any, policy: SlaPolicy, targets: list[SlaTarget], **kwargs: Any):
        by_key = {(t.ticket_type, t.metric): t for t in targets}
        initial: dict[str, Any] = {
            "name": policy.name,
            "warning_percent": int(policy.warning_ratio * 100),
            "version": policy.version,
        }
        for key in TARGET_KEYS:
            target = by_key.get(key)
            prefix = _prefix(*key)
            if target is None:
                continue
            initial[f"{prefix}-calendar"] = target.calendar_id
            initial[f"{prefix}-hours"] = target.target_minutes // 60
            initial[f"{prefix}-minutes"] = target.target_minutes % 60
            initial[f"{prefix}-ceo"] = target.escalate_to_ceo
            if target.ceiling_minutes:
                initial[f"{prefix}-ceiling_days"] = target.ceiling_minutes // MINUTES_PER_DAY
                initial[f"{prefix}-ceiling_hours"] = target.ceiling_minutes % MINUTES_PER_DAY // 60
        super().__init__(*args, initial=initial, **kwargs)
        calendars = WorkCalendar.objects.all()
        for ticket_type, metric in TARGET_KEYS:
            prefix = _prefix(ticket_type, metric)
            self.fields[f"{prefix}-calendar"] = forms.ModelChoiceField(
                label=_("Calendar"), queryset=calendars, required=False
            )
            self.fields[f"{prefix}-hours"] = forms.IntegerField(
                label=_("hours"), min_value=0, max_value=10000, required=False
            )
            self.fields[f"{prefix}-minutes"] = forms.IntegerField(
                label=_("minutes"), min_value=0, max_value=59, required=False
            )
            if metric == Metric.RESOLUTION:
                self.fields[f"{prefix}-ceiling_days"] = forms.IntegerField(
                    label=_("days"), min_value=0, max_value=365, required=False
                )
                self.fields[f"{prefix}-ceiling_hours"] = forms.IntegerField(
                    label=_("hours"), min_value=0, max_value=23, required=False
                )
            self.fields[f"{prefix}-ceo"] = forms.BooleanField(
                label=_("Escalate a breach to the CEO"), required=False
            )
            # The grid shows the labels as column heads; screen readers get them per input.
            row_label = f"{TicketType(ticket_type).label}, {Metric(metric).label}"
            for name, field in self.fields.items():
                if name.startswith(prefix + "-"):
                    field.widget.attrs["aria-label"] = f"{row_label}: {field.label}"

    def rows(self) -> list[dict[str, Any]]:
        """One row per ticket type and metric, for the template."""
        rows = []
        for ticket_type, metric in TARGET_KEYS:
            prefix = _prefix(ticket_type, metric)
            rows.append(
                {
                    "type_label": TicketType(ticket_type).label,
                    "metric_label": Metric(metric).label,
                    "calendar": self[f"{prefix}-calendar"],
                    "hours": self[f"{prefix}-hours"],
                    "minutes": self[f"{prefix}-minutes"],
                    "ceiling_days": self[f"{prefix}-ceiling_days"]
                    if metric == Metric.RESOLUTION
                    else None,
                    "ceiling_hours": self[f"{prefix}-ceiling_hours"]
                    if metric == Metric.RESOLUTION
                    else None,
                    "ceo": self[f"{prefix}-ceo"],
                    "errors": self.row_errors.get(prefix, []),
                }
            )
        return rows

    @property
    def row_errors(self) -> dict[str, list[str]]:
        return getattr(self, "_row_errors", {})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._row_errors: dict[str, list[str]] = {}
        self.targets: dict[tuple[str, str], actions.TargetValues | None] = {}
        for ticket_type, metric in TARGET_KEYS:
            prefix = _prefix(ticket_type, metric)
            if any(name.startswith(prefix + "-") for name in self.errors):
                continue
            problems = self._row_errors.setdefault(prefix, [])
            hours = cleaned.get(f"{prefix}-hours")
            minutes = cleaned.get(f"{prefix}-minutes")
            days = cleaned.get(f"{prefix}-ceiling_days")
            ceiling_hours = cleaned.get(f"{prefix}-ceiling_hours")
            calendar = cleaned.get(f"{prefix}-calendar")
            has_ceiling = days is not None or ceiling_hours is not None
            if hours is None and minutes is None:
                if has_ceiling:
                    problems.append(str(_("A ceiling needs a target.")))
                self.targets[(ticket_type, metric)] = None
                continue
            target_minutes = (hours or 0) * 60 + (minutes or 0)
            if target_minutes < 1:
                problems.append(str(_("The target must be at least one minute.")))
            if calendar is None:
                problems.append(str(_("Choose the calendar the target is counted on.")))
            ceiling = (days or 0) * MINUTES_PER_DAY + (ceiling_hours or 0) * 60
            if has_ceiling and ceiling < 1:
                problems.append(str(_("The ceiling must be at least one hour.")))
            if not problems:
                self.targets[(ticket_type, metric)] = actions.TargetValues(
                    calendar=calendar,
                    target_minutes=target_minutes,
                    ceiling_minutes=ceiling or None,
                    escalate_to_ceo=cleaned.get(f"{prefix}-ceo", False),
                )
        if any(self._row_errors.values()):
            raise ValidationError(_("Some targets need correcting; see the rows marked below."))
        return cleaned

    def values(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data["name"],
            "warning_ratio": (Decimal(self.cleaned_data["warning_percent"]) / 100).quantize(
                Decimal("0.01")
            ),
        }


def assignable_policies():
    """Policies a rule may give: every policy not retired."""
    return SlaPolicy.objects.filter(retired_at__isnull=True).order_by("-is_default", "name")


class ClientPolicyForm(forms.Form):
    """The head gives a client its own policy, or leaves it to the rules."""

    policy = forms.ModelChoiceField(
        label=_("SLA policy"),
        queryset=SlaPolicy.objects.none(),
        required=False,
        empty_label=_("— by the tariff and segment rules —"),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Optional; kept in the change history."),
    )

    def __init__(self, *args: Any, client, **kwargs: Any) -> None:
        rule = PolicyRule.objects.filter(client=client).first()
        kwargs.setdefault("initial", {"policy": rule.policy_id if rule else None})
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = assignable_policies()
        self.fields["policy"].error_messages["invalid_choice"] = _(
            "SLA policy: choose one of the policies in the list (a retired one cannot be given)."
        )


class RuleForm(forms.Form):
    """A tariff or segment rule: every client with that tariff or segment gets the policy."""

    kind = forms.ChoiceField(
        label=_("Applies to"),
        choices=[
            (PolicyRule.Kind.TARIFF, PolicyRule.Kind.TARIFF.label),
            (PolicyRule.Kind.SEGMENT, PolicyRule.Kind.SEGMENT.label),
        ],
    )
    value = forms.CharField(
        label=_("Tariff or segment"),
        max_length=100,
        widget=forms.TextInput(attrs={"list": "rule-values", "autocomplete": "off"}),
        help_text=_("As written on the client's card; capital letters do not matter."),
        error_messages={
            "required": _("Tariff or segment: enter it as it is written on the client's card.")
        },
    )
    policy = forms.ModelChoiceField(
        label=_("SLA policy"),
        queryset=SlaPolicy.objects.none(),
        error_messages={
            "required": _("SLA policy: choose the policy these clients get."),
            "invalid_choice": _(
                "SLA policy: choose one of the policies in the list (a retired one cannot be "
                "given)."
            ),
        },
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Optional; kept in the change history."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = assignable_policies()


def time_zone_choices() -> list[str]:
    """Every IANA zone, for the suggestions of the time zone field."""
    return sorted(zoneinfo.available_timezones())
