"""Quality review pages: the weeks and their samples (the reviewer), scoring one ticket,
an agent's own reviews, the rubric and the reviewer (the head). Thin: permission, form,
one action or query."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import require
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import SUPPORT_STAFF
from soprovod.lib.periods import Period, add_months, month_start
from soprovod.quality import actions, queries
from soprovod.quality.forms import RubricForm, ScoreForm, SettingsForm
from soprovod.quality.models import ReviewWeek
from soprovod.quality.permissions import (
    can_edit_rubric,
    can_review,
    can_see_quality,
    get_item_or_404,
)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The reviewer's weeks; an agent is sent to their own reviews."""
    require(can_see_quality(request.user))
    if not can_review(request.user):
        return redirect("quality:mine")
    today = timezone.localdate()
    period = Period(add_months(month_start(today), -2), today)
    context = {
        "weeks": list(queries.week_counts(ReviewWeek.objects.all())[:12]),
        "agents": queries.agent_scores(period),
        "team": queries.team_score(period),
        "period": period,
        "can_edit_rubric": can_edit_rubric(request.user),
    }
    return render(request, "quality/home.html", context)


@login_required
@require_POST
def build(request: HttpRequest) -> HttpResponse:
    """Build (or complete) last week's sample now rather than wait for Monday's job."""
    require(can_review(request.user))
    try:
        day = dt.date.fromisoformat(request.POST.get("week", ""))
    except ValueError:
        day = actions.last_week_start()
    week = actions.do_build_week(day)
    return redirect("quality:week", pk=week.pk)


@login_required
@require_GET
def week(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_see_quality(request.user))
    require(can_review(request.user), hidden=True)
    review_week = get_object_or_404(ReviewWeek, pk=pk)
    return render(
        request,
        "quality/week.html",
        {"week": review_week, "items": list(queries.items_of_week(review_week))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def item(request: HttpRequest, pk: int) -> HttpResponse:
    """One review: the reviewer scores it; its agent reads it once scored."""
    require(can_see_quality(request.user))
    review = get_item_or_404(request.user, pk)
    reviewer = can_review(request.user)
    rubric = review.rubric or actions.current_rubric(request.user)
    criteria = list(rubric.criteria.all())
    initial = {f"c{s.criterion_id}": s.score for s in review.scores.all()}
    initial["comment"] = review.comment
    form = None
    if reviewer:
        form = ScoreForm(
            request.POST if request.method == "POST" else None,
            criteria=criteria,
            initial=initial,
        )
        if request.method == "POST" and form.is_valid():
            try:
                actions.do_score(request.user, review, form.scores(), form.cleaned_data["comment"])
            except actions.QualityError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The review is saved."))
                return redirect("quality:week", pk=review.week_id)
    else:
        require(request.method == "GET")
    scores = {s.criterion_id: s.score for s in review.scores.all()}
    context = {
        "review": review,
        "rubric": rubric,
        "rows": [(c, scores.get(c.pk)) for c in criteria],
        "form": form,
    }
    return render(request, "quality/item.html", context)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    require(can_see_quality(request.user))
    return render(
        request, "quality/mine.html", {"reviews": list(queries.reviews_of(request.user)[:100])}
    )


@login_required
@require_http_methods(["GET", "POST"])
def rubric(request: HttpRequest) -> HttpResponse:
    require(can_see_quality(request.user))
    require(can_edit_rubric(request.user))
    current = actions.current_rubric(request.user)
    options = actions.settings_row()
    people = users_with_role(SUPPORT_STAFF)
    lines = "\n".join(
        f"{c.title} | {c.description} | {c.max_score}" for c in current.criteria.all()
    )
    rubric_form = RubricForm(
        request.POST if "criteria" in request.POST else None, initial={"criteria": lines}
    )
    settings_form = SettingsForm(
        request.POST if "random_count" in request.POST else None,
        people=people,
        initial={"reviewer": options.reviewer_id, "random_count": options.random_count},
    )
    if rubric_form.is_bound and rubric_form.is_valid():
        try:
            made = actions.do_save_rubric(request.user, rubric_form.cleaned_data["criteria"])
        except actions.QualityError as error:
            rubric_form.add_error(None, str(error))
        else:
            messages.success(request, _("Rubric version %(v)s is in force.") % {"v": made.version})
            return redirect("quality:rubric")
    if settings_form.is_bound and settings_form.is_valid():
        actions.do_save_settings(request.user, **settings_form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("quality:rubric")
    context = {"rubric": current, "rubric_form": rubric_form, "settings_form": settings_form}
    return render(request, "quality/rubric.html", context)
