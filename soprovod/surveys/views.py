"""The survey pages: NPS campaigns with their response rates (the head starts one by hand),
the detractor tasks of the success managers, the monthly internal survey, and the two pages
that answer without a login — the NPS answer and the one-click CSAT rating. A wrong, expired
or used link gets a page that says so, never an error.

Who may do what is `soprovod.accounts.permissions` (roles) and `permissions.py` (which
campaigns and tasks); reads come from ``queries``, writes go through ``actions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from soprovod.accounts.permissions import (
    can_run_surveys,
    can_see_surveys,
    can_take_internal_survey,
    can_work_detractor_tasks,
    require,
)
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import posted, resubmission
from soprovod.core.panels import render_panels
from soprovod.surveys import actions, queries
from soprovod.surveys.forms import CampaignForm, CloseTaskForm, InternalSurveyForm, NpsAnswerForm
from soprovod.surveys.models import DetractorTask, SurveyLink
from soprovod.surveys.permissions import (
    can_close_task,
    get_campaign_or_404,
    get_task_or_404,
    tasks_visible_to,
)


def _require_section(request: HttpRequest, allowed: bool) -> HttpResponse | None:
    require(allowed)
    return None


def _decorate(campaign) -> None:
    campaign.rate = queries.response_rate(campaign.answered, campaign.sent)
    campaign.nps = queries.nps_score(campaign.promoters, campaign.detractors, campaign.answered)


# ---- campaigns -------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    if (response := _require_section(request, can_see_surveys(request.user))) is not None:
        return response
    page = Paginator(queries.campaign_list(), queries.PAGE_SIZE).get_page(request.GET.get("page"))
    for campaign in page.object_list:
        _decorate(campaign)
    can_run = can_run_surveys(request.user)
    return render(
        request,
        "surveys/campaigns.html",
        {
            "page": page,
            "campaigns": page.object_list,
            "can_run": can_run,
            "form": CampaignForm(segments=queries.segments()) if can_run else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    if (response := _require_section(request, can_run_surveys(request.user))) is not None:
        return response
    form = CampaignForm(posted(request), segments=queries.segments())
    if not form.is_valid():
        return render(request, "surveys/campaign_form.html", {"form": form})
    started = actions.do_start_campaign(
        request.user, name=form.cleaned_data["name"], segment=form.cleaned_data["segment"]
    )
    if started.campaign is None:
        messages.warning(
            request,
            _("Nobody to ask: %(skipped)s contacts were surveyed in the last 90 days.")
            % {"skipped": started.skipped},
        )
        return redirect("surveys:campaigns")
    messages.success(
        request,
        _(
            "The campaign is started: %(invited)s invitations; %(skipped)s contacts skipped "
            "(surveyed in the last 90 days)."
        )
        % {"invited": started.invited, "skipped": started.skipped},
    )
    return redirect("surveys:campaign", pk=started.campaign.pk)


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _require_section(request, can_see_surveys(request.user))) is not None:
        return response
    campaign = get_campaign_or_404(request.user, pk)
    stats = queries.campaign_list().filter(pk=campaign.pk).first()
    _decorate(stats)
    page = Paginator(queries.campaign_links(campaign), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for link in page.object_list:
        link.state = (
            "answered" if link.used_at else "expired" if now >= link.expires_at else "waiting"
        )
    return render(
        request,
        "surveys/campaign.html",
        {"campaign": stats, "page": page, "links": page.object_list},
    )


# ---- detractor tasks -------------------------------------------------------------------------


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    allowed = can_see_surveys(user) or can_work_detractor_tasks(user)
    if (response := _require_section(request, allowed)) is not None:
        return response
    status = request.GET.get("status", DetractorTask.Status.OPEN)
    if status not in (*DetractorTask.Status.values, "all"):
        status = DetractorTask.Status.OPEN
    tasks = queries.detractor_tasks(
        tasks_visible_to(user), status="" if status == "all" else status
    )
    page = Paginator(tasks, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for task in page.object_list:
        task.is_overdue = task.status == DetractorTask.Status.OPEN and task.due_at < now
    counts = tasks_visible_to(user).aggregate(
        open=Count("pk", filter=Q(status=DetractorTask.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=DetractorTask.Status.OPEN, due_at__lt=now)),
    )
    return render(
        request,
        "surveys/tasks.html",
        {
            "page": page,
            "tasks": page.object_list,
            "status": status,
            "statuses": [
                (DetractorTask.Status.OPEN, DetractorTask.Status.OPEN.label),
                (DetractorTask.Status.CLOSED, DetractorTask.Status.CLOSED.label),
                ("all", _("All")),
            ],
            "counts": counts,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    allowed = can_see_surveys(user) or can_work_detractor_tasks(user)
    if (response := _require_section(request, allowed)) is not None:
        return response
    task = get_task_or_404(user, pk)
    may_close = task.status == DetractorTask.Status.OPEN and can_close_task(user, task)
    form = None
    if request.method == "POST":
        require(may_close)
        form = CloseTaskForm(request.POST)
        if form.is_valid():
            try:
                actions.do_close_detractor_task(
                    user,
                    task,
                    outcome=form.cleaned_data["outcome"],
                    notes=form.cleaned_data["notes"],
                    expected_version=form.cleaned_data["version"],
                )
            except StaleObjectError as error:
                task = get_task_or_404(user, pk)
                form = CloseTaskForm(resubmission(request, task))
                messages.error(request, str(error))
            except actions.DetractorTaskError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The loop is closed: the outcome is recorded."))
                return redirect("surveys:task", pk=task.pk)
    if may_close and form is None:
        form = CloseTaskForm(initial={"version": task.version})
    return render(
        request,
        "surveys/task.html",
        {
            "task": task,
            "form": form if may_close else None,
            "is_overdue": task.status == DetractorTask.Status.OPEN and task.due_at < timezone.now(),
            # What higher apps add to the task (core.panels): success logs call notes.
            "panels": render_panels("detractor_task", request, task),
        },
    )


# ---- internal satisfaction -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def internal(request: HttpRequest) -> HttpResponse:
    user = request.user
    if (response := _require_section(request, can_take_internal_survey(user))) is not None:
        return response
    answered = queries.answered_internal_survey(user)
    form = None if answered else InternalSurveyForm(posted(request))
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            actions.do_answer_internal(
                user,
                form.cleaned_data["score"],
                form.cleaned_data["comment"],
                signed=form.cleaned_data["signed"],
            )
        except actions.InternalSurveyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you! Your answer is recorded."))
        return redirect("surveys:internal")
    if form is not None and request.method == "GET":
        form = InternalSurveyForm()
    return render(request, "surveys/internal.html", {"form": form, "answered": answered})


# ---- without a login: the links from the mail ------------------------------------------------


def _problem(request: HttpRequest, problem: actions.LinkProblem) -> HttpResponse:
    return render(
        request, "surveys/link_problem.html", {"state": problem.state, "detail": problem.detail}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The NPS answer page of a one-time link (no login). ``?score=N`` from the mail's
    buttons preselects the score; nothing is recorded until the form is sent."""
    link = actions.find_link(token, SurveyLink.Kind.NPS)
    problem = actions.link_problem(link, timezone.now())
    if problem is not None:
        return _problem(request, problem)
    if request.method == "POST":
        form = NpsAnswerForm(request.POST)
        if form.is_valid():
            try:
                actions.do_answer_nps(
                    token, form.cleaned_data["score"], form.cleaned_data["comment"]
                )
            except actions.LinkProblem as late:  # answered in another tab meanwhile
                return _problem(request, late)
            return render(request, "surveys/thanks.html", {"kind": "nps"})
    else:
        score = request.GET.get("score", "")
        form = NpsAnswerForm(
            initial={"score": int(score)} if score.isdigit() and int(score) <= 10 else None
        )
    return render(request, "surveys/answer.html", {"form": form, "link": link})


@never_cache
@require_GET
def rate(request: HttpRequest, token: str, score: int) -> HttpResponse:
    """One click in the resolution email rates the ticket (no login), once."""
    try:
        ticket = actions.do_rate_by_link(token, score)
    except actions.LinkProblem as problem:
        return _problem(request, problem)
    return render(
        request, "surveys/thanks.html", {"kind": "csat", "ticket": ticket, "score": score}
    )
