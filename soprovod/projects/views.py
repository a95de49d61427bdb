"""The project pages: the list with its status board, a project with its timeline, the
implementation manager's tasks, and the head's templates.

Who may do what is `soprovod.accounts.permissions` (roles) and `permissions.py` (which
projects); reads come from ``queries``, writes go through ``actions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from soprovod.accounts.permissions import (
    can_edit_project_templates,
    can_run_projects,
    can_see_projects,
    require,
)
from soprovod.clients.permissions import clients_visible_to
from soprovod.projects import actions, charts, exports, queries
from soprovod.projects.forms import (
    BlockerForm,
    GoLiveForm,
    LiftForm,
    ProjectCreateForm,
    TaskDoneForm,
    TaskEditForm,
    TemplateForm,
    implementation_managers,
)
from soprovod.projects.models import Blocker, ProjectStatus, ProjectTemplate
from soprovod.projects.permissions import (
    can_complete_task,
    can_work_project,
    get_project_or_404,
    get_task_or_404,
)
from soprovod.projects.plan import plan_text


def _require_section(request: HttpRequest) -> HttpResponse | None:
    require(can_see_projects(request.user))  # a section: 403 for every role without it
    return None


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


# ---- the list and the board ------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    filters = queries.ProjectFilters.from_query(request.GET)
    if request.GET.get("format") == "csv":
        return exports.projects_csv(queries.project_list(request.user, filters))
    page = Paginator(queries.project_list(request.user, filters), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for project in page.object_list:
        project.health_label = queries.HEALTH_LABELS[project.health]
    board = queries.board_counts(request.user)
    context = {
        "filters": filters,
        "page": page,
        "projects": page.object_list,
        "board": [(key, queries.HEALTH_LABELS[key], board[key]) for key in queries.BOARD],
        "health_labels": queries.HEALTH_LABELS,
        "owners": implementation_managers(),
        "statuses": ProjectStatus.choices,
        "can_create": can_run_projects(request.user),
        "can_edit_templates": can_edit_project_templates(request.user),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "projects/list.html", context)


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    require(can_run_projects(request.user))
    tasks = queries.my_tasks(request.user)
    if request.GET.get("format") == "csv":
        return exports.tasks_csv(tasks)
    page = Paginator(tasks, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/my_tasks.html", {"page": page, "tasks": page.object_list})


# ---- one project --------------------------------------------------------------------------------


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    project = get_project_or_404(request.user, pk)
    page = queries.project_page(project)
    today = timezone.localdate()
    context = {
        "page": page,
        "project": project,
        "health_label": queries.HEALTH_LABELS[page.health],
        "timeline": mark_safe(  # noqa: S308 - SVG drawn by matplotlib from our own data
            charts.timeline_svg(
                page.stages,
                today=today,
                go_live=project.went_live_on,
                planned_go_live=project.planned_go_live,
            )
        ),
        "legend": charts.legend(),
        "can_work": can_work_project(request.user, project)
        and project.status == ProjectStatus.IN_PROGRESS,
        "user_can_complete": _completable(request.user, project, page),
        "blocker_form": BlockerForm(),
        "go_live_form": GoLiveForm(initial={"went_live_on": today}),
    }
    return render(request, "projects/detail.html", context)


def _completable(user, project, page: queries.ProjectPage) -> set[int]:
    """The tasks the user may tick on this page (`permissions.can_complete_task`)."""
    if project.status != ProjectStatus.IN_PROGRESS:
        return set()
    tasks = [task for stage in page.stages for task in stage.tasks.all()]
    for task in tasks:
        task.project = project
    return {task.pk for task in tasks if can_complete_task(user, task)}


def _done(request: HttpRequest, project_id: int, message: str | None = None) -> HttpResponse:
    if message:
        messages.success(request, message)
    return redirect("projects:detail", pk=project_id)


def _refused(request: HttpRequest, project_id: int, error: ValidationError) -> HttpResponse:
    for text in error.messages:
        messages.error(request, text)
    return redirect("projects:detail", pk=project_id)


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    project = get_project_or_404(request.user, pk)
    task = get_task_or_404(request.user, project, task_id)
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, ValidationError(list(form.errors.values())[0]))
    try:
        actions.do_complete_task(request.user, task, on=form.cleaned_data["done_on"])
    except ValidationError as error:
        return _refused(request, pk, error)
    return _done(request, pk, _("Task “%(title)s” done.") % {"title": task.title})


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    project = get_project_or_404(request.user, pk)
    task = get_task_or_404(request.user, project, task_id)
    try:
        actions.do_reopen_task(request.user, task)
    except ValidationError as error:
        return _refused(request, pk, error)
    return _done(request, pk, _("Task “%(title)s” reopened.") % {"title": task.title})


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    project = get_project_or_404(request.user, pk, for_work=True)
    task = get_task_or_404(request.user, project, task_id)
    form = TaskEditForm(
        _posted(request), initial={"assignee": task.assignee_id, "planned_end": task.planned_end}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_task(request.user, task, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, pk, _("Task “%(title)s” saved.") % {"title": task.title})
    return render(
        request, "projects/task_form.html", {"form": form, "project": project, "task": task}
    )


@login_required
@require_POST
def blocker_raise(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_or_404(request.user, pk, for_work=True)
    form = BlockerForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, ValidationError(_("Say what blocks the project.")))
    try:
        actions.do_raise_blocker(request.user, project, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return _refused(request, pk, error)
    return _done(request, pk, _("Blocker recorded; the head is told."))


@login_required
@require_POST
def blocker_lift(request: HttpRequest, pk: int, blocker_id: int) -> HttpResponse:
    project = get_project_or_404(request.user, pk, for_work=True)
    blocker = Blocker.objects.filter(project=project, pk=blocker_id).first()
    if blocker is None:
        raise Http404
    blocker.project = project
    form = LiftForm(request.POST)
    form.is_valid()
    actions.do_lift_blocker(
        request.user, blocker, resolution=form.cleaned_data.get("resolution", "")
    )
    return _done(request, pk, _("Blocker lifted."))


@login_required
@require_POST
def go_live(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_project_or_404(request.user, pk, for_work=True)
    form = GoLiveForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, ValidationError(list(form.errors.values())[0]))
    try:
        actions.do_go_live(request.user, project, on=form.cleaned_data["went_live_on"])
    except ValidationError as error:
        return _refused(request, pk, error)
    return _done(
        request, pk, _("%(client)s went live: the client is active.") % {"client": project.client}
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    require(can_run_projects(request.user))
    form = ProjectCreateForm(
        _posted(request),
        clients=clients_visible_to(request.user).order_by("name"),
        initial={"owner": request.user.pk, "start": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = actions.do_open_project(
                request.user,
                data["client"],
                owner=data["owner"],
                template=data["template"],
                start=data["start"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, project.pk, _("Project opened."))
    return render(request, "projects/project_form.html", {"form": form})


# ---- templates ----------------------------------------------------------------------------------


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    require(request.user.is_support_staff)
    return render(
        request,
        "projects/templates.html",
        {
            "templates": queries.templates().prefetch_related("stages__tasks"),
            "can_edit": can_edit_project_templates(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    require(can_edit_project_templates(request.user))
    template = None
    initial = {}
    if pk is not None:
        template = ProjectTemplate.objects.filter(pk=pk).first()
        if template is None:
            raise Http404
        initial = {
            "plan": plan_text(template.stages.prefetch_related("tasks")),
            "version": template.version,
        }
    form = TemplateForm(_posted(request), instance=template, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_template(
                request.user,
                template,
                stages=form.cleaned_data["plan"],
                expected_version=form.cleaned_data.get("version"),
                **form.values(),
            )
        except actions.StaleObjectError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": saved})
            return redirect("projects:templates")
    return render(request, "projects/template_form.html", {"form": form, "template": template})
