"""/api/v1/dev-requests (interfaces.md «HTTP API»), through the same permission layer and
actions as the pages; a refusal because of the request's status (already decided, closed,
merged) is a 409 (``DevRequestStateError``), any other refusal of the rules a 422.
Development reads requests and the linked tickets' subjects, never
the client portfolio (``client_ids`` is null for it)."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from soprovod.accounts.permissions import (
    can_decide_dev_requests,
    can_file_dev_requests,
    can_merge_dev_requests,
    can_see_dev_requests,
    require,
    sees_dev_request_clients,
)
from soprovod.apiutils import ObjectId, Pagination, api_user, error_responses
from soprovod.clients.permissions import get_client_or_404
from soprovod.devrequests import actions, queries
from soprovod.devrequests.models import RequestStatus
from soprovod.devrequests.permissions import get_request_or_404, requests_visible_to
from soprovod.devrequests.schemas import (
    AcceptIn,
    DecisionIn,
    MergeIn,
    ReleaseIn,
    RequestDetailOut,
    RequestFilters,
    RequestIn,
    RequestOut,
)
from soprovod.tickets.permissions import get_ticket_or_404

router = Router(tags=["dev-requests"])


def _section(request: HttpRequest):
    user = api_user(request)
    require(can_see_dev_requests(user))
    return user


def _detail(user, pk: int):
    get_request_or_404(user, pk)
    item = queries.with_impact(requests_visible_to(user).filter(pk=pk)).get()
    item.tickets_list = list(item.tickets.order_by("pk"))
    return {
        **{
            field: getattr(item, field)
            for field in RequestOut.model_fields
            if field != "merged_into"
        },
        "merged_into_id": item.merged_into_id,
        "description": item.description,
        "tickets": item.tickets_list,
        "client_ids": list(item.clients.order_by("pk").values_list("pk", flat=True))
        if sees_dev_request_clients(user)
        else None,
        "rounds": list(item.rounds.all()),
    }


@router.get("/dev-requests", response={200: list[RequestOut], **error_responses(403)})
@paginate(Pagination)
def list_requests(request: HttpRequest, filters: Query[RequestFilters]):
    """The inbox (default) or every request, with impact computed from the data."""
    user = _section(request)
    visible = requests_visible_to(user)
    if filters.view == "all":
        status = filters.status if filters.status in RequestStatus.values else ""
        return queries.listing(visible, status=status, kind=filters.kind)
    return queries.inbox(visible, timezone.now())


@router.get(
    "/dev-requests/{request_id}", response={200: RequestDetailOut, **error_responses(403, 404)}
)
def get_request(request: HttpRequest, request_id: ObjectId):
    return _detail(_section(request), request_id)


@router.post("/dev-requests", response={201: RequestDetailOut, **error_responses(403, 404)})
def create_request(request: HttpRequest, payload: RequestIn):
    user = _section(request)
    require(can_file_dev_requests(user))
    tickets = [get_ticket_or_404(user, pk) for pk in payload.ticket_ids]
    clients = [get_client_or_404(user, pk) for pk in payload.client_ids]
    created = actions.do_create_request(
        user,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        tickets=tickets,
        clients=clients,
        submit=payload.submit,
    )
    return Status(201, _detail(user, created.pk))


def _decided(request: HttpRequest, request_id: int, action, **values):
    user = _section(request)
    item = get_request_or_404(user, request_id, allowed=can_decide_dev_requests(user))
    action(user, item, **values)
    return _detail(user, request_id)


@router.post(
    "/dev-requests/{request_id}/accept",
    response={200: RequestDetailOut, **error_responses(403, 404, 409)},
)
def accept(request: HttpRequest, request_id: ObjectId, payload: AcceptIn):
    return _decided(
        request,
        request_id,
        actions.do_accept,
        planned_release=payload.planned_release,
        planned_on=payload.planned_on,
        expected_version=payload.version,
    )


@router.post(
    "/dev-requests/{request_id}/decline",
    response={200: RequestDetailOut, **error_responses(403, 404, 409)},
)
def decline(request: HttpRequest, request_id: ObjectId, payload: DecisionIn):
    return _decided(
        request,
        request_id,
        actions.do_decline,
        decision=payload.decision,
        expected_version=payload.version,
    )


@router.post(
    "/dev-requests/{request_id}/start",
    response={200: RequestDetailOut, **error_responses(403, 404, 409)},
)
def start(request: HttpRequest, request_id: ObjectId):
    return _decided(request, request_id, actions.do_start)


@router.post(
    "/dev-requests/{request_id}/release",
    response={200: RequestDetailOut, **error_responses(403, 404, 409)},
)
def release(request: HttpRequest, request_id: ObjectId, payload: ReleaseIn):
    return _decided(
        request,
        request_id,
        actions.do_release,
        released_in=payload.released_in,
        expected_version=payload.version,
    )


@router.post(
    "/dev-requests/{request_id}/wont-do",
    response={200: RequestDetailOut, **error_responses(403, 404, 409)},
)
def wont_do(request: HttpRequest, request_id: ObjectId, payload: DecisionIn):
    return _decided(
        request,
        request_id,
        actions.do_wont_do,
        decision=payload.decision,
        expected_version=payload.version,
    )


@router.post(
    "/dev-requests/{request_id}/submit",
    response={200: RequestDetailOut, **error_responses(403, 404, 409)},
)
def submit(request: HttpRequest, request_id: ObjectId):
    user = _section(request)
    item = get_request_or_404(user, request_id, allowed=can_file_dev_requests(user))
    actions.do_submit(user, item)
    return _detail(user, request_id)


@router.post(
    "/dev-requests/{request_id}/merge",
    response={200: RequestDetailOut, **error_responses(403, 404, 409)},
)
def merge(request: HttpRequest, request_id: ObjectId, payload: MergeIn):
    """Merge this request into ``into``: links and votes carry over; returns the survivor."""
    user = _section(request)
    item = get_request_or_404(user, request_id, allowed=can_merge_dev_requests(user))
    survivor = get_request_or_404(user, payload.into)
    actions.do_merge(user, item, survivor)
    return _detail(user, survivor.pk)
