"""/api/v1/claims (interfaces.md «HTTP API»), through the same permission layer and actions
as the pages: the head, the success managers and the CEO read the register; the head and
the success managers register and change claims."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from soprovod.accounts.models import User
from soprovod.accounts.permissions import can_see_claims, can_work_claims, require
from soprovod.apiutils import ObjectId, Pagination, api_user, error_responses
from soprovod.clients.permissions import get_client_or_404
from soprovod.success import actions, queries
from soprovod.success.permissions import claims_visible_to, get_claim_or_404
from soprovod.success.schemas import ClaimFilters, ClaimIn, ClaimOut, ClaimPatch

router = Router(tags=["claims"])


def _section(request: HttpRequest):
    user = api_user(request)
    require(can_see_claims(user))
    return user


def _owner(pk: int | None):
    if pk is None:
        return None
    owner = User.objects.filter(pk=pk, is_active=True).first()
    require(owner is not None, hidden=True)
    return owner


@router.get("/claims", response={200: list[ClaimOut], **error_responses(403)})
@paginate(Pagination)
def list_claims(request: HttpRequest, filters: Query[ClaimFilters]):
    """The register: open claims by deadline (``state``: open, due_soon, overdue, closed,
    all)."""
    user = _section(request)
    claims = claims_visible_to(user)
    if filters.client_id is not None:
        claims = claims.filter(client_id=filters.client_id)
    return queries.register(
        claims,
        today=timezone.localdate(),
        state=filters.state,
        direction=filters.direction,
        owner_id=filters.owner_id,
        search=filters.q.strip(),
    )


@router.get("/claims/{claim_id}", response={200: ClaimOut, **error_responses(403, 404)})
def get_claim(request: HttpRequest, claim_id: ObjectId):
    return get_claim_or_404(_section(request), claim_id)


@router.post("/claims", response={201: ClaimOut, **error_responses(403, 404)})
def create_claim(request: HttpRequest, payload: ClaimIn):
    """Register a claim; the response deadline is computed from the receipt date."""
    user = _section(request)
    require(can_work_claims(user))
    data = payload.dict()
    client = get_client_or_404(user, data.pop("client_id"))
    data["owner"] = _owner(data.pop("owner_id")) if payload.owner_id else user
    return Status(201, actions.do_create_claim(user, client=client, **data))


@router.patch("/claims/{claim_id}", response={200: ClaimOut, **error_responses(403, 404, 409)})
def update_claim(request: HttpRequest, claim_id: ObjectId, payload: ClaimPatch):
    """Changes only the fields sent; with ``version``, refuses (409) a stale change."""
    user = _section(request)
    claim = get_claim_or_404(user, claim_id, for_update=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    if "owner_id" in data:
        data["owner"] = _owner(data.pop("owner_id"))
    return actions.do_update_claim(user, claim, expected_version=version, **data)
