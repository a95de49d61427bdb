"""The shapes of clients, sites and contacts in the HTTP API.

Output schemas list their fields explicitly, so a new model field is never published by
accident. References to other objects are ``{"id", "name"}`` in answers and plain ids in
requests. Money (``mrr_rub``) is a decimal string with two places (``"25000.00"``) in answers,
so no precision is lost; requests may send a string or a number.

A client contact reads their own company's card without the department's view of it:
``STAFF_ONLY_CLIENT_FIELDS`` answer ``null`` for anyone who cannot see the portfolio.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from django.db import models
from ninja import Field, Schema
from pydantic import PlainSerializer, ValidationInfo, field_validator, model_validator

from soprovod.accounts.permissions import can_see_portfolio
from soprovod.apiutils import InputSchema, ObjectId, QuerySchema
from soprovod.clients.models import Client, ClientStatus, Contact, Site


def _max_length(model: type[models.Model], name: str) -> int:
    """The column's own limit, so the schema and the model cannot disagree."""
    return model._meta.get_field(name).max_length


# Always two decimal places, as the column stores it (an object not yet re-read may hold
# Decimal("100.5")).
MoneyOut = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]


# ---- answers --------------------------------------------------------------------------------


class Ref(Schema):
    """Another object, by id and display name."""

    id: int
    name: str


class UserRef(Ref):
    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class ClientRef(Ref):
    pass


STAFF_ONLY_CLIENT_FIELDS = (
    "external_id",
    "mrr_rub",
    "status",
    "churned_at",
    "sold_by",
    "segment",
    "notes",
    "version",
)


class ClientOut(Schema):
    id: int
    name: str
    inn: str
    tariff: str
    contract_start: date
    contract_end: date | None
    success_manager: UserRef | None
    # The department's own view of the client; null for a client contact.
    external_id: str | None = Field(description="ID in the billing/CRM system.")
    mrr_rub: MoneyOut | None = Field(description='Monthly recurring revenue, RUB: "25000.00".')
    status: ClientStatus | None
    churned_at: date | None
    sold_by: UserRef | None
    segment: str | None
    notes: str | None
    version: int | None = Field(
        description="Send it back with PATCH to refuse the change if someone saved meanwhile."
    )

    @model_validator(mode="after")
    def _hide_department_fields(self, info: ValidationInfo) -> ClientOut:
        request = (info.context or {}).get("request")
        user = getattr(request, "auth", None)
        if user is None or not can_see_portfolio(user):
            for name in STAFF_ONLY_CLIENT_FIELDS:
                setattr(self, name, None)
        return self


class SiteOut(Schema):
    id: int
    client: ClientRef
    name: str
    address: str
    timezone: str = Field(description="IANA time zone, e.g. Europe/Moscow.")
    equipment_notes: str


class ContactOut(Schema):
    id: int
    client: ClientRef
    full_name: str
    email: str
    phone: str
    position: str
    is_primary: bool
    has_portal_login: bool

    @staticmethod
    def resolve_has_portal_login(obj: Contact) -> bool:
        return obj.user_id is not None


# ---- requests -------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class _ClientFields(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=_max_length(Client, "name"))
    inn: str | None = Field(
        None, max_length=20, description="10 digits (company) or 12 (sole trader); spaces ignored."
    )
    external_id: str | None = Field(None, max_length=_max_length(Client, "external_id"))
    tariff: str | None = Field(None, max_length=_max_length(Client, "tariff"))
    mrr_rub: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    status: ClientStatus | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    churned_at: date | None = Field(None, description="Required exactly for a churned client.")
    success_manager: ObjectId | None = Field(None, description="User id of a success manager.")
    sold_by: ObjectId | None = Field(None, description="User id of a salesperson.")
    segment: str | None = Field(None, max_length=_max_length(Client, "segment"))
    notes: str | None = None

    @field_validator("inn")
    @classmethod
    def _remove_spaces(cls, value: str | None) -> str | None:
        # Only normalisation: the checksum is the model's rule (one message for web and API).
        return _SPACES.sub("", value) if value is not None else None

    @field_validator("external_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # NULLs do not collide in the unique index; empty strings would.
        return value or None


class ClientCreate(_ClientFields):
    """A new client; omitted optional fields take their defaults."""

    name: str = Field(min_length=1, max_length=_max_length(Client, "name"))
    inn: str = Field(
        max_length=20, description="10 digits (company) or 12 (sole trader); spaces ignored."
    )
    contract_start: date


class ClientUpdate(_ClientFields):
    """A change to a client: only the fields sent are changed."""

    version: int | None = Field(
        None, ge=1, description="The version you read; a different current version answers 409."
    )
    reason: str = Field("", max_length=500, description="Kept in the change history.")


class SiteUpdate(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=_max_length(Site, "name"))
    address: str | None = Field(None, max_length=_max_length(Site, "address"))
    timezone: str | None = Field(
        None, max_length=_max_length(Site, "timezone"), description="IANA time zone."
    )
    equipment_notes: str | None = None


class SiteCreate(SiteUpdate):
    client: ObjectId
    name: str = Field(min_length=1, max_length=_max_length(Site, "name"))


class ContactUpdate(InputSchema):
    full_name: str | None = Field(None, min_length=1, max_length=_max_length(Contact, "full_name"))
    email: str | None = Field(None, max_length=_max_length(Contact, "email"))
    phone: str | None = Field(None, max_length=_max_length(Contact, "phone"))
    position: str | None = Field(None, max_length=_max_length(Contact, "position"))
    is_primary: bool | None = None


class ContactCreate(ContactUpdate):
    client: ObjectId
    full_name: str = Field(min_length=1, max_length=_max_length(Contact, "full_name"))


# ---- list filters ---------------------------------------------------------------------------


class ClientFilters(QuerySchema):
    q: str = Field("", max_length=200, description="Part of the name, INN or external ID.")
    status: ClientStatus | None = None
    success_manager: ObjectId | Literal["none"] | None = Field(
        None, description='User id of the success manager, or "none" for clients without one.'
    )
    segment: str = Field("", max_length=_max_length(Client, "segment"))
    ordering: Literal["name", "-name", "mrr", "-mrr"] = "name"


class ChildFilters(QuerySchema):
    client: ObjectId | None = Field(None, description="Only this client's rows.")
