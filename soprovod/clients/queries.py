"""Reads of the client portfolio that pages, the API and reports share.

Every function takes the user and starts from ``clients_visible_to``, so no read bypasses
the permission layer. Lists annotate their counts and aggregate in the database: a page
costs the same number of queries for 3 clients as for 400.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy

from soprovod.accounts.models import User
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import trail_for
from soprovod.clients.models import Client, ClientStatus, ClientStatusChange, Contact, Site
from soprovod.clients.permissions import clients_visible_to

PAGE_SIZE = 50

# Statuses that occupy the department: they count against the portfolio capacity.
IN_PORTFOLIO = (ClientStatus.ONBOARDING, ClientStatus.ACTIVE, ClientStatus.AT_RISK)

# Sort key in the query string -> ORDER BY; the primary key last keeps pages stable.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "pk"),
    "-mrr": ("-mrr_rub", "name", "pk"),
    "mrr": ("mrr_rub", "name", "pk"),
}
DEFAULT_SORT = "name"
NO_MANAGER = "none"


# ---- the portfolio list ------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioFilters:
    """The list's filters, as they travel in the query string (so a view is bookmarkable).

    Unknown or malformed values are ignored rather than refused: a stale bookmark still
    opens the portfolio.
    """

    q: str = ""
    status: str = ""
    manager: str = ""  # a user id, or NO_MANAGER for clients without a success manager
    segment: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PortfolioFilters:
        status = params.get("status", "")
        manager = params.get("manager", "")
        sort = params.get("sort", "")
        return cls(
            q=params.get("q", "").strip()[:200],
            status=status if status in ClientStatus.values else "",
            manager=manager if manager == NO_MANAGER or manager.isdigit() else "",
            segment=params.get("segment", "").strip()[:100],
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.status or self.manager or self.segment)

    def condition(self, *, with_status: bool = True) -> Q:
        """The filters as one condition on Client (``Q()`` when there are none)."""
        condition = Q()
        if self.q:
            condition &= search_condition(self.q)
        if self.status and with_status:
            condition &= Q(status=self.status)
        if self.manager == NO_MANAGER:
            condition &= Q(success_manager__isnull=True)
        elif self.manager:
            condition &= Q(success_manager_id=int(self.manager))
        if self.segment:
            condition &= Q(segment=self.segment)
        return condition


_WORD = re.compile(r"\w+")
MAX_SEARCH_WORDS = 6


def _case_variants(word: str) -> list[str]:
    """The spellings a word is likely written in within a name.

    SQLite (the embedded database) folds case only for ASCII, so ``альфа`` would not find
    ``Альфа`` with ``icontains`` alone; PostgreSQL folds every alphabet and merely repeats
    itself here.
    """
    return list(dict.fromkeys([word, word.lower(), word.upper(), word.capitalize()]))


def search_condition(text: str) -> Q:
    """Clients whose name or external id contains every word of ``text``, or whose INN
    contains its digits (spaces people type between digit groups are ignored)."""
    words = Q()
    for word in _WORD.findall(text)[:MAX_SEARCH_WORDS]:
        any_spelling = Q()
        for variant in _case_variants(word):
            any_spelling |= Q(name__icontains=variant) | Q(external_id__icontains=variant)
        words &= any_spelling
    if not words:  # punctuation only: look for it as typed
        words = Q(name__icontains=text) | Q(external_id__icontains=text)
    digits = re.sub(r"[\s\u00a0\u202f]+", "", text)
    if digits.isdigit():
        return words | Q(inn__contains=digits)
    return words


def _count_of(model: type[Site] | type[Contact]) -> Coalesce:
    """Rows of ``model`` per client as a correlated subquery: two COUNT joins would multiply
    each other (sites x contacts), a subquery each stays exact and cheap."""
    per_client = (
        model.objects.filter(client=OuterRef("pk"))
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_client, output_field=IntegerField()), Value(0))


def portfolio(user: User, filters: PortfolioFilters) -> QuerySet[Client]:
    """The clients of the list page, filtered, sorted, with their site and contact counts."""
    return (
        clients_visible_to(user)
        .filter(filters.condition())
        .select_related("success_manager")
        .annotate(sites_count=_count_of(Site), contacts_count=_count_of(Contact))
        .order_by(*SORTS[filters.sort])
    )


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class PortfolioSummary:
    """What the list page says above the table."""

    total: int  # clients matching every filter
    mrr_rub: Decimal  # the total MRR of those not churned (a churned client pays nothing)
    by_status: list[StatusCount]  # every filter applied except the status one
    in_portfolio: int  # onboarding + active + at risk, whole visible portfolio, no filters
    capacity: int

    @property
    def over_capacity(self) -> bool:
        return self.in_portfolio > self.capacity

    @property
    def over_by(self) -> int:
        return max(0, self.in_portfolio - self.capacity)

    @property
    def capacity_percent(self) -> int:
        """How full the portfolio is, for the bar (capped at 100)."""
        return min(100, round(self.in_portfolio * 100 / self.capacity)) if self.capacity else 100


def portfolio_summary(user: User, filters: PortfolioFilters) -> PortfolioSummary:
    """Counts, MRR and capacity in one aggregate query over the visible portfolio.

    The per-status counts ignore the status filter, so each status shows how many clients
    choosing it would list; the total and the MRR apply every filter, and the MRR leaves out
    churned clients (their last MRR is history, not revenue; issue 16).
    """
    everything = filters.condition()
    but_status = filters.condition(with_status=False)
    aggregates: dict[str, Any] = {
        "total": Count("pk", filter=everything or None),
        "mrr_rub": Sum("mrr_rub", filter=(everything or Q()) & ~Q(status=ClientStatus.CHURNED)),
        "in_portfolio": Count("pk", filter=Q(status__in=IN_PORTFOLIO)),
    }
    for status in ClientStatus:
        aggregates[f"status_{status.value}"] = Count("pk", filter=but_status & Q(status=status))
    row = clients_visible_to(user).order_by().aggregate(**aggregates)
    return PortfolioSummary(
        total=row["total"],
        mrr_rub=row["mrr_rub"] or Decimal(0),
        by_status=[
            StatusCount(status.value, str(status.label), row[f"status_{status.value}"])
            for status in ClientStatus
        ],
        in_portfolio=row["in_portfolio"],
        capacity=settings.PORTFOLIO_CAPACITY,
    )


def success_managers(*, include: int | None = None) -> QuerySet[User]:
    """Active users with the success manager role (and ``include``, a client's current
    manager who may since have lost the role, so an unchanged form still validates)."""
    return users_with_role(Role.SUCCESS_MANAGER, include=include)


def sales_people(*, include: int | None = None) -> QuerySet[User]:
    """Active users of the sales department (and ``include``, as for success_managers)."""
    return users_with_role(Role.SALES, include=include)


def segments_visible_to(user: User) -> list[str]:
    """The segments used by the clients the user sees, for the filter."""
    return list(
        clients_visible_to(user)
        .exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()
    )


# ---- one client ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as the client page shows it."""

    event: AuditEvent
    subject: str  # what was changed: the client itself, or "site «Name»"
    changes: list[FieldChange] = field(default_factory=list)
    # The line as Russian says it, the verb agreeing with the thing: «создано контактное
    # лицо «…»», «изменён объект «…»». Empty: the action and the subject are shown as they are.
    line: str = ""

    @property
    def text(self) -> str:
        if self.line:
            return self.line
        action = self.event.get_action_display()
        return f"{action}: {self.subject}" if self.subject else str(action)


# What happened to a site or a contact, each a whole phrase: the past participle agrees with
# the noun's gender in Russian (объект — masculine, контактное лицо — neuter).
_LINES = {
    ("site", AuditEvent.Action.CREATED): pgettext_lazy("client history", "site «%(name)s» created"),
    ("site", AuditEvent.Action.UPDATED): pgettext_lazy("client history", "site «%(name)s» changed"),
    ("site", AuditEvent.Action.DELETED): pgettext_lazy("client history", "site «%(name)s» deleted"),
    ("contact", AuditEvent.Action.CREATED): pgettext_lazy(
        "client history", "contact «%(name)s» created"
    ),
    ("contact", AuditEvent.Action.UPDATED): pgettext_lazy(
        "client history", "contact «%(name)s» changed"
    ),
    ("contact", AuditEvent.Action.DELETED): pgettext_lazy(
        "client history", "contact «%(name)s» deleted"
    ),
}


def _shown(value: Any, model_field: Any = None) -> str:
    """An audited value as the page prints it. The trail stores display strings, but dates
    as ISO text and money as plain decimals: those are formatted by the field they belong
    to (``08.11.2023``, ``73 500 ₽``), never shown raw."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and model_field is not None:
        try:
            if isinstance(model_field, models.DateTimeField):
                moment = dt.datetime.fromisoformat(value)
                if timezone.is_aware(moment):
                    moment = timezone.localtime(moment)
                return formats.date_format(moment, "d.m.Y H:i")
            if isinstance(model_field, models.DateField):
                return formats.date_format(dt.date.fromisoformat(value), "d.m.Y")
            if isinstance(model_field, models.DecimalField) and model_field.name.endswith("_rub"):
                return f"{floatformat(value, '-2g')} ₽"
        except (ValueError, TypeError):
            return value
    return str(value)


def _model_field(model: type | None, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a field removed since the event was written
        return None


def _field_label(model: type | None, name: str) -> str:
    if model is None:
        return name
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except Exception:  # a field removed since the event was written
        return name


def audit_entries(client: Client, *, limit: int = 200) -> list[AuditEntry]:
    """The client's audit trail, including its sites and contacts, newest first."""
    entries = []
    for event in trail_for(client, limit=limit):
        model = event.content_type.model_class()
        if model is Client:
            subject = ""
        else:
            kind = str(model._meta.verbose_name) if model else event.content_type.model
            subject = f"{kind} «{event.object_repr}»"
        changes = [
            FieldChange(
                _field_label(model, name),
                _shown(values[0], _model_field(model, name)),
                _shown(values[1], _model_field(model, name)),
            )
            for name, values in event.changes.items()
            if isinstance(values, list | tuple) and len(values) == 2
        ]
        phrase = _LINES.get((event.content_type.model, event.action))
        line = str(phrase) % {"name": event.object_repr} if phrase else ""
        entries.append(AuditEntry(event=event, subject=subject, changes=changes, line=line))
    return entries


@dataclass(frozen=True)
class ClientPage:
    client: Client
    sites: list[Site]
    contacts: list[Contact]
    status_history: list[ClientStatusChange]
    audit: list[AuditEntry] | None  # None when the user may not see the audit trail


def client_page(client: Client, *, with_audit: bool) -> ClientPage:
    """Everything the client page shows, a fixed number of queries whatever its size.

    ``client`` comes from ``get_client_or_404``, which has already checked the user."""
    return ClientPage(
        client=client,
        sites=list(client.sites.order_by("name", "pk")),
        contacts=list(client.contacts.select_related("user").order_by("-is_primary", "full_name")),
        status_history=list(
            client.status_history.select_related("actor").order_by("-effective_on", "-id")
        ),
        audit=audit_entries(client) if with_audit else None,
    )


# ---- who may be told about a company ---------------------------------------------------------


def _login_elsewhere(address) -> Q:
    """Contacts holding a portal login whose address (the contact's or the login's) is
    ``address``: where that person belongs now."""
    return Q(user__isnull=False) & (Q(email__iexact=address) | Q(user__email__iexact=address))


def reachable_contacts(client_id: int | None = None) -> QuerySet[Contact]:
    """The contacts who may be sent what their company's tickets, surveys and notices say
    (all companies' when ``client_id`` is None): the one rule for every mail and message to a
    client's people. A contact counts for the company the contact row belongs to now, and
    only while the person has not moved on: a contact without a login whose address is now
    another company's contact's portal login (the person moved, their login with them) is
    left out, as the portal shows that person only the new company's tickets."""
    contacts = Contact.objects.exclude(email="")
    if client_id is not None:
        contacts = contacts.filter(client_id=client_id)
    moved = Contact.objects.filter(_login_elsewhere(OuterRef("email"))).exclude(
        client_id=OuterRef("client_id")
    )
    return contacts.filter(Q(user__isnull=False) | ~models.Exists(moved))


def may_be_told(client_id: int | None, address: str = "", *, contact_id: int | None = None) -> bool:
    """Whether mail about company ``client_id`` may go to ``address`` (a ticket's requester,
    a survey link's address), written for the contact ``contact_id`` when there is one.

    No: the contact now belongs to another company; the address is a contact's of another
    company (or another company's contact's portal login) and belongs to none of this
    company's reachable contacts. An address known to no company (someone who wrote in by
    mail and is not a contact yet) may be answered; so may anyone when there is no company.
    """
    moved = (
        contact_id is not None
        and client_id is not None
        and not Contact.objects.filter(pk=contact_id, client_id=client_id).exists()
    )
    if moved:
        return False
    address = (address or "").strip()
    if client_id is None or not address:
        return bool(address)
    if reachable_contacts(client_id).filter(email__iexact=address).exists():
        return True
    known = Q(email__iexact=address) | Q(user__email__iexact=address)
    return not Contact.objects.filter(known).exists()
