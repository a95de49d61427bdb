"""/api/v1/tickets and their messages (interfaces.md «HTTP API»), with the same permissions
as the pages: the list is the queue's (``can_read_queue``) or the portal's (a client contact's
own company), 403 for a role that reads neither; reads start from ``tickets_visible_to``
(another company's ticket is 404, and so is a client, site or contact named in a body that
the caller may not see); department work needs ``can_work_tickets`` (403), a client contact
may file tickets for their own company, reply, reopen and rate. Every write goes through
``tickets.actions``; a refusal because of the ticket's status (``TicketStateError``) is a 409,
any other refusal of the rules a 422.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from soprovod.accounts.models import User
from soprovod.accounts.permissions import (
    can_read_internal_notes,
    can_read_queue,
    can_reopen,
    can_reply,
    can_use_portal,
    can_work_tickets,
    can_write_internal_notes,
    require,
)
from soprovod.apiutils import (
    ObjectId,
    Pagination,
    api_user,
    error_responses,
    visible_or_404,
)
from soprovod.clients.permissions import (
    client_id_of_contact,
    clients_visible_to,
    contacts_visible_to,
    sites_visible_to,
)
from soprovod.core.errors import StateConflict
from soprovod.sla.clocks import ExtensionError
from soprovod.sla.models import SlaClock
from soprovod.tickets import actions, queries
from soprovod.tickets.models import Category, Channel, Ticket, TicketMessage
from soprovod.tickets.permissions import (
    get_ticket_or_404,
    is_own_company_ticket,
    messages_visible_to,
    tickets_visible_to,
)
from soprovod.tickets.schemas import (
    EscalationCreate,
    Extension,
    MessageCreate,
    MessageOut,
    Rating,
    StatusChange,
    TicketCreate,
    TicketFilters,
    TicketOut,
    TicketUpdate,
)

router = Router(tags=["tickets"])


def _with_clocks(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related("client", "category", "assignee").prefetch_related(
        Prefetch("clocks", queryset=SlaClock.objects.order_by("metric"))
    )


def _ticket(user: User, number: int) -> Ticket:
    return _with_clocks(Ticket.objects.filter(pk=get_ticket_or_404(user, number).pk)).get()


def _as_ticket_error(func, *args, **kwargs):
    """Run an action; a rule it refuses is the caller's 422, naming the reason (a refusal
    because of the ticket's status stays a ``StateConflict``: 409)."""
    try:
        return func(*args, **kwargs)
    except StateConflict:
        raise
    except (actions.TicketError, actions.AttachmentError) as exc:
        raise ValidationError(str(exc)) from None


def _pick(queryset: QuerySet, pk: int | None, field: str):
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: _("No such object, or not one you may use.")})
    return obj


def _pick_of_client(visible: QuerySet, pk: int | None, field: str, client_id: int):
    """A site or contact named in the body: 404 if the caller may not see it (as for a path),
    422 if it is visible but belongs to another client than the ticket's."""
    obj = visible_or_404(visible, pk, field)
    if obj is not None and obj.client_id != client_id:
        raise ValidationError({field: _("No such object, or not one you may use.")})
    return obj


@router.get(
    "/tickets", response={200: list[TicketOut], **error_responses(403)}, summary="List tickets"
)
@paginate(Pagination)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]):
    """Tickets the caller may see, newest first: the queue for the department and the CEO,
    their own company's tickets for a client contact (as the portal); 403 for other roles,
    as the queue page."""
    require(can_read_queue(api_user(request)) or can_use_portal(api_user(request)))
    tickets = tickets_visible_to(api_user(request)).filter(
        queries.ticket_condition(**filters.dict(), notes=can_read_internal_notes(api_user(request)))
    )
    return _with_clocks(tickets).order_by("-created_at", "-pk")


@router.get(
    "/tickets/{number}", response={200: TicketOut, **error_responses(404)}, summary="Read a ticket"
)
def get_ticket(request: HttpRequest, number: ObjectId):
    return _ticket(api_user(request), number)


@router.post(
    "/tickets", response={201: TicketOut, **error_responses(403, 404)}, summary="File a ticket"
)
def create_ticket(request: HttpRequest, payload: TicketCreate):
    """Staff file a ticket for any client (channel defaults to phone); a client contact files
    one for their own company (channel portal). A client, site or contact the caller may not
    see answers 404, as if absent."""
    user = api_user(request)
    if can_work_tickets(user):
        client = visible_or_404(clients_visible_to(user), payload.client, "client")
        if client is None:
            raise ValidationError({"client": _("Choose the client.")})
        channel = payload.channel or Channel.PHONE
        contact = _pick_of_client(contacts_visible_to(user), payload.contact, "contact", client.pk)
    elif client_id_of_contact(user):
        client = clients_visible_to(user).get()
        # Another company's client is not one the contact may see: 404, as if absent.
        visible_or_404(clients_visible_to(user), payload.client, "client")
        channel = Channel.PORTAL
        contact = user.contact
    else:
        raise PermissionDenied
    ticket = _as_ticket_error(
        actions.do_create_ticket,
        user,
        client=client,
        contact=contact,
        site=_pick_of_client(sites_visible_to(user), payload.site, "site", client.pk),
        category=_pick(Category.objects.filter(is_active=True), payload.category, "category"),
        subject=payload.subject,
        body=payload.body,
        type=payload.type,
        channel=channel,
        source=TicketMessage.Source.API,
    )
    return Status(201, _ticket(user, ticket.pk))


@router.patch(
    "/tickets/{number}",
    response={200: TicketOut, **error_responses(403, 404, 409)},
    summary="Change a ticket",
)
def update_ticket(request: HttpRequest, payload: TicketUpdate, number: ObjectId):
    """Type, category, subject, assignee, site or contact. A type change recomputes the SLA
    clocks of an open ticket."""
    user = api_user(request)
    ticket = get_ticket_or_404(user, number, for_work=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    values = {}
    if "subject" in data:
        values["subject"] = data["subject"]
    if "type" in data:
        values["type"] = data["type"]
    if "category" in data:
        values["category"] = _pick(Category.objects.all(), data["category"], "category")
    if "assignee" in data:
        values["assignee"] = _pick(queries.support_staff(), data["assignee"], "assignee")
    if "site" in data:
        values["site"] = _pick_of_client(
            sites_visible_to(user), data["site"], "site", ticket.client_id
        )
    if "contact" in data:
        values["contact"] = _pick_of_client(
            contacts_visible_to(user), data["contact"], "contact", ticket.client_id
        )
    _as_ticket_error(actions.do_update_ticket, user, ticket, expected_version=version, **values)
    return _ticket(user, number)


@router.post(
    "/tickets/{number}/status",
    response={200: TicketOut, **error_responses(403, 404, 409)},
    summary="Move a ticket through its workflow",
)
def change_status(request: HttpRequest, payload: StatusChange, number: ObjectId):
    """``waiting_client`` pauses the resolution clock, ``open`` resumes it (or reopens a
    resolved ticket), ``resolved`` stops it, ``closed`` makes the outcome final."""
    user = api_user(request)
    ticket = get_ticket_or_404(user, number, for_work=True)
    _as_ticket_error(
        actions.do_change_status,
        user,
        ticket,
        payload.status,
        expected_version=payload.version,
        reason=payload.reason,
    )
    return _ticket(user, number)


@router.post(
    "/tickets/{number}/reopen",
    response={200: TicketOut, **error_responses(403, 404, 409)},
    summary="Reopen a resolved ticket",
)
def reopen(request: HttpRequest, number: ObjectId):
    user = api_user(request)
    ticket = get_ticket_or_404(user, number)
    require(can_reopen(user) or is_own_company_ticket(user, ticket))
    _as_ticket_error(actions.do_reopen, user, ticket)
    return _ticket(user, number)


@router.post(
    "/tickets/{number}/rating",
    response={200: TicketOut, **error_responses(403, 404, 409)},
    summary="Rate a resolved ticket (CSAT 1–5)",
)
def rate(request: HttpRequest, payload: Rating, number: ObjectId):
    user = api_user(request)
    ticket = get_ticket_or_404(user, number)
    require(
        is_own_company_ticket(user, ticket), message=_("Only the client's contacts rate a ticket.")
    )
    _as_ticket_error(actions.do_rate, user, ticket, payload.score, payload.comment)
    return _ticket(user, number)


@router.post(
    "/tickets/{number}/extension",
    response={200: TicketOut, **error_responses(403, 404, 409)},
    summary="Extend the resolution due time (with a reason, never past the ceiling)",
)
def extend(request: HttpRequest, payload: Extension, number: ObjectId):
    user = api_user(request)
    ticket = get_ticket_or_404(user, number, for_work=True)
    try:
        _as_ticket_error(actions.do_extend_due, user, ticket, payload.due_at, payload.reason)
    except ExtensionError as exc:
        if isinstance(exc, StateConflict):
            raise
        raise ValidationError({"due_at": str(exc)}) from None
    return _ticket(user, number)


@router.post(
    "/tickets/{number}/escalations",
    response={201: TicketOut, **error_responses(403, 404)},
    summary="Escalate a ticket to the head or the CEO",
)
def escalate(request: HttpRequest, payload: EscalationCreate, number: ObjectId):
    user = api_user(request)
    ticket = get_ticket_or_404(user, number, for_work=True)
    _as_ticket_error(actions.do_escalate, user, ticket, payload.level, payload.reason)
    return Status(201, _ticket(user, number))


@router.get(
    "/tickets/{number}/messages",
    response={200: list[MessageOut], **error_responses(404)},
    summary="The conversation (internal notes only for staff)",
)
@paginate(Pagination)
def list_messages(request: HttpRequest, number: ObjectId):
    user = api_user(request)
    ticket = get_ticket_or_404(user, number)
    return (
        messages_visible_to(user, ticket)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


@router.post(
    "/tickets/{number}/messages",
    response={201: MessageOut, **error_responses(403, 404, 409)},
    summary="Reply (or, for staff, add an internal note)",
)
def add_message(request: HttpRequest, payload: MessageCreate, number: ObjectId):
    """The first public reply by staff stops the first-response clock; a client's reply
    to a ticket waiting for them resumes its resolution clock."""
    user = api_user(request)
    ticket = get_ticket_or_404(user, number)
    require(can_reply(user) or is_own_company_ticket(user, ticket))
    if payload.internal:
        require(can_write_internal_notes(user), message=_("Only staff can write internal notes."))
    message = _as_ticket_error(
        actions.do_add_message,
        user,
        ticket,
        payload.body,
        internal=payload.internal,
        expected_version=payload.version,
        source=TicketMessage.Source.API,
    )
    return Status(201, TicketMessage.objects.select_related("author").get(pk=message.pk))
