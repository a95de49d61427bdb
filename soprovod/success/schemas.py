"""The shapes of claims in the HTTP API."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from soprovod.apiutils import InputSchema, QuerySchema

Direction = Literal["from_client", "to_client"]
Channel = Literal["post", "courier", "email", "edo", "hand"]
Outcome = Literal["", "satisfied", "partial", "rejected", "withdrawn", "court"]
Money = Field(None, ge=0, max_digits=14, decimal_places=2)


class ClaimFilters(QuerySchema):
    state: Literal["open", "due_soon", "overdue", "closed", "all"] = "open"
    direction: Direction | Literal[""] = ""
    client_id: int | None = None
    owner_id: int | None = None
    q: str = Field("", max_length=100)


class ClaimOut(Schema):
    id: int
    number: str
    direction: str
    client_id: int
    counterparty_inn: str
    contract: str
    sent_on: dt.date | None
    received_on: dt.date | None
    channel: str
    delivery_proof: str
    has_delivery_proof_file: bool
    basis: str
    principal_rub: Decimal
    penalty_rub: Decimal
    response_days: int
    response_due_on: dt.date | None
    owner_id: int | None
    replied_on: dt.date | None
    outcome: str
    amount_paid_rub: Decimal | None
    court_case_number: str
    notes: str
    created_at: dt.datetime
    version: int

    @staticmethod
    def resolve_has_delivery_proof_file(obj) -> bool:
        return bool(obj.delivery_proof_file)


class ClaimIn(InputSchema):
    client_id: int
    number: str = Field("", max_length=64)
    direction: Direction = "from_client"
    counterparty_inn: str = Field("", max_length=12)
    contract: str = Field("", max_length=200)
    sent_on: dt.date | None = None
    received_on: dt.date | None = None
    channel: Channel = "post"
    delivery_proof: str = Field("", max_length=300)
    basis: str = Field(..., min_length=1)
    principal_rub: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    penalty_rub: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    response_days: int | None = Field(None, ge=1, le=365)
    owner_id: int | None = None
    notes: str = ""


class ClaimPatch(InputSchema):
    version: int | None = None
    number: str | None = Field(None, max_length=64)
    direction: Direction | None = None
    counterparty_inn: str | None = Field(None, max_length=12)
    contract: str | None = Field(None, max_length=200)
    sent_on: dt.date | None = None
    received_on: dt.date | None = None
    channel: Channel | None = None
    delivery_proof: str | None = Field(None, max_length=300)
    basis: str | None = None
    principal_rub: Decimal | None = Money
    penalty_rub: Decimal | None = Money
    response_days: int | None = Field(None, ge=1, le=365)
    owner_id: int | None = None
    replied_on: dt.date | None = None
    outcome: Outcome | None = None
    amount_paid_rub: Decimal | None = Money
    court_case_number: str | None = Field(None, max_length=100)
    notes: str | None = None
