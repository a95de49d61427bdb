"""/api/v1/projects, /api/v1/project-tasks, /api/v1/project-templates (interfaces.md «HTTP
API»), through the same permission layer and actions as the pages."""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from soprovod.accounts.permissions import can_run_projects, can_see_projects, require
from soprovod.apiutils import ObjectId, Pagination, api_user, error_responses
from soprovod.projects import actions, queries
from soprovod.projects.models import Project
from soprovod.projects.permissions import get_project_or_404, get_task_or_404
from soprovod.projects.schemas import (
    BlockerIn,
    BlockerOut,
    GoLiveIn,
    MyTaskOut,
    ProjectDetailOut,
    ProjectFilters,
    ProjectOut,
    TaskDoneIn,
    TaskOut,
    TemplateOut,
)

router = Router(tags=["projects"])


def _section(request: HttpRequest):
    user = api_user(request)
    require(can_see_projects(user))
    return user


def _one(user, pk: int) -> Project:
    """The project as the list shows it (health, task counts)."""
    get_project_or_404(user, pk)
    filters = queries.ProjectFilters(status="")
    return queries.project_list(user, filters).get(pk=pk)


@router.get("/projects", response={200: list[ProjectOut], **error_responses(403)})
@paginate(Pagination)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]):
    """Projects the caller may read (sales: of the clients they sold), go-live order."""
    user = _section(request)
    return queries.project_list(
        user,
        queries.ProjectFilters(
            health=filters.health or "",
            owner=str(filters.owner or ""),
            q=filters.q.strip(),
            status=filters.status,
        ),
    )


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, **error_responses(403, 404)})
def get_project(request: HttpRequest, project_id: ObjectId):
    user = _section(request)
    project = get_project_or_404(user, project_id)
    page = queries.project_page(project)
    return {"project": _one(user, project_id), "stages": page.stages, "blockers": page.blockers}


@router.post(
    "/projects/{project_id}/tasks/{task_id}/complete",
    response={200: TaskOut, **error_responses(403, 404, 409)},
)
def complete_task(
    request: HttpRequest, project_id: ObjectId, task_id: ObjectId, payload: TaskDoneIn
):
    user = _section(request)
    project = get_project_or_404(user, project_id)
    task = get_task_or_404(user, project, task_id)
    return actions.do_complete_task(user, task, on=payload.done_on)


@router.post(
    "/projects/{project_id}/go-live",
    response={200: ProjectOut, **error_responses(403, 404, 409)},
)
def go_live(request: HttpRequest, project_id: ObjectId, payload: GoLiveIn):
    user = _section(request)
    project = get_project_or_404(user, project_id, for_work=True)
    actions.do_go_live(user, project, on=payload.went_live_on)
    return _one(user, project_id)


@router.post(
    "/projects/{project_id}/blockers",
    response={201: BlockerOut, **error_responses(403, 404, 409)},
)
def raise_blocker(request: HttpRequest, project_id: ObjectId, payload: BlockerIn):
    user = _section(request)
    project = get_project_or_404(user, project_id, for_work=True)
    return Status(201, actions.do_raise_blocker(user, project, reason=payload.reason))


@router.get("/project-tasks", response={200: list[MyTaskOut], **error_responses(403)})
@paginate(Pagination)
def list_my_tasks(request: HttpRequest):
    """The caller's open tasks (assigned to them, or unassigned in projects they own)."""
    user = _section(request)
    require(can_run_projects(user))
    return queries.my_tasks(user)


@router.get("/project-templates", response={200: list[TemplateOut], **error_responses(403)})
def list_templates(request: HttpRequest):
    user = _section(request)
    require(user.is_support_staff)
    return list(queries.templates().prefetch_related("stages__tasks"))
