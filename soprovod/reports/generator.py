"""The report's data, built once and rendered three ways (style.md: generator + formatter).

`build_report_data` reads everything a report shows — the KPI document of the period, the
12-month trends, the breakdowns by type, assignee, client and category, and the head's
commentary — into one `ReportData`. The HTML page and PDF (``pdf.py``) and the workbook
(``xlsx.py``) only lay it out; none of them queries or computes a figure. Every figure comes
from the KPI engine (``soprovod.kpi.engine``) or its breakdowns (``soprovod.kpi.breakdowns``).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soprovod.knowledge import queries as knowledge_queries
from soprovod.kpi import breakdowns, charts
from soprovod.kpi.engine import KpiDocument, KpiValue, compute, kpi_definitions
from soprovod.lib.periods import Period
from soprovod.reports import desk, escalations, review
from soprovod.reports.kinds import REPORT_TITLES, ReportKind, period_label
from soprovod.tickets.models import Escalation

# ---- values and how they read ------------------------------------------------------------
# Formatting is the dashboard's (`soprovod.kpi.charts`), so a figure reads the same on the
# screen, on paper and in the mail.


def format_value(value: Any, unit: str, *, signed: bool = False) -> str:
    if unit == "text":
        return "—" if value is None else str(value)
    return charts.format_value(value, unit, signed=signed)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    unit: str = "text"  # text | count | share | minutes | hours | score | per_month


@dataclass
class Cell:
    value: Any
    unit: str

    @property
    def display(self) -> str:
        return format_value(self.value, self.unit)

    @property
    def is_number(self) -> bool:
        return self.unit != "text"


@dataclass
class Table:
    """A section's table: the HTML/PDF and the workbook lay out the same columns and rows."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]  # raw values in column order: numbers, text, None
    note: str = ""

    # Rows a page shows (the largest groups come first); the workbook has them all.
    PAGE_ROWS = 40

    def cells(self, limit: int | None = None) -> list[list[Cell]]:
        rows = self.rows if limit is None else self.rows[:limit]
        return [
            [Cell(value, column.unit) for value, column in zip(row, self.columns, strict=True)]
            for row in rows
        ]

    @property
    def page_cells(self) -> list[list[Cell]]:
        return self.cells(self.PAGE_ROWS)

    @property
    def rows_not_shown(self) -> int:
        return max(0, len(self.rows) - self.PAGE_ROWS)


@dataclass
class KpiSection:
    key: str
    title: str
    kpis: list[KpiRow]


@dataclass
class KpiRow:
    kpi: KpiValue

    @property
    def value_display(self) -> str:
        return format_value(self.kpi.value, self.kpi.unit, signed=self.kpi.key.endswith(".change"))

    @property
    def target_display(self) -> str:
        return charts.format_target(self.kpi) or "—"

    @property
    def basis(self) -> str:
        """What the figure came from: «481 of 500», «37 tickets»."""
        return charts.format_detail(self.kpi)

    @property
    def light(self) -> str:
        """The traffic light's class: ``met``, ``missed``, ``none`` (no data), ``info``."""
        return charts.light(self.kpi)[0]

    @property
    def light_words(self) -> str:
        return charts.light(self.kpi)[1]


def svg_data_uri(svg: str) -> str:
    """An SVG as an ``<img>`` source: the same in the browser and in WeasyPrint."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@dataclass
class TrendLine:
    key: str
    title: str
    unit: str
    values: list[float | None]

    def cells(self) -> list[Cell]:
        return [Cell(value, self.unit) for value in self.values]


@dataclass
class Trends:
    """The monthly series of `TREND_KEYS` over the 12 months ending with the period."""

    months: list[dt.date]
    lines: list[TrendLine]
    charts: list[charts.Chart] = field(default_factory=list)

    @property
    def chart_images(self) -> list[tuple[str, str]]:
        """(title, ``data:`` URI) of each chart."""
        return [(chart.title, svg_data_uri(str(chart.svg))) for chart in self.charts]

    @property
    def month_labels(self) -> list[str]:
        return [formats.date_format(month, "M Y") for month in self.months]

    def as_table(self) -> Table:
        """Months down, one column per KPI: the shape a spreadsheet charts from."""
        columns = [Column("month", _("Month"), "text")] + [
            Column(line.key, line.title, line.unit) for line in self.lines
        ]
        rows = [
            [f"{month:%Y-%m}"] + [line.values[i] for line in self.lines]
            for i, month in enumerate(self.months)
        ]
        return Table("trends", _("Trends over 12 months"), columns, rows)


@dataclass
class ReportData:
    kind: str
    period: Period
    title: str
    period_label: str
    language: str
    generated_at: dt.datetime
    document: KpiDocument
    kpi_sections: list[KpiSection]
    trends: Trends | None
    breakdowns: list[Table]
    commentary: str
    # Further sections, each a table, after the breakdowns (the monthly escalations...).
    sections: list[Table] = field(default_factory=list)
    # Quarterly and annual reports (issue 12): strategic KPIs, budget, team, escalations...
    review_sections: list[review.ReviewSection] = field(default_factory=list)

    def kpi(self, key: str) -> KpiValue | None:
        return self.document.get(key)

    @property
    def summary(self) -> dict[str, int]:
        """How many KPIs with a target were met, missed, or had no data."""
        counted = [k for k in self.document.kpis if k.target is not None]
        return {
            "met": sum(1 for k in counted if k.met is True),
            "missed": sum(1 for k in counted if k.met is False),
            "no_data": sum(1 for k in counted if k.met is None),
        }

    @property
    def generated_at_display(self) -> str:
        return formats.date_format(timezone.localtime(self.generated_at), "DATETIME_FORMAT")


# ---- the sections ------------------------------------------------------------------------

_GROUP_TITLES = {
    "sla": gettext_lazy("SLA"),
    "times": gettext_lazy("Response and resolution times"),
    "quality": gettext_lazy("Quality"),
    "clients": gettext_lazy("Clients"),
    "coordination": gettext_lazy("Coordination with other departments"),
    "team": gettext_lazy("Team and budget"),
    "strategic": gettext_lazy("Strategic KPIs"),
}

# The KPIs whose last 12 months a report shows: the dashboard's charts, and the portfolio.
TREND_KEYS = (*charts.CHART_KEYS, "portfolio.active_clients")

BREAKDOWNS = (
    ("type", gettext_lazy("By ticket type"), gettext_lazy("Type")),
    ("assignee", gettext_lazy("By assignee"), gettext_lazy("Assignee")),
    ("client", gettext_lazy("By client"), gettext_lazy("Client")),
    ("category", gettext_lazy("By category"), gettext_lazy("Category")),
)


def _kpi_sections(document: KpiDocument) -> list[KpiSection]:
    sections: dict[str, KpiSection] = {}
    for kpi in document.kpis:
        group = kpi.group or "other"
        if group not in sections:
            sections[group] = KpiSection(group, str(_GROUP_TITLES.get(group, group)), [])
        sections[group].kpis.append(KpiRow(kpi))
    return list(sections.values())


def _trends(period: Period, document: KpiDocument, now: dt.datetime) -> Trends:
    """The 12 months ending with the period's last month (the whole year of an annual
    report), as a table and as the dashboard's charts."""
    series = breakdowns.trend(TREND_KEYS, period.end, 12, now=now)
    definitions = {d.key: d for d in kpi_definitions()}
    lines = [
        TrendLine(
            key,
            str(definitions[key].title),
            definitions[key].unit,
            [value for _month, value in series[key]],
        )
        for key in TREND_KEYS
    ]
    months = [month for month, _value in series[TREND_KEYS[0]]]
    return Trends(months=months, lines=lines, charts=charts.dashboard_charts(series, document))


def _breakdown_tables(period: Period, now: dt.datetime) -> list[Table]:
    tables = []
    for by, title, group_title in BREAKDOWNS:
        columns = [
            Column("label", str(group_title)),
            Column("created", _("Tickets"), "count"),
            Column("met", _("SLA met"), "count"),
            Column("breached", _("SLA breached"), "count"),
            Column("sla_compliance", _("SLA compliance"), "share"),
            Column("first_response_median", _("Response time, median"), "minutes"),
            Column("resolution_median", _("Resolution time, median"), "minutes"),
            Column("repeats", _("Repeat tickets"), "count"),
            Column("repeat_rate", _("Share of repeats"), "share"),
            Column("csat", _("CSAT"), "score"),
            Column("csat_count", _("Ratings"), "count"),
        ]
        rows = [
            [getattr(row, column.key) for column in columns]
            for row in breakdowns.breakdown(period, by, now=now)
        ]
        tables.append(Table(f"by_{by}", str(title), columns, rows))
    return tables


def _escalation_tables(period: Period) -> list[Table]:
    """Escalations and their outcomes (issue 12): the counts per level, then each one."""
    summary = escalations.escalation_summary(period)
    columns = [
        Column("level", _("Escalated to")),
        Column("raised", _("Raised"), "count"),
        Column("acknowledged", _("Acknowledged"), "count"),
        Column("resolved", _("Resolved"), "count"),
        Column("resolved_in_period", _("Resolved in the period"), "count"),
        Column("ack_median", _("Time to acknowledge, median"), "minutes"),
    ]
    labels = {**dict(Escalation.Level.choices), "total": _("Total")}
    rows = [
        [str(labels[level])] + [summary[level][column.key] for column in columns[1:]]
        for level in [*Escalation.Level.values, "total"]
    ]
    outcome_columns = [
        Column("raised_at", _("Raised")),
        Column("level", _("Escalated to")),
        Column("about", _("About")),
        Column("reason", _("Reason")),
        Column("status", _("Status")),
        Column("ack", _("Time to acknowledge"), "minutes"),
        Column("decision", _("Decision")),
    ]
    outcomes = [
        [row[column.key] for column in outcome_columns]
        for row in escalations.escalation_rows(period)
    ]
    return [
        Table("escalations", _("Escalations"), columns, rows),
        Table(
            "escalation_outcomes",
            _("Escalations and their outcomes"),
            outcome_columns,
            outcomes,
            note=_("No escalations in this period."),
        ),
    ]


def _knowledge_tables(period: Period) -> list[Table]:
    """The knowledge base (issue 15): per client article, the clients it answered without a
    ticket (deflections: «This helped» under a suggestion in the portal) and the tickets it
    was linked to in the period."""
    columns = [
        Column("title", _("Article")),
        Column("category", _("Category")),
        Column("deflections", _("Helped without a ticket"), "count"),
        Column("links", _("Linked to tickets"), "count"),
    ]
    rows = [
        [row["title"], row["category__name"], row["deflections_in"], row["links_in"]]
        for row in knowledge_queries.deflections_by_article(period)
    ]
    total = ["", str(_("Total")), sum(r[2] for r in rows), sum(r[3] for r in rows)]
    return [
        Table(
            "knowledge",
            _("Knowledge base: deflected tickets"),
            columns,
            [*rows, total] if rows else [],
            note=_("No client found an answer in the articles in this period."),
        )
    ]


def build_report_data(
    kind: str,
    period: Period,
    *,
    commentary: str = "",
    section_commentary: dict[str, str] | None = None,
    now: dt.datetime | None = None,
    language: str | None = None,
) -> ReportData:
    """Everything a ``kind`` report of ``period`` shows, in ``language`` (Russian by
    default, settings.LANGUAGE_CODE)."""
    now = now or timezone.now()
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        document = compute(period, now=now)
        return ReportData(
            kind=kind,
            period=period,
            title=str(REPORT_TITLES[ReportKind(kind)]),
            period_label=period_label(kind, period),
            language=language,
            generated_at=now,
            document=document,
            kpi_sections=_kpi_sections(document),
            trends=_trends(period, document, now),
            breakdowns=_breakdown_tables(period, now),
            commentary=commentary,
            sections=[
                *_escalation_tables(period),
                *desk.monthly_tables(period, table=Table, column=Column),
                *_knowledge_tables(period),
            ]
            if kind == ReportKind.MONTHLY
            else desk.quarterly_tables(period, table=Table, column=Column)
            if kind == ReportKind.QUARTERLY
            else [],
            review_sections=review.build_review_sections(
                kind, period, now, section_commentary or {}, table=Table, column=Column
            ),
        )
