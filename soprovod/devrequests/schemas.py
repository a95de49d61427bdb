"""The shapes of requests to development in the HTTP API."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from soprovod.apiutils import InputSchema, ObjectId, QuerySchema

Kind = Literal["bug", "improvement", "feature"]


class RequestFilters(QuerySchema):
    view: Literal["inbox", "all"] = Field(
        "inbox", description="inbox: what development owes, by impact and time left"
    )
    status: str = Field("", max_length=16)
    kind: Kind | Literal[""] = ""


class TicketRef(Schema):
    """A linked ticket: its number and subject (all development sees of a ticket)."""

    id: int
    subject: str
    type: str
    status: str


class RoundOut(Schema):
    number: int
    submitted_at: dt.datetime
    due_at: dt.datetime
    ended_at: dt.datetime | None
    outcome: str
    elapsed_hours: float | None

    @staticmethod
    def resolve_elapsed_hours(obj) -> float | None:
        return None if obj.elapsed_seconds is None else round(obj.elapsed_seconds / 3600, 2)


class RequestOut(Schema):
    id: int
    kind: Kind
    title: str
    status: str
    votes: int
    created_at: dt.datetime
    due_at: dt.datetime | None = Field(description="The running agreement clock's due time")
    planned_release: str
    planned_on: dt.date | None
    decision: str
    released_in: str
    released_at: dt.datetime | None
    merged_into: int | None = Field(None, alias="merged_into_id")
    ticket_count: int
    emergency_count: int
    client_count: int
    mrr_total: Decimal
    recent_ticket_count: int = Field(
        description="Tickets of the last 90 days, same category or linked"
    )
    impact: float
    version: int


class RequestDetailOut(RequestOut):
    description: str
    tickets: list[TicketRef]
    client_ids: list[int] | None = Field(
        description="The clients concerned; null for a caller who does not read the portfolio"
    )
    rounds: list[RoundOut]


class RequestIn(InputSchema):
    kind: Kind
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    ticket_ids: list[ObjectId] = []
    client_ids: list[ObjectId] = []
    submit: bool = True


class AcceptIn(InputSchema):
    planned_release: str = Field("", max_length=100)
    planned_on: dt.date | None = None
    version: int | None = None


class DecisionIn(InputSchema):
    decision: str = Field(min_length=1)
    version: int | None = None


class ReleaseIn(InputSchema):
    released_in: str = Field("", max_length=100)
    version: int | None = None


class MergeIn(InputSchema):
    into: ObjectId
