"""The budget pages: a year (variance by category with its chart, months, versions, facts)
and a plan version (its grid, what changed since the version it was drafted from, the CEO's
decision, the audit trail).

Who may do what is `soprovod.accounts.permissions`; reads come from ``queries``, writes go
through ``actions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import can_decide_budget, can_draft_budget, require
from soprovod.audit.recorder import trail_for
from soprovod.budget import actions, queries
from soprovod.budget.charts import variance_chart
from soprovod.budget.forms import DecisionForm, FactsForm, FactsUploadForm, PlanForm
from soprovod.budget.imports import import_budget_facts
from soprovod.budget.models import BudgetCategory, VersionStatus
from soprovod.budget.permissions import get_version_or_404, require_budget
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import posted, resubmission


def _year_in_range(year: int) -> None:
    require(2000 <= year <= 2100, hidden=True)


@login_required
@require_GET
def budget_home(request: HttpRequest) -> HttpResponse:
    require_budget(request.user)
    return redirect("budget:year", queries.today_year())


def _month_choice(request: HttpRequest) -> int:
    value = request.GET.get("month", "")
    return int(value) if value.isdigit() and 1 <= int(value) <= 12 else 1


def _year_context(request: HttpRequest, year: int, **extra) -> dict:
    user = request.user
    variance = queries.variance(year)
    facts = queries.fact_grid(year)
    month = extra.pop("month", None) or _month_choice(request)
    return {
        "year": year,
        "years": sorted({*queries.years_with_budget(), year, queries.today_year()}),
        "variance": variance,
        "chart": variance_chart(variance),
        "months": queries.month_totals(year),
        "versions": list(queries.versions_of(year)),
        "approved": queries.approved_version(year),
        "open": queries.open_version(year),
        "categories": BudgetCategory.choices,
        "fact_rows": [
            (m, [facts.get((m, c)) for c in BudgetCategory.values]) for m in queries.MONTH_NUMBERS
        ],
        "fact_month": month,
        "facts_form": extra.pop("facts_form", None) or FactsForm(grid=facts, month=month),
        "upload_form": extra.pop("upload_form", None) or FactsUploadForm(),
        "can_draft": can_draft_budget(user),
        "can_decide": can_decide_budget(user),
        **extra,
    }


@login_required
@require_GET
def budget_year(request: HttpRequest, year: int) -> HttpResponse:
    require_budget(request.user)
    _year_in_range(year)
    return render(request, "budget/year.html", _year_context(request, year))


@login_required
@require_POST
def version_start(request: HttpRequest, year: int) -> HttpResponse:
    require_budget(request.user)
    require(can_draft_budget(request.user))
    _year_in_range(year)
    try:
        version = actions.do_start_version(request.user, year)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("budget:year", year)
    return redirect("budget:version", version.pk)


@login_required
@require_http_methods(["GET", "POST"])
def facts_month(request: HttpRequest, year: int) -> HttpResponse:
    """One month's facts, a field per category (the head only)."""
    require_budget(request.user)
    require(can_draft_budget(request.user))
    _year_in_range(year)
    month = _month_choice(request)
    if request.method == "GET":
        return redirect(f"{request.path.rsplit('facts/', 1)[0]}?month={month}#facts")
    form = FactsForm(request.POST, grid=queries.fact_grid(year))
    if form.is_valid():
        month = form.cleaned_data["month"]
        changed = 0
        for category in BudgetCategory.values:
            outcome = actions.do_set_fact(
                request.user,
                year=year,
                month=month,
                category=category,
                amount=form.cleaned_data[category],
            )
            changed += outcome != "unchanged"
        messages.success(
            request,
            _("Facts for %(month)02d.%(year)s saved: %(count)s changed.")
            % {"month": month, "year": year, "count": changed},
        )
        return redirect(f"{request.path.rsplit('facts/', 1)[0]}?month={month}#facts")
    context = _year_context(request, year, facts_form=form, month=month)
    return render(request, "budget/year.html", context, status=400)


@login_required
@require_POST
def facts_import(request: HttpRequest, year: int) -> HttpResponse:
    """The facts from a CSV file (interfaces.md rules; the file may hold any year)."""
    require_budget(request.user)
    require(can_draft_budget(request.user))
    _year_in_range(year)
    form = FactsUploadForm(request.POST, request.FILES)
    issues: list[str] = []
    result = None
    if form.is_valid():
        result, issues = form.run(import_budget_facts, actor=request.user)
    if result is not None and not result.dry_run:
        messages.success(request, _("Facts imported: %(result)s") % {"result": result})
        return redirect("budget:year", year)
    context = _year_context(
        request, year, upload_form=form, import_issues=issues, import_result=result
    )
    return render(request, "budget/year.html", context, status=400 if issues else 200)


# ---- a version ---------------------------------------------------------------------------


def _version_context(request, version, *, form=None, decision_form=None, error="") -> dict:
    user = request.user
    grid = queries.plan_grid(version)
    base = version.based_on
    editable = version.is_editable and can_draft_budget(user)
    return {
        "item": version,
        "form": form
        or PlanForm(grid=grid, initial={"note": version.note, "version": version.version}),
        "editable": editable,
        "locked_message": "" if version.is_editable else actions.locked_message(version),
        "grid_rows": [
            (
                m,
                [grid.get((m, c)) for c in BudgetCategory.values],
                sum(
                    (grid.get((m, c)) or queries.ZERO for c in BudgetCategory.values), queries.ZERO
                ),
            )
            for m in queries.MONTH_NUMBERS
        ],
        "category_totals": [
            sum((grid.get((m, c)) or queries.ZERO for m in queries.MONTH_NUMBERS), queries.ZERO)
            for c in BudgetCategory.values
        ],
        "total": sum(grid.values(), queries.ZERO),
        "categories": BudgetCategory.choices,
        "base": base,
        "changes": queries.version_diff(queries.plan_grid(base), grid) if base else [],
        "can_submit": editable,
        "can_decide": can_decide_budget(user) and version.status == VersionStatus.SUBMITTED,
        "can_start": can_draft_budget(user)
        and version.status == VersionStatus.APPROVED
        and queries.open_version(version.year) is None,
        "decision_form": decision_form or DecisionForm(initial={"version": version.version}),
        "trail": trail_for(version, limit=50),
        "error": error,
    }


@login_required
@require_http_methods(["GET", "POST"])
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A version's grid; the head saves a draft or returned one here. Saving a version that
    is locked (submitted or approved) is refused with the reason."""
    version = get_version_or_404(request.user, pk)
    if (data := posted(request)) is None:
        return render(request, "budget/version.html", _version_context(request, version))
    require(can_draft_budget(request.user))
    form = PlanForm(data, grid=queries.plan_grid(version))
    if not form.is_valid():
        context = _version_context(request, version, form=form)
        return render(request, "budget/version.html", context, status=400)
    try:
        changed = actions.do_set_plan(
            request.user,
            version,
            form.amounts(),
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleObjectError as error:
        form = PlanForm(resubmission(request, error.obj), grid=queries.plan_grid(version))
        context = _version_context(request, error.obj, form=form, error=str(error))
        return render(request, "budget/version.html", context, status=409)
    except ValidationError as error:
        version.refresh_from_db()
        context = _version_context(request, version, error=error.messages[0])
        return render(request, "budget/version.html", context, status=409)
    messages.success(request, _("Plan saved: %(count)s amounts changed.") % {"count": changed})
    return redirect("budget:version", version.pk)


@login_required
@require_POST
def version_submit(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_or_404(request.user, pk, allowed=can_draft_budget(request.user))
    expected = request.POST.get("version", "")
    try:
        actions.do_submit_version(
            request.user, version, expected_version=int(expected) if expected.isdigit() else None
        )
    except (ValidationError, StaleObjectError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        version.refresh_from_db()
        return render(
            request,
            "budget/version.html",
            _version_context(request, version, error=message),
            status=409,
        )
    messages.success(request, _("The plan was sent to the CEO for approval."))
    return redirect("budget:version", version.pk)


@login_required
@require_POST
def version_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The CEO approves the submitted version or returns it with a comment."""
    version = get_version_or_404(request.user, pk, allowed=can_decide_budget(request.user))
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision")
    if not form.is_valid() or decision not in ("approve", "return"):
        context = _version_context(request, version, decision_form=form)
        return render(request, "budget/version.html", context, status=400)
    comment, expected = form.cleaned_data["comment"], form.cleaned_data["version"]
    try:
        if decision == "approve":
            actions.do_approve_version(
                request.user, version, comment=comment, expected_version=expected
            )
            messages.success(request, _("The plan is approved and locked."))
        else:
            actions.do_return_version(
                request.user, version, comment=comment, expected_version=expected
            )
            messages.success(request, _("The plan was returned to the head with your comment."))
    except (ValidationError, StaleObjectError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        version.refresh_from_db()
        context = _version_context(request, version, decision_form=form, error=message)
        return render(request, "budget/version.html", context, status=409)
    return redirect("budget:version", version.pk)
