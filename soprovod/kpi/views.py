"""The KPI pages (interfaces.md «Web»: /kpi/): the dashboard, the records behind each figure,
full breakdowns, and the head's targets.

They are for the head of support and the CEO (and superusers): a client contact gets 404, as
if the pages did not exist; any other colleague 403. Only the head edits targets. Every
number comes from `soprovod.kpi.engine` and `soprovod.kpi.breakdowns`; each page costs a fixed
number of queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from soprovod.accounts.permissions import (
    can_edit_kpi_targets,
    can_see_kpi,
    require,
)
from soprovod.core.panels import render_panels
from soprovod.kpi import charts
from soprovod.kpi.breakdowns import (
    GROUPINGS,
    BreakdownRow,
    NoDrilldown,
    breakdown,
    drilldown,
    drilldown_outcomes,
    has_drilldown,
    trend,
)
from soprovod.kpi.engine import COORDINATION_PARTS, KpiValue, compute, drilldown_source
from soprovod.kpi.forms import KpiTargetForm, PeriodChoice, PeriodForm, definitions_by_key
from soprovod.kpi.models import KpiTarget

GROUP_TITLES = (
    ("sla", gettext_lazy("SLA")),
    ("times", gettext_lazy("Response and resolution times")),
    ("quality", gettext_lazy("Quality")),
    ("clients", gettext_lazy("Clients")),
    ("coordination", gettext_lazy("Coordination between departments")),
    ("team", gettext_lazy("Team and budget")),
    ("strategic", gettext_lazy("Strategic KPIs")),
)
BREAKDOWN_TITLES = {
    "type": gettext_lazy("By ticket type"),
    "assignee": gettext_lazy("By assignee"),
    "client": gettext_lazy("By client"),
    "category": gettext_lazy("By category"),
}
OUTCOME_LABELS = {
    "counted": gettext_lazy("met or breached"),
    "met": gettext_lazy("met"),
    "breached": gettext_lazy("breached"),
    "measured": gettext_lazy("measured tickets"),
    "repeats": gettext_lazy("repeat tickets"),
    "all": gettext_lazy("all tickets created"),
    "rated": gettext_lazy("rated tickets"),
    "churned": gettext_lazy("churned"),
    "at_start": gettext_lazy("active at the start"),
    "kept": gettext_lazy("kept"),
    "active": gettext_lazy("active at the end"),
    "answers": gettext_lazy("all answers"),
    "promoters": gettext_lazy("promoters"),
    "detractors": gettext_lazy("detractors"),
    "on_time": gettext_lazy("agreed on time"),
    "late": gettext_lazy("late"),
    "agreed": gettext_lazy("agreed"),
    "handoff.on_time": gettext_lazy("hand-offs"),
    "dev_request.on_time": gettext_lazy("development requests"),
}
DASHBOARD_ROWS = 10
PAGE_SIZE = 50


def _require_kpi(request: HttpRequest) -> None:
    require(can_see_kpi(request.user))


def _period(request: HttpRequest) -> tuple[PeriodForm, PeriodChoice]:
    form = PeriodForm(request.GET if "period" in request.GET else None)
    return form, form.choice()


def _chooser(request: HttpRequest, form: PeriodForm, choice: PeriodChoice) -> dict:
    """What the period chooser shows: the chosen period's values (or what was typed, when it
    was refused) and the previous / next period."""
    start, end = choice.period.start, choice.period.end
    values = {
        "month": f"{start:%Y-%m}",
        "quarter": f"{start.year}-Q{choice.quarter_number}",
        "year": str(start.year),
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    if form.is_bound and form.errors:
        values.update({k: request.GET[k] for k in values if k in request.GET})
    previous, following = choice.shifted(-1), choice.shifted(1)
    if following is not None and following.period.start > timezone.localdate():
        following = None  # nothing to show yet
    return {
        "choice": choice,
        "form": form,
        "values": values,
        "previous": previous,
        "next": following,
        "errors": [error for errors in form.errors.values() for error in errors]
        if form.is_bound
        else [],
    }


def _drilldown_url(key: str, choice: PeriodChoice, outcome: str | None = None) -> str:
    query = choice.querystring() + (f"&outcome={outcome}" if outcome else "")
    return f"{reverse('kpi:drilldown', args=[key])}?{query}"


# ---- the dashboard -----------------------------------------------------------------------


@dataclass
class Card:
    kpi: KpiValue
    value: str
    target: str
    light: str
    light_text: str
    detail: str
    url: str | None
    links: list[tuple[str, str]] = field(default_factory=list)


def _card(kpi: KpiValue, choice: PeriodChoice) -> Card:
    light, light_text = charts.light(kpi)
    url = _drilldown_url(kpi.key, choice) if has_drilldown(kpi.key) else None
    links = []
    if url and kpi.key.startswith("sla.") and kpi.denominator:
        met, counted = int(kpi.numerator or 0), int(kpi.denominator)
        links = [
            (_("met: %(count)s") % {"count": met}, _drilldown_url(kpi.key, choice, "met")),
            (
                _("breached: %(count)s") % {"count": counted - met},
                _drilldown_url(kpi.key, choice, "breached"),
            ),
        ]
    elif url and kpi.key == "retention" and kpi.denominator:
        lost = int(kpi.denominator - (kpi.numerator or 0))
        links = [
            (_("churned: %(count)s") % {"count": lost}, url),
            (_("active at the start"), _drilldown_url(kpi.key, choice, "at_start")),
        ]
    elif url and kpi.key in COORDINATION_PARTS and kpi.denominator:
        on_time, counted = int(kpi.numerator or 0), int(kpi.denominator)
        links = [
            (
                _("on time: %(count)s") % {"count": on_time},
                _drilldown_url(kpi.key, choice, "on_time"),
            ),
            (
                _("late: %(count)s") % {"count": counted - on_time},
                _drilldown_url(kpi.key, choice, "late"),
            ),
        ]
    elif kpi.key == "coordination.on_time":
        # Hand-offs and development requests together: the records are each part's own.
        links = [
            (str(OUTCOME_LABELS.get(part, part)), _drilldown_url(part, choice))
            for part in COORDINATION_PARTS
            if has_drilldown(part)
        ]
    elif url and kpi.key == "nps" and kpi.denominator:
        links = [
            (_("promoters"), _drilldown_url(kpi.key, choice, "promoters")),
            (_("detractors"), _drilldown_url(kpi.key, choice, "detractors")),
        ]
    return Card(
        kpi=kpi,
        value=charts.format_value(kpi.value, kpi.unit, signed=kpi.key.endswith(".change")),
        target=charts.format_target(kpi),
        light=light,
        light_text=light_text,
        detail=charts.format_detail(kpi),
        url=url,
        links=links,
    )


@dataclass
class TableRow:
    row: BreakdownRow
    url: str | None
    compliance: str
    first_response: str
    resolution: str
    csat: str


@dataclass
class Table:
    by: str
    title: str
    rows: list[TableRow]
    total: int
    full_url: str


def _table(by: str, rows: list[BreakdownRow], choice: PeriodChoice, limit: int | None) -> Table:
    def minutes(value: float | None) -> str:
        return charts.format_value(value, "minutes")

    shown = rows if limit is None else rows[:limit]
    return Table(
        by=by,
        title=str(BREAKDOWN_TITLES[by]),
        rows=[
            TableRow(
                row=row,
                url=reverse("clients:detail", args=[row.key])
                if by == "client" and row.key is not None
                else None,
                compliance=charts.format_value(row.sla_compliance, "share"),
                first_response=minutes(row.first_response_median),
                resolution=minutes(row.resolution_median),
                csat=charts.format_value(row.csat, "score"),
            )
            for row in shown
        ],
        total=len(rows),
        full_url=f"{reverse('kpi:breakdown', args=[by])}?{choice.querystring()}",
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every KPI of the chosen period as cards with targets and traffic lights, 12-month
    trend charts up to the period's last month, and breakdown tables."""
    _require_kpi(request)
    form, choice = _period(request)
    now = timezone.now()
    document = compute(choice.period, now=now)
    trends = trend(charts.CHART_KEYS, choice.period.end, now=now)
    cards = {group: [] for group, _title in GROUP_TITLES}
    for kpi in document.kpis:
        cards.setdefault(kpi.group, []).append(_card(kpi, choice))
    context = {
        **_chooser(request, form, choice),
        "groups": [(group, title, cards[group]) for group, title in GROUP_TITLES if cards[group]],
        "charts": charts.dashboard_charts(trends, document),
        "tables": [
            _table(by, breakdown(choice.period, by, now=now), choice, DASHBOARD_ROWS)
            for by in GROUPINGS
        ],
        "generated_at": document.generated_at,
        "can_edit_targets": can_edit_kpi_targets(request.user),
        # Blocks of higher apps (core.panels slot "kpi_dashboard": the active incidents...).
        "panels": render_panels("kpi_dashboard", request, choice.period),
    }
    return render(request, "kpi/dashboard.html", context)


# ---- what is behind a figure ---------------------------------------------------------------


@login_required
@require_GET
def drilldown_page(request: HttpRequest, key: str) -> HttpResponse:
    """The records behind one figure (``?outcome=`` narrows, e.g. ``breached``), paginated."""
    _require_kpi(request)
    definition = definitions_by_key().get(key)
    if definition is None or not has_drilldown(key):
        raise Http404
    form, choice = _period(request)
    outcome = request.GET.get("outcome") or drilldown_outcomes(key)[0]
    try:
        records = drilldown(choice.period, key, outcome=outcome)
    except NoDrilldown:
        raise Http404 from None
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    kind = records.model._meta.model_name
    if key.startswith(("first_response.", "resolution.")):
        for ticket in page.object_list:
            ticket.minutes_text = charts.format_minutes(ticket.minutes)
    outcomes = drilldown_outcomes(key)
    context = {
        **_chooser(request, form, choice),
        "key": key,
        "title": definition.title,
        "page": page,
        "records": page.object_list,
        "kind": kind,
        "outcome": outcome,
        "outcome_label": OUTCOME_LABELS[outcome],
        "outcomes": [
            (OUTCOME_LABELS[name], _drilldown_url(key, choice, name), name == outcome)
            for name in outcomes
        ]
        if len(outcomes) > 1
        else [],
        # The period chooser keeps the outcome when the period changes.
        "keep": {} if outcome == outcomes[0] else {"outcome": outcome},
        "keep_query": "" if outcome == outcomes[0] else f"&outcome={outcome}",
        "show_sla": key.startswith("sla."),
        "drilldown_template": source.drilldown_template
        if (source := drilldown_source(key))
        else "",
        "show_mrr": key.startswith("revenue."),
        "show_minutes": key.startswith(("first_response.", "resolution.")),
        "dashboard_url": f"{reverse('kpi:dashboard')}?{choice.querystring()}",
        # The repeat analysis of higher apps (core.panels slot "kpi_repeats": the mass
        # incidents behind the period's tickets).
        "panels": render_panels("kpi_repeats", request, choice.period)
        if key.startswith("repeat_rate")
        else [],
    }
    return render(request, "kpi/drilldown.html", context)


@login_required
@require_GET
def breakdown_page(request: HttpRequest, by: str) -> HttpResponse:
    """One breakdown in full (the dashboard shows its first rows)."""
    _require_kpi(request)
    if by not in GROUPINGS:
        raise Http404
    form, choice = _period(request)
    table = _table(by, breakdown(choice.period, by), choice, limit=None)
    context = {
        **_chooser(request, form, choice),
        "table": table,
        "dashboard_url": f"{reverse('kpi:dashboard')}?{choice.querystring()}",
    }
    return render(request, "kpi/breakdown.html", context)


# ---- targets -----------------------------------------------------------------------------


def _targets_by_key() -> dict[str, list[KpiTarget]]:
    by_key: dict[str, list[KpiTarget]] = {}
    for target in KpiTarget.objects.select_related("set_by").order_by("key", "-valid_from"):
        by_key.setdefault(target.key, []).append(target)
    return by_key


def _in_force(history: list[KpiTarget]) -> KpiTarget | None:
    today = timezone.localdate()
    return next((target for target in history if target.valid_from <= today), None)


@login_required
@require_GET
def targets(request: HttpRequest) -> HttpResponse:
    """Every KPI's target in force today, its default and the head's changes over time."""
    _require_kpi(request)
    by_key = _targets_by_key()
    items = []
    for definition in definitions_by_key().values():
        history = by_key.get(definition.key, [])
        current = _in_force(history)

        def shown(target, comparison, definition=definition):
            return charts.format_threshold(target, comparison, definition.unit, definition.key)

        items.append(
            {
                "definition": definition,
                "default": shown(definition.target, definition.comparison),
                "current": shown(current.target, current.comparison) if current else None,
                "history": [
                    {"row": row, "text": shown(row.target, row.comparison)} for row in history
                ],
                "edit_url": reverse("kpi:target_edit", args=[definition.key]),
            }
        )
    context = {"items": items, "can_edit": can_edit_kpi_targets(request.user)}
    return render(request, "kpi/targets.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The head sets a KPI's target from a date on; the change is audited."""
    _require_kpi(request)
    require(can_edit_kpi_targets(request.user))
    definition = definitions_by_key().get(key)
    if definition is None:
        raise Http404
    history = _targets_by_key().get(key, [])
    current = _in_force(history)
    form = KpiTargetForm(
        request.POST if request.method == "POST" else None,
        definition=definition,
        initial=KpiTargetForm.initial_for(
            definition, (current.target, current.comparison) if current else None
        ),
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(request.user)
        messages.success(
            request,
            _("Target for “%(kpi)s” saved: %(target)s from %(date)s.")
            % {
                "kpi": definition.title,
                "target": charts.format_threshold(
                    saved.target, saved.comparison, definition.unit, definition.key
                ),
                "date": saved.valid_from.isoformat(),
            },
        )
        return redirect("kpi:targets")
    context = {
        "definition": definition,
        "form": form,
        "history": [
            {
                "row": row,
                "text": charts.format_threshold(
                    row.target, row.comparison, definition.unit, definition.key
                ),
            }
            for row in history
        ],
    }
    return render(request, "kpi/target_form.html", context)
