"""The shapes of hand-offs in the HTTP API."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from soprovod.apiutils import InputSchema, ObjectId, QuerySchema
from soprovod.clients.schemas import ClientRef, UserRef

Status = Literal["draft", "submitted", "returned", "accepted", ""]


class HandoffFilters(QuerySchema):
    status: Status = Field("", description="Empty for every status.")
    q: str = Field("", max_length=100)


class SiteIO(Schema):
    name: str = Field(..., max_length=300)
    address: str = Field("", max_length=500)
    timezone: str = Field("Europe/Moscow", max_length=64)
    equipment: str = ""


class HandoffOut(Schema):
    id: int
    status: str
    sales: UserRef
    client: ClientRef | None
    client_name: str
    contract_number: str
    tariff: str
    round_number: int | None = None
    round_submitted_at: dt.datetime | None = None
    round_due_at: dt.datetime | None = None
    round_answered_at: dt.datetime | None = None
    project_id: int | None
    version: int


class HandoffRoundOut(Schema):
    handoff_id: int
    number: int
    submitted_at: dt.datetime
    due_at: dt.datetime
    warn_at: dt.datetime
    answered_at: dt.datetime | None
    outcome: str
    elapsed_seconds: int | None
    reasons: dict[str, str]
    comment: str
    calendar: str | None

    @staticmethod
    def resolve_calendar(obj) -> str | None:
        return obj.calendar.name if obj.calendar_id else None


class MissingOut(Schema):
    item: str
    what: str


class HandoffDetailOut(Schema):
    handoff: HandoffOut
    contract_date: dt.date | None
    mrr_rub: Decimal | None
    term_months: int | None
    inn: str
    segment: str
    decision_maker_name: str
    decision_maker_phone: str
    decision_maker_email: str
    technical_name: str
    technical_phone: str
    technical_email: str
    billing_name: str
    billing_phone: str
    billing_email: str
    modules: str
    integrations: str
    passes_or_users: int | None
    promised_go_live: dt.date | None
    promised_dates: str
    special_terms: str
    sites: list[SiteIO]
    documents: list[str]
    rounds: list[HandoffRoundOut]
    missing: list[MissingOut]


class HandoffIn(InputSchema):
    """A draft's checklist; on a change, the fields sent replace the stored ones (``sites``
    replaces every site when sent)."""

    version: int | None = Field(None, description="The version read; a stale one is 409.")
    client_id: ObjectId | None = None
    client_name: str = Field("", max_length=300)
    inn: str = Field("", max_length=12)
    segment: str = Field("", max_length=100)
    contract_number: str = Field("", max_length=100)
    contract_date: dt.date | None = None
    tariff: str = Field("", max_length=100)
    mrr_rub: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    term_months: int | None = Field(None, ge=1, le=120)
    decision_maker_name: str = Field("", max_length=300)
    decision_maker_phone: str = Field("", max_length=50)
    decision_maker_email: str = Field("", max_length=254)
    technical_name: str = Field("", max_length=300)
    technical_phone: str = Field("", max_length=50)
    technical_email: str = Field("", max_length=254)
    billing_name: str = Field("", max_length=300)
    billing_phone: str = Field("", max_length=50)
    billing_email: str = Field("", max_length=254)
    modules: str = ""
    integrations: str = ""
    passes_or_users: int | None = Field(None, ge=0)
    promised_go_live: dt.date | None = None
    promised_dates: str = ""
    special_terms: str = ""
    sites: list[SiteIO] | None = None


class ReturnIn(InputSchema):
    reasons: dict[str, str] = Field(..., description="Checklist item → what is wrong.")
    comment: str = Field("", max_length=2000)


class HandoffAcceptIn(InputSchema):
    success_manager_id: ObjectId
    implementation_manager_id: ObjectId | None = None
    comment: str = Field("", max_length=2000)
