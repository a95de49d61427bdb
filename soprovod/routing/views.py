"""Routing pages: the ordered rules with their recent firings, create / edit / delete /
move for the head, and the dry run. Thin: permission, form, one action or query."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import require
from soprovod.routing import actions, engine
from soprovod.routing.forms import RuleForm
from soprovod.routing.models import Firing, Rule
from soprovod.routing.permissions import can_edit_rules, can_see_rules, get_rule_or_404


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    require(can_see_rules(request.user))
    rules = list(
        Rule.objects.select_related("assign_person", "client", "category", "set_category")
        .prefetch_related("add_watchers", "notify_users")
        .order_by("position", "pk")
    )
    firings = list(Firing.objects.select_related("rule", "ticket")[:20])
    return render(
        request,
        "routing/list.html",
        {"rules": rules, "firings": firings, "can_edit": can_edit_rules(request.user)},
    )


def _save(request: HttpRequest, form: RuleForm, rule=None) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        actions.do_save_rule(request.user, rule, **form.values())
    except actions.RuleError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, _("The rule is saved."))
    return redirect("routing:rules")


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    require(can_edit_rules(request.user))
    form = RuleForm(request.POST or None)
    if request.method == "POST" and (response := _save(request, form)) is not None:
        return response
    return render(request, "routing/edit.html", {"form": form, "rule": None})


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule_or_404(request.user, pk)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and (response := _save(request, form, rule)) is not None:
        return response
    return render(request, "routing/edit.html", {"form": form, "rule": rule})


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule_or_404(request.user, pk)
    actions.do_delete_rule(request.user, rule)
    messages.success(request, _("The rule is deleted."))
    return redirect("routing:rules")


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_rule_or_404(request.user, pk)
    actions.do_move_rule(request.user, rule, -1 if request.POST.get("direction") == "up" else 1)
    return redirect("routing:rules")


@login_required
@require_GET
def dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    """What the rule alone would have done to the last 100 tickets; nothing is written."""
    rule = get_rule_or_404(request.user, pk)
    rows = engine.dry_run(rule)
    return render(
        request,
        "routing/dry_run.html",
        {"rule": rule, "rows": rows, "matched": sum(1 for row in rows if row.matched)},
    )
