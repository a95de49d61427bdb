"""/api/v1/escalations (issue 12): the same inbox, lifecycle and permissions as the pages
(`tickets.escalation_views`): a user reads the escalations `escalations_visible_to` them
(404 otherwise), the inbox is refused (403) to whoever has none, acknowledging and resolving
need `can_answer_escalation` (403). Every write goes through `tickets.actions`."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from soprovod.accounts.permissions import require
from soprovod.apiutils import (
    InputSchema,
    ObjectId,
    Pagination,
    QuerySchema,
    api_user,
    error_responses,
    visible_or_404,
)
from soprovod.clients.permissions import clients_visible_to
from soprovod.core.errors import StateConflict
from soprovod.tickets import actions, queries
from soprovod.tickets.models import Escalation
from soprovod.tickets.permissions import (
    can_answer_escalation,
    can_raise_by_hand,
    can_see_escalation_inbox,
    get_escalation_or_404,
)

router = Router(tags=["escalations"])


class EscalationOut(Schema):
    id: int
    level: str
    status: str
    subject: str
    ticket: int | None = Field(None, alias="ticket_id")
    client: int | None = Field(None, alias="client_id")
    reason: str
    raised_by: int | None = Field(None, alias="raised_by_id")
    addressed_to: int | None = Field(None, alias="addressed_to_id")
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: int | None = Field(None, alias="acknowledged_by_id")
    resolved_at: dt.datetime | None
    resolved_by: int | None = Field(None, alias="resolved_by_id")
    decision: str = Field("", alias="outcome")
    version: int


class InboxFilters(QuerySchema):
    view: Literal["open", "resolved", "all"] = "open"


class EscalationRaise(InputSchema):
    level: Literal["head", "ceo"]
    reason: str = Field(min_length=1, max_length=5000)
    client: ObjectId | None = None


class EscalationResolve(InputSchema):
    decision: str = Field(min_length=1, max_length=4000)
    version: int | None = None


def _refused(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except StateConflict:
        raise  # the escalation's status refuses: 409
    except actions.TicketError as exc:
        raise ValidationError(str(exc)) from None


@router.get(
    "/escalations",
    response={200: list[EscalationOut], **error_responses(403)},
    summary="The caller's escalation inbox, oldest open first",
)
@paginate(Pagination)
def inbox(request: HttpRequest, filters: Query[InboxFilters]):
    user = api_user(request)
    now = timezone.now()
    require(can_see_escalation_inbox(user, now))
    return queries.escalation_inbox(user, filters.view, now)


@router.post(
    "/escalations",
    response={201: EscalationOut, **error_responses(403, 404)},
    summary="Raise an escalation about a client or a cross-department issue",
)
def raise_escalation(request: HttpRequest, payload: EscalationRaise):
    user = api_user(request)
    require(can_raise_by_hand(user))
    client = None
    if payload.client is not None:
        client = visible_or_404(clients_visible_to(user), payload.client, "client")
    escalation = _refused(
        actions.do_raise_escalation,
        user,
        level=payload.level,
        reason=payload.reason,
        client=client,
    )
    return Status(201, escalation)


@router.get(
    "/escalations/{escalation_id}",
    response={200: EscalationOut, **error_responses(404)},
    summary="One escalation",
)
def detail(request: HttpRequest, escalation_id: ObjectId):
    return get_escalation_or_404(api_user(request), escalation_id)


def _answerable(request: HttpRequest, escalation_id: int) -> Escalation:
    user = api_user(request)
    escalation = get_escalation_or_404(user, escalation_id)
    require(can_answer_escalation(user, escalation))
    return escalation


@router.post(
    "/escalations/{escalation_id}/acknowledge",
    response={200: EscalationOut, **error_responses(403, 404)},
    summary="Acknowledge an escalation (the time to acknowledge stops)",
)
def acknowledge(request: HttpRequest, escalation_id: ObjectId):
    escalation = _answerable(request, escalation_id)
    return actions.do_acknowledge_escalation(api_user(request), escalation)


@router.post(
    "/escalations/{escalation_id}/resolve",
    response={200: EscalationOut, **error_responses(403, 404, 409)},
    summary="Resolve an escalation with the decision taken",
)
def resolve(request: HttpRequest, escalation_id: ObjectId, payload: EscalationResolve):
    escalation = _answerable(request, escalation_id)
    return _refused(
        actions.do_resolve_escalation,
        api_user(request),
        escalation,
        payload.decision,
        expected_version=payload.version,
    )
