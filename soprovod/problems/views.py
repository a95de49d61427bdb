"""Problem pages: the list with the repeat analysis' candidates, one problem (its repeats
before and after the fix), the improvement register. Thin: permission, form, one action or
query."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import require
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import SUPPORT_STAFF
from soprovod.clients.models import Client
from soprovod.devrequests.models import DevRequest
from soprovod.problems import actions, fixes, queries
from soprovod.problems.forms import FixForm, ProblemForm
from soprovod.problems.permissions import can_see_problems, get_problem_or_404, problems_visible_to
from soprovod.tickets.models import Category
from soprovod.tickets.permissions import tickets_visible_to


def _problem_form(data=None, initial=None) -> ProblemForm:
    return ProblemForm(
        data,
        initial=initial,
        people=users_with_role(SUPPORT_STAFF),
        clients=Client.objects.order_by("name"),
        categories=Category.objects.order_by("name"),
    )


@login_required
@require_GET
def problem_list(request: HttpRequest) -> HttpResponse:
    require(can_see_problems(request.user))
    now = timezone.now()
    context = {
        "problems": list(
            problems_visible_to(request.user).select_related("owner", "client", "category")
        ),
        "by_client": list(queries.candidates_by_client(now)[:15]),
        "by_words": list(queries.candidates_by_words(now)[:15]),
        "incidents": list(queries.candidate_incidents(now)[:10]),
    }
    return render(request, "problems/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    require(can_see_problems(request.user))
    initial = {
        k: request.GET.get(k)
        for k in ("title", "client", "category", "words")
        if request.GET.get(k)
    }
    form = _problem_form(request.POST or None, initial={"window_days": 90, **initial})
    if form.is_valid():
        data = dict(form.cleaned_data)
        problem = actions.do_create_problem(request.user, **data)
        # The tickets the signature finds so far are gathered under the problem.
        actions.do_link_tickets(
            request.user,
            problem,
            tickets_visible_to(request.user).filter(queries.signature(problem))[:500],
        )
        messages.success(request, _("The problem is recorded."))
        return redirect("problems:detail", pk=problem.pk)
    return render(request, "problems/create.html", {"form": form})


def _detail(request: HttpRequest, problem, fix_form=None) -> HttpResponse:
    now = timezone.now()
    context = {
        "problem": problem,
        "effect": queries.effect(problem, now),
        "tickets": list(
            queries.repeats(problem).select_related("client").order_by("-created_at")[:50]
        ),
        "fix_reference": fixes.describe(problem.fix_reference) if problem.fix_reference else None,
        "close_refusal": actions.close_refusal(problem, now),
        "fix_form": fix_form
        or FixForm(
            dev_requests=DevRequest.objects.order_by("-pk")[:200],
            references=fixes.all_choices(),
        ),
    }
    return render(request, "problems/detail.html", context)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_problem_or_404(request.user, pk))


@login_required
@require_POST
def record_fix(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_or_404(request.user, pk)
    form = FixForm(
        request.POST,
        dev_requests=DevRequest.objects.order_by("-pk")[:200],
        references=fixes.all_choices(),
    )
    if form.is_valid():
        try:
            actions.do_record_fix(request.user, problem, **form.cleaned_data)
        except actions.ProblemError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The fix is recorded."))
            return redirect("problems:detail", pk=pk)
    return _detail(request, problem, fix_form=form)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_or_404(request.user, pk)
    try:
        actions.do_close_problem(request.user, problem)
    except actions.ProblemError as error:
        messages.error(request, str(error))
    return redirect("problems:detail", pk=pk)


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    require(can_see_problems(request.user))
    rows = queries.register(timezone.now())
    return render(request, "problems/register.html", {"rows": rows})
