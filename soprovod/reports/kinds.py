"""The kinds of report and their periods as the CLI, the archive and people write them."""

from __future__ import annotations

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from soprovod.lib.periods import Period, parse_month, parse_quarter, parse_year


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", gettext_lazy("Monthly")
    QUARTERLY = "quarterly", gettext_lazy("Quarterly")
    ANNUAL = "annual", gettext_lazy("Annual")


# ---- periods -----------------------------------------------------------------------------


PERIOD_PARSERS = {
    ReportKind.MONTHLY: parse_month,
    ReportKind.QUARTERLY: parse_quarter,
    ReportKind.ANNUAL: parse_year,
}


def parse_period(kind: str, text: str) -> Period:
    """The period of a ``kind`` report written as in the CLI (``2026-10``, ``2026-Q4``, ``2026``)."""
    return PERIOD_PARSERS[ReportKind(kind)](text)


def period_code(kind: str, period: Period) -> str:
    """The period as the CLI writes it: ``2026-10``, ``2026-Q4``, ``2026``."""
    if kind == ReportKind.MONTHLY:
        return f"{period.start:%Y-%m}"
    if kind == ReportKind.QUARTERLY:
        return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
    return f"{period.start.year}"


def period_label(kind: str, period: Period) -> str:
    """The period for people, in the active language: «October 2026», «Q4 2026», «2026»."""
    if kind == ReportKind.MONTHLY:
        return formats.date_format(period.start, "F Y")
    if kind == ReportKind.QUARTERLY:
        return _("Q%(quarter)d %(year)d") % {
            "quarter": (period.start.month - 1) // 3 + 1,
            "year": period.start.year,
        }
    return str(period.start.year)


# A month's name inside a sentence, after «for» (Russian «за ноябрь», lower case, the
# accusative), unlike the «F» date format's capitalised nominative («Ноябрь»).
MONTHS_IN_TEXT = (
    pgettext_lazy("month in a sentence: a report for", "January"),
    pgettext_lazy("month in a sentence: a report for", "February"),
    pgettext_lazy("month in a sentence: a report for", "March"),
    pgettext_lazy("month in a sentence: a report for", "April"),
    pgettext_lazy("month in a sentence: a report for", "May"),
    pgettext_lazy("month in a sentence: a report for", "June"),
    pgettext_lazy("month in a sentence: a report for", "July"),
    pgettext_lazy("month in a sentence: a report for", "August"),
    pgettext_lazy("month in a sentence: a report for", "September"),
    pgettext_lazy("month in a sentence: a report for", "October"),
    pgettext_lazy("month in a sentence: a report for", "November"),
    pgettext_lazy("month in a sentence: a report for", "December"),
)


def period_in_text(kind: str, period: Period) -> str:
    """The period inside a sentence, after «for»: «за ноябрь 2026», «за 4 кв. 2026», «за 2026 год»."""
    if kind == ReportKind.MONTHLY:
        return f"{MONTHS_IN_TEXT[period.start.month - 1]} {period.start.year}"
    if kind == ReportKind.ANNUAL:
        return _("the year %(year)d") % {"year": period.start.year}
    return period_label(kind, period)


REPORT_TITLES = {
    ReportKind.MONTHLY: gettext_lazy("Monthly report of the support department"),
    ReportKind.QUARTERLY: gettext_lazy("Quarterly report of the support department"),
    ReportKind.ANNUAL: gettext_lazy("Annual report of the support department"),
}
