"""The KPI pages' forms: the period chooser (query string, so a chosen period can be
bookmarked and shared) and the head's target form."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from soprovod.kpi.actions import do_set_kpi_target
from soprovod.kpi.engine import KpiDef, kpi_definitions
from soprovod.kpi.models import KpiTarget
from soprovod.lib.periods import Period, add_months, calendar_month

# ---- the period chooser --------------------------------------------------------------------

PERIOD_KINDS = [
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
    ("range", _("Dates")),
]
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class PeriodChoice:
    """A period as the user chose it: the kind (month, quarter, year, range) matters for
    its name, its query string and the previous/next links."""

    kind: str
    period: Period

    @classmethod
    def month(cls, year: int, month: int) -> PeriodChoice:
        return cls("month", calendar_month(dt.date(year, month, 1)))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> PeriodChoice:
        start = dt.date(year, 3 * quarter - 2, 1)
        return cls("quarter", Period(start, calendar_month(add_months(start, 2)).end))

    @classmethod
    def year(cls, year: int) -> PeriodChoice:
        return cls("year", Period(dt.date(year, 1, 1), dt.date(year, 12, 31)))

    @classmethod
    def default(cls, today: dt.date | None = None) -> PeriodChoice:
        """The last full month."""
        today = today or timezone.localdate()
        last = add_months(today, -1)
        return cls.month(last.year, last.month)

    @property
    def quarter_number(self) -> int:
        return (self.period.start.month - 1) // 3 + 1

    def query(self) -> dict[str, str]:
        start = self.period.start
        if self.kind == "month":
            return {"period": "month", "month": f"{start:%Y-%m}"}
        if self.kind == "quarter":
            return {"period": "quarter", "quarter": f"{start.year}-Q{self.quarter_number}"}
        if self.kind == "year":
            return {"period": "year", "year": str(start.year)}
        return {
            "period": "range",
            "from": start.isoformat(),
            "to": self.period.end.isoformat(),
        }

    def querystring(self) -> str:
        return urlencode(self.query())

    @property
    def label(self) -> str:
        start, end = self.period.start, self.period.end
        if self.kind == "month":
            return date_format(start, "F Y")
        if self.kind == "quarter":
            return gettext("Q%(quarter)s %(year)s") % {
                "quarter": self.quarter_number,
                "year": start.year,
            }
        if self.kind == "year":
            return str(start.year)
        return f"{date_format(start, 'j E Y')} – {date_format(end, 'j E Y')}"

    def shifted(self, step: int) -> PeriodChoice | None:
        """The previous (-1) or next (+1) month, quarter or year; None for a range."""
        start = self.period.start
        if self.kind == "month":
            moved = add_months(start, step)
            return PeriodChoice.month(moved.year, moved.month)
        if self.kind == "quarter":
            moved = add_months(start, 3 * step)
            return PeriodChoice.quarter(moved.year, (moved.month - 1) // 3 + 1)
        if self.kind == "year":
            return PeriodChoice.year(start.year + step)
        return None


class PeriodForm(forms.Form):
    """``?period=month&month=2026-10``, ``?period=quarter&quarter=2026-Q4``,
    ``?period=year&year=2026`` or ``?period=range&from=2026-10-01&to=2026-10-14``. Without a
    ``period`` the chooser shows the last full month."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, required=False)
    month = forms.CharField(label=_("Month"), required=False, max_length=7)
    quarter = forms.CharField(label=_("Quarter"), required=False, max_length=7)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two are added by name.
        self.fields["from"] = forms.DateField(label=_("From"), required=False)
        self.fields["to"] = forms.DateField(label=_("To"), required=False)
        self.today = today

    def clean(self):
        data = super().clean()
        kind = data.get("period") or ""
        if self.errors:
            return data
        if kind == "month":
            match = MONTH_RE.match(data.get("month") or "")
            if not match or not 1 <= int(match[2]) <= 12 or not self._year_ok(int(match[1])):
                self.add_error("month", _("Choose a month as YYYY-MM, e.g. 2026-10."))
            else:
                data["choice"] = PeriodChoice.month(int(match[1]), int(match[2]))
        elif kind == "quarter":
            match = QUARTER_RE.match((data.get("quarter") or "").strip())
            if not match or not self._year_ok(int(match[1])):
                self.add_error("quarter", _("Choose a quarter as YYYY-Qn, e.g. 2026-Q4."))
            else:
                data["choice"] = PeriodChoice.quarter(int(match[1]), int(match[2]))
        elif kind == "year":
            if not data.get("year"):
                self.add_error("year", _("Choose a year."))
            else:
                data["choice"] = PeriodChoice.year(data["year"])
        elif kind == "range":
            start, end = data.get("from"), data.get("to")
            if not start or not end:
                self.add_error("from" if not start else "to", _("Choose both dates."))
            elif end < start:
                self.add_error("to", _("The period ends before it starts."))
            elif not (self._year_ok(start.year) and self._year_ok(end.year)):
                self.add_error("from", _("Choose dates between 2000 and 2100."))
            else:
                data["choice"] = PeriodChoice("range", Period(start, end))
        else:
            data["choice"] = PeriodChoice.default(self.today)
        return data

    @staticmethod
    def _year_ok(year: int) -> bool:
        return FIRST_YEAR <= year <= LAST_YEAR

    def choice(self) -> PeriodChoice:
        """The chosen period; the last full month when the input is wrong (the form then
        carries the errors to show)."""
        if self.is_valid():
            return self.cleaned_data["choice"]
        return PeriodChoice.default(self.today)


# ---- targets -----------------------------------------------------------------------------


def definitions_by_key() -> dict[str, KpiDef]:
    return {definition.key: definition for definition in kpi_definitions()}


class KpiTargetForm(forms.Form):
    """A target for one KPI from a date on. Shares are entered in per cent (95 for 95 %)."""

    target = forms.DecimalField(label=_("Target"), max_digits=12, decimal_places=4, localize=True)
    comparison = forms.ChoiceField(label=_("Comparison"), choices=KpiTarget.Comparison.choices)
    valid_from = forms.DateField(
        label=_("In force from"),
        help_text=_("It applies to periods that start on or after this date."),
    )

    def __init__(self, *args, definition: KpiDef, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        if self.in_percent:
            self.fields["target"].label = _("Target, %")

    @property
    def in_percent(self) -> bool:
        return self.definition.unit == "share"

    @classmethod
    def initial_for(cls, definition: KpiDef, current: tuple[float, str] | None) -> dict:
        target, comparison = current or (definition.target, definition.comparison)
        if target is not None and definition.unit == "share":
            target = round(target * 100, 4)
        if comparison is None:  # an informational KPI: times are better short
            comparison = (
                KpiTarget.Comparison.AT_MOST
                if definition.unit in ("minutes", "hours")
                else KpiTarget.Comparison.AT_LEAST
            )
        return {
            "target": target,
            "comparison": comparison,
            "valid_from": timezone.localdate().replace(day=1),
        }

    def clean_target(self):
        value = float(self.cleaned_data["target"])
        return value / 100 if self.in_percent else value

    def save(self, actor) -> KpiTarget:
        """Write the target through `actions.do_set_kpi_target`."""
        data = self.cleaned_data
        return do_set_kpi_target(
            actor,
            self.definition.key,
            target=data["target"],
            comparison=data["comparison"],
            valid_from=data["valid_from"],
        )
