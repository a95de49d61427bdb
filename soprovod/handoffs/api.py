"""/api/v1/handoffs (interfaces.md «HTTP API»): sales' own hand-offs, support's inbox, the
checklist, submit, return and accept — through the same permission layer and actions as the
pages. Who may act is asked here (403: not the owner, not an agreer); whether the hand-off's
status allows it is the action's to say (``HandoffStateError``: 409), so that a script that
PATCHes a submitted hand-off learns "wrong state", not "wrong person"."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from soprovod.accounts.models import User
from soprovod.accounts.permissions import (
    can_agree_handoffs,
    can_see_handoffs,
    can_start_handoffs,
    require,
)
from soprovod.accounts.roles import Role
from soprovod.apiutils import ObjectId, Pagination, api_user, error_responses, visible_or_404
from soprovod.clients.permissions import clients_visible_to
from soprovod.handoffs import actions, checklist, queries
from soprovod.handoffs.models import Handoff
from soprovod.handoffs.permissions import get_handoff_or_404, owns_handoff
from soprovod.handoffs.schemas import (
    HandoffAcceptIn,
    HandoffDetailOut,
    HandoffFilters,
    HandoffIn,
    HandoffOut,
    HandoffRoundOut,
    ReturnIn,
)

router = Router(tags=["handoffs"])


def _section(request: HttpRequest):
    user = api_user(request)
    require(can_see_handoffs(user))
    return user


def _own(user, pk: int) -> Handoff:
    """A hand-off its sales owner may change or submit: 404 unseen, 403 not theirs."""
    handoff = get_handoff_or_404(user, pk)
    require(owns_handoff(user, handoff))
    return handoff


def _to_answer(user, pk: int) -> Handoff:
    """A hand-off support may accept or return: 404 unseen, 403 not an agreer."""
    handoff = get_handoff_or_404(user, pk)
    require(can_agree_handoffs(user))
    return handoff


def _one(user, pk: int) -> Handoff:
    return queries.handoff_list(user).get(pk=pk)


def _detail(user, pk: int) -> dict:
    handoff = get_handoff_or_404(user, pk)
    sites, documents = list(handoff.sites.all()), list(handoff.documents.all())
    fields = {
        name: getattr(handoff, name)
        for name in HandoffDetailOut.model_fields
        if name not in ("handoff", "sites", "documents", "rounds", "missing")
    }
    return {
        **fields,
        "handoff": _one(user, pk),
        "sites": [
            {"name": s.name, "address": s.address, "timezone": s.timezone, "equipment": s.equipment}
            for s in sites
        ],
        "documents": [d.name for d in documents],
        "rounds": list(queries.rounds_of(handoff)),
        "missing": [
            {"item": item, "what": what}
            for item, what in checklist.missing(handoff, sites, len(documents))
        ],
    }


@router.get("/handoffs", response={200: list[HandoffOut], **error_responses(403)})
@paginate(Pagination)
def list_handoffs(request: HttpRequest, filters: Query[HandoffFilters]):
    """Hand-offs the caller may read (sales: their own), newest first."""
    user = _section(request)
    return queries.handoff_list(user, status=filters.status, q=filters.q.strip())


@router.get("/handoffs/inbox", response={200: list[HandoffRoundOut], **error_responses(403)})
@paginate(Pagination)
def inbox(request: HttpRequest):
    """Rounds waiting for support's answer, least time left first."""
    user = _section(request)
    require(can_agree_handoffs(user))
    return queries.inbox(user)


@router.get("/handoffs/{handoff_id}", response={200: HandoffDetailOut, **error_responses(403, 404)})
def get_handoff(request: HttpRequest, handoff_id: ObjectId):
    return _detail(_section(request), handoff_id)


def _values(user, payload: HandoffIn) -> tuple[dict, list | None]:
    values = payload.dict(exclude={"version", "client_id", "sites"}, exclude_unset=True)
    if "client_id" in payload.model_fields_set:
        values["client"] = visible_or_404(clients_visible_to(user), payload.client_id, "client_id")
    sites = [site.dict() for site in payload.sites] if payload.sites is not None else None
    return values, sites


@router.post("/handoffs", response={201: HandoffOut, **error_responses(403)})
def create_handoff(request: HttpRequest, payload: HandoffIn):
    """Start a draft hand-off (sales)."""
    user = _section(request)
    require(can_start_handoffs(user))
    values, sites = _values(user, payload)
    handoff = actions.do_save_handoff(user, None, sites=sites or [], **values)
    return Status(201, _one(user, handoff.pk))


@router.patch(
    "/handoffs/{handoff_id}", response={200: HandoffOut, **error_responses(403, 404, 409)}
)
def update_handoff(request: HttpRequest, handoff_id: ObjectId, payload: HandoffIn):
    user = _section(request)
    handoff = _own(user, handoff_id)
    values, sites = _values(user, payload)
    actions.do_save_handoff(user, handoff, sites=sites, expected_version=payload.version, **values)
    return _one(user, handoff_id)


@router.post(
    "/handoffs/{handoff_id}/submit",
    response={200: HandoffRoundOut, **error_responses(403, 404, 409)},
)
def submit(request: HttpRequest, handoff_id: ObjectId):
    """Submit (or resubmit): a new agreement round; 422 names every missing item, 409 says
    the hand-off is submitted or accepted already."""
    user = _section(request)
    handoff = _own(user, handoff_id)
    return actions.do_submit_handoff(user, handoff)


@router.post(
    "/handoffs/{handoff_id}/return",
    response={200: HandoffRoundOut, **error_responses(403, 404, 409)},
)
def return_handoff(request: HttpRequest, handoff_id: ObjectId, payload: ReturnIn):
    user = _section(request)
    handoff = _to_answer(user, handoff_id)
    return actions.do_return_handoff(
        user, handoff, reasons=payload.reasons, comment=payload.comment
    )


def _user_with_role(pk: int | None, role: str, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True, role_rows__role=role).first()
    if user is None:
        raise ValidationError({field: "No such user with that role."})
    return user


@router.post(
    "/handoffs/{handoff_id}/accept",
    response={200: HandoffOut, **error_responses(403, 404, 409)},
)
def accept(request: HttpRequest, handoff_id: ObjectId, payload: HandoffAcceptIn):
    """Accept: the client onboarding and its project opened, in one transaction."""
    user = _section(request)
    handoff = _to_answer(user, handoff_id)
    actions.do_accept_handoff(
        user,
        handoff,
        success_manager=_user_with_role(
            payload.success_manager_id, Role.SUCCESS_MANAGER, "success_manager_id"
        ),
        implementation_manager=_user_with_role(
            payload.implementation_manager_id,
            Role.IMPLEMENTATION_MANAGER,
            "implementation_manager_id",
        ),
        comment=payload.comment,
    )
    return _one(user, handoff_id)
