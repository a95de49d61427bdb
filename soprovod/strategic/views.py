"""The strategic KPIs page: a year's KPIs with their quarterly plan, fact and fact ÷ plan;
the head defines them, sets plans and enters the hand-entered facts; the CEO reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import (
    can_edit_strategic_kpis,
    can_see_strategic_kpis,
    require,
)
from soprovod.strategic import actions, queries
from soprovod.strategic.forms import DefineForm, FactForm, PlansForm
from soprovod.strategic.models import FactSource, StrategicKpi


@login_required
@require_GET
def strategic_home(request: HttpRequest) -> HttpResponse:
    require(can_see_strategic_kpis(request.user))
    return redirect("strategic:year", timezone.localdate().year)


def _context(request, year, **extra) -> dict:
    choices = actions.product_kpi_keys()
    return {
        "year": year,
        "history": queries.year_history(year),
        "can_edit": can_edit_strategic_kpis(request.user),
        "define_form": extra.pop("define_form", None) or DefineForm(kpi_choices=choices),
        "fact_form": FactForm(),
        "manual": FactSource.MANUAL,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def strategic_year(request: HttpRequest, year: int) -> HttpResponse:
    require(can_see_strategic_kpis(request.user))
    require(2000 <= year <= 2100, hidden=True)
    if request.method == "GET":
        return render(request, "strategic/year.html", _context(request, year))
    require(can_edit_strategic_kpis(request.user))
    form = DefineForm(request.POST, kpi_choices=actions.product_kpi_keys())
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_define_kpi(
                request.user,
                year=year,
                key=data["key"],
                title=data["title"],
                source=data["source"],
                kpi_key=data["kpi_key"],
                description=data["description"],
                plans=form.plans(),
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("Strategic KPI defined."))
            return redirect("strategic:year", year)
    return render(
        request, "strategic/year.html", _context(request, year, define_form=form), status=400
    )


def _kpi(request, pk: int) -> StrategicKpi:
    require(can_see_strategic_kpis(request.user))
    kpi = get_object_or_404(StrategicKpi, pk=pk)
    require(can_edit_strategic_kpis(request.user))
    return kpi


@login_required
@require_POST
def kpi_plans(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = _kpi(request, pk)
    form = PlansForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_plans(request.user, kpi, form.plans())
            messages.success(request, _("Plans saved."))
        except ValidationError as error:
            messages.error(request, error.messages[0])
    else:
        messages.error(request, _("Enter the plans as numbers."))
    return redirect("strategic:year", kpi.year)


@login_required
@require_POST
def kpi_fact(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = _kpi(request, pk)
    form = FactForm(request.POST)
    if form.is_valid():
        try:
            actions.do_enter_fact(request.user, kpi, **form.cleaned_data)
            messages.success(request, _("Fact saved."))
        except ValidationError as error:
            messages.error(request, error.messages[0])
    else:
        messages.error(request, _("A fact needs a quarter, a number and a comment."))
    return redirect("strategic:year", kpi.year)
