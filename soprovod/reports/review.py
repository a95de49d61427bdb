"""The quarterly and annual reviews' own sections (issue 12), added to the monthly figures:
strategic KPIs, budget execution, the team, escalations — and, in the annual report, each
person's evaluation (figures from the data and the head's grade and assessment) and the next
year's budget plan. Each section carries the head's commentary for it
(``Report.section_commentary``). Built once as `Table`s, laid out by the PDF and the
workbook like every other table of the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import SUPPORT_STAFF, Role
from soprovod.budget import queries as budget_queries
from soprovod.budget.models import BudgetCategory, VersionStatus
from soprovod.kpi import breakdowns
from soprovod.lib.periods import Period
from soprovod.reports.kinds import ReportKind
from soprovod.strategic import queries as strategic_queries
from soprovod.strategic.source import whole_quarters
from soprovod.tickets.models import Escalation

SECTION_TITLES = {
    "strategic": gettext_lazy("Strategic KPIs"),
    "budget": gettext_lazy("Budget execution"),
    "team": gettext_lazy("Team"),
    "escalations": gettext_lazy("Escalations"),
    "evaluation": gettext_lazy("The year's evaluation per person"),
    "next_budget": gettext_lazy("Next year's budget plan"),
}
QUARTERLY_SECTIONS = ("strategic", "budget", "team", "escalations")
ANNUAL_SECTIONS = (*QUARTERLY_SECTIONS, "evaluation", "next_budget")


def sections_of(kind: str) -> tuple[str, ...]:
    if kind == ReportKind.QUARTERLY:
        return QUARTERLY_SECTIONS
    if kind == ReportKind.ANNUAL:
        return ANNUAL_SECTIONS
    return ()


def people() -> list:
    """The department's people the evaluation covers (the support roles)."""
    return list(users_with_role(SUPPORT_STAFF))


@dataclass
class ReviewSection:
    key: str
    title: str
    tables: list  # of generator.Table
    commentary: str = ""
    note: str = ""


@dataclass
class _Builder:
    period: Period
    now: dt.datetime
    comments: dict[str, str]
    table: type  # generator.Table
    column: type  # generator.Column
    by_assignee: list = field(default_factory=list)

    def strategic(self) -> list:
        columns = [
            self.column("key", _("Key")),
            self.column("title", _("Strategic KPI")),
            self.column("quarter", _("Quarter")),
            self.column("plan", _("Plan"), "number"),
            self.column("fact", _("Fact"), "number"),
            self.column("execution", _("Fact ÷ plan"), "share"),
            self.column("comment", _("Comment")),
        ]
        rows = []
        quarters = whole_quarters(self.period)
        for year in sorted({y for y, _q in quarters}):
            for history in strategic_queries.year_history(year, now=self.now):
                for figure in history.quarters:
                    if (figure.year, figure.quarter) not in quarters:
                        continue
                    rows.append(
                        [
                            history.kpi.document_key,
                            history.kpi.title,
                            f"{figure.year}-Q{figure.quarter}",
                            figure.plan,
                            figure.fact,
                            figure.ratio,
                            figure.comment,
                        ]
                    )
        return [self.table("strategic", _("Strategic KPIs"), columns, rows)]

    def _variance_columns(self):
        return [
            self.column("category", _("Category")),
            self.column("plan", _("Plan, ₽"), "number"),
            self.column("fact", _("Fact, ₽"), "number"),
            self.column("variance", _("Variance, ₽"), "number"),
            self.column("execution", _("Execution"), "share"),
        ]

    def budget(self) -> list:
        tables = []
        for variance in budget_queries.variance_for(self.period):
            rows = [
                [row.label, float(row.plan), float(row.fact), float(row.variance), row.execution]
                for row in [*variance.rows, variance.total]
            ]
            title = _("Budget %(year)s: plan and fact by category") % {"year": variance.year}
            tables.append(
                self.table(f"budget_{variance.year}", title, self._variance_columns(), rows)
            )
        return tables

    def _person_rows(self):
        figures = {row.key: row for row in self.by_assignee}
        for person in people():
            yield person, figures.get(person.pk)

    def team(self) -> list:
        columns = [
            self.column("person", _("Person")),
            self.column("roles", _("Roles")),
            self.column("created", _("Tickets"), "count"),
            self.column("sla", _("SLA compliance"), "share"),
            self.column("first_response", _("Response time, median"), "minutes"),
            self.column("csat", _("CSAT"), "score"),
        ]
        rows = []
        for person, row in self._person_rows():
            rows.append(
                [
                    person.get_full_name() or person.username,
                    ", ".join(sorted(str(Role(code).label) for code in person.role_codes)),
                    row.created if row else 0,
                    row.sla_compliance if row else None,
                    row.first_response_median if row else None,
                    row.csat if row else None,
                ]
            )
        return [self.table("team", _("Team"), columns, rows)]

    def escalations(self) -> list:
        columns = [
            self.column("raised", _("Raised")),
            self.column("level", _("To")),
            self.column("source", _("Source")),
            self.column("about", _("About")),
            self.column("reason", _("Reason")),
            self.column("resolved", _("Resolved")),
            self.column("outcome", _("Outcome")),
        ]
        escalations = (
            Escalation.objects.filter(
                created_at__gte=self.period.start_at, created_at__lt=self.period.end_at
            )
            .select_related("ticket", "client")
            .order_by("created_at")
        )
        rows = [
            [
                f"{e.created_at:%Y-%m-%d %H:%M}",
                e.get_level_display(),
                e.get_source_display(),
                f"#{e.ticket_id} {e.ticket.subject}"
                if e.ticket
                else (str(e.client) if e.client else ""),
                e.reason,
                f"{e.resolved_at:%Y-%m-%d %H:%M}" if e.resolved_at else "",
                e.outcome,
            ]
            for e in escalations
        ]
        return [self.table("escalations", _("Escalations"), columns, rows)]

    def evaluation(self) -> list:
        columns = [
            self.column("person", _("Person")),
            self.column("created", _("Tickets"), "count"),
            self.column("sla", _("SLA compliance"), "share"),
            self.column("resolution", _("Resolution time, median"), "minutes"),
            self.column("csat", _("CSAT"), "score"),
            self.column("grade", _("Grade")),
            self.column("assessment", _("Head's assessment")),
        ]
        rows = []
        for person, row in self._person_rows():
            rows.append(
                [
                    person.get_full_name() or person.username,
                    row.created if row else 0,
                    row.sla_compliance if row else None,
                    row.resolution_median if row else None,
                    row.csat if row else None,
                    self.comments.get(f"grade.{person.pk}", ""),
                    self.comments.get(f"assessment.{person.pk}", ""),
                ]
            )
        return [self.table("evaluation", _("The year's evaluation per person"), columns, rows)]

    def next_budget(self) -> list:
        year = self.period.end.year + 1
        version = budget_queries.approved_version(year) or budget_queries.open_version(year)
        grid = budget_queries.plan_grid(version)
        columns = [
            self.column("category", _("Category")),
            *[self.column(f"q{q}", f"Q{q}, ₽", "number") for q in range(1, 5)],
            self.column("total", _("Year, ₽"), "number"),
        ]
        rows = []
        for category in [*BudgetCategory.values, None]:
            cells = []
            for quarter in range(1, 5):
                months = range(3 * quarter - 2, 3 * quarter + 1)
                cells.append(
                    float(
                        sum(
                            amount
                            for (month, cat), amount in grid.items()
                            if month in months and (category is None or cat == category)
                        )
                    )
                )
            label = BudgetCategory(category).label if category else _("Total")
            rows.append([str(label), *cells, sum(cells)])
        if version is None:
            note = _("No plan for %(year)s has been drafted yet.") % {"year": year}
        else:
            note = _("Version %(number)s, %(status)s.") % {
                "number": version.number,
                "status": VersionStatus(version.status).label.lower(),
            }
        title = _("Budget plan %(year)s") % {"year": year}
        return [self.table("next_budget", title, columns, rows, note)]


def build_review_sections(
    kind: str, period: Period, now: dt.datetime, comments: dict[str, str], *, table, column
) -> list[ReviewSection]:
    keys = sections_of(kind)
    if not keys:
        return []
    builder = _Builder(period, now, comments, table, column)
    if {"team", "evaluation"} & set(keys):
        builder.by_assignee = list(breakdowns.breakdown(period, "assignee", now=now))
    return [
        ReviewSection(key, str(SECTION_TITLES[key]), getattr(builder, key)(), comments.get(key, ""))
        for key in keys
    ]
