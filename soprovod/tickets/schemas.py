"""The shapes of tickets and messages in the HTTP API.

A ticket answers with its SLA clocks as the product sees them (``due_at``, ``status``
met|breached|pending as of the answer, never a stale stored one; ``paused``), so
integrations can audit the clocks. Internal notes are
never in a client contact's answers (the permission layer filters them out).
"""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from soprovod.apiutils import InputSchema, ObjectId, QuerySchema
from soprovod.clients.schemas import ClientRef, UserRef
from soprovod.sla.clocks import status_now, ticket_status_now
from soprovod.tickets.models import TicketType

TypeCode = Literal["emergency", "standard", "consultation"]
StatusCode = Literal["new", "open", "waiting_client", "resolved", "closed"]


class ClockOut(Schema):
    metric: str
    due_at: dt.datetime
    status: str = Field(description="met | breached | pending, as of the time of the answer")
    stopped_at: dt.datetime | None
    paused: bool
    ceiling_at: dt.datetime | None
    elapsed_minutes: float | None = Field(description="Business minutes, once stopped.")

    @staticmethod
    def resolve_status(obj) -> str:
        return status_now(obj)

    @staticmethod
    def resolve_paused(obj) -> bool:
        return obj.paused_since is not None

    @staticmethod
    def resolve_elapsed_minutes(obj) -> float | None:
        return None if obj.elapsed_seconds is None else obj.elapsed_seconds / 60


class TicketOut(Schema):
    number: int
    subject: str
    type: TypeCode
    status: StatusCode
    channel: str
    category: str | None
    client: ClientRef | None
    site_id: int | None
    contact_id: int | None
    assignee: UserRef | None
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    is_repeat: bool
    reopened_count: int
    csat_score: int | None
    version: int
    sla_status: str = Field(
        description="met | breached | pending as of now: met when the first response and the "
        "resolution are met (the ceiling does not count)."
    )
    clocks: list[ClockOut]

    @staticmethod
    def resolve_number(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_category(obj) -> str | None:
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_clocks(obj) -> list:
        return list(obj.clocks.all())

    @staticmethod
    def resolve_sla_status(obj) -> str:
        return ticket_status_now(obj.clocks.all())


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: Literal["public", "internal"]
    from_staff: bool
    author: UserRef | None
    body: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())


class TicketFilters(QuerySchema):
    status: StatusCode | None = None
    type: TypeCode | None = None
    client: ObjectId | None = None
    assignee: ObjectId | None = None
    category: ObjectId | None = None
    open: bool | None = Field(None, description="Only open (new, in progress, waiting) tickets.")
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    q: str = Field(
        "",
        max_length=200,
        description="Words of the subject, the messages and (staff) the internal notes, in "
        "any of their forms; or a ticket number.",
    )


class TicketCreate(InputSchema):
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=100_000)
    type: TypeCode = TicketType.STANDARD.value
    client: ObjectId | None = Field(
        None, description="Staff: required. A client contact: their own company."
    )
    category: ObjectId | None = None
    site: ObjectId | None = None
    contact: ObjectId | None = None
    channel: Literal["portal", "email", "phone", "messenger", "internal"] | None = None


class TicketUpdate(InputSchema):
    subject: str | None = Field(None, min_length=1, max_length=300)
    type: TypeCode | None = None
    category: ObjectId | None = None
    assignee: ObjectId | None = None
    site: ObjectId | None = None
    contact: ObjectId | None = None
    version: int | None = Field(None, description="Refuse with 409 if the ticket changed since.")


class StatusChange(InputSchema):
    status: StatusCode
    reason: str = Field("", max_length=2000)
    version: int | None = None


class MessageCreate(InputSchema):
    body: str = Field(min_length=1, max_length=100_000)
    internal: bool = False
    version: int | None = None


class Rating(InputSchema):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=5000)


class Extension(InputSchema):
    due_at: dt.datetime
    reason: str = Field(min_length=1, max_length=2000)


class EscalationCreate(InputSchema):
    level: Literal["head", "ceo"]
    reason: str = Field(min_length=1, max_length=5000)
