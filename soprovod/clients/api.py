"""/api/v1/clients, /api/v1/sites, /api/v1/contacts (interfaces.md «HTTP API»).

Who may do what is decided in ``soprovod.accounts.permissions`` only: a list is refused (403)
to a role whose pages do not show such objects (the portfolio's ``can_see_portfolio``; a
client contact also lists their company's sites, which the portal's ticket form offers);
every read starts from its scoped querysets or ``get_*_or_404`` (so an object the caller may not see answers 404),
every write asks it with ``for_update=True`` (403 for an object the caller may read but not
change) and goes through ``actions``. Lists select their related rows in the same query, so
a page costs the same number of queries whatever its length.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from soprovod.accounts.models import User
from soprovod.accounts.permissions import (
    can_create_client,
    can_see_portfolio,
    can_use_portal,
    require,
)
from soprovod.apiutils import ObjectId, Pagination, api_user, error_responses
from soprovod.clients import actions, queries
from soprovod.clients.models import Client, Contact, Site
from soprovod.clients.permissions import (
    contacts_visible_to,
    get_client_or_404,
    get_contact_or_404,
    get_site_or_404,
    sites_visible_to,
)
from soprovod.clients.schemas import (
    ChildFilters,
    ClientCreate,
    ClientFilters,
    ClientOut,
    ClientUpdate,
    ContactCreate,
    ContactOut,
    ContactUpdate,
    SiteCreate,
    SiteOut,
    SiteUpdate,
)

router = Router()


# ---- clients ---------------------------------------------------------------------------------


def _user_choice(
    field: str, user_id: int | None, candidates: QuerySet[User], message: str
) -> User | None:
    """The user ``user_id`` if it is among ``candidates`` (the same choices the web form
    offers), else a validation error on ``field``."""
    if user_id is None:
        return None
    user = candidates.filter(pk=user_id).first()
    if user is None:
        raise ValidationError({field: message})
    return user


def _client_values(data: dict[str, Any], current: Client | None) -> dict[str, Any]:
    """The request's fields as model values for an action: user ids become users."""
    values = dict(data)
    if "success_manager" in values:
        values["success_manager"] = _user_choice(
            "success_manager",
            values["success_manager"],
            queries.success_managers(include=current.success_manager_id if current else None),
            _("Choose an active user with the success manager role."),
        )
    if "sold_by" in values:
        values["sold_by"] = _user_choice(
            "sold_by",
            values["sold_by"],
            queries.sales_people(include=current.sold_by_id if current else None),
            _("Choose an active user of the sales department."),
        )
    return values


@router.get(
    "/clients",
    response={200: list[ClientOut], **error_responses(403)},
    tags=["clients"],
    summary="List clients",
)
@paginate(Pagination)
def list_clients(request: HttpRequest, filters: Query[ClientFilters]):
    """The clients the caller may see, filtered and sorted (``-mrr``: largest first); 403
    for a role without the portfolio page (development, client contacts)."""
    require(can_see_portfolio(api_user(request)))
    portfolio_filters = queries.PortfolioFilters(
        q=filters.q.strip(),
        status=filters.status or "",
        manager=str(filters.success_manager or ""),
        segment=filters.segment.strip(),
        sort=filters.ordering,
    )
    return queries.portfolio(api_user(request), portfolio_filters).select_related("sold_by")


@router.post(
    "/clients",
    response={201: ClientOut, **error_responses(403)},
    tags=["clients"],
    summary="Create a client",
)
def create_client(request: HttpRequest, payload: ClientCreate):
    user = api_user(request)
    require(can_create_client(user))
    values = _client_values(payload.dict(exclude_unset=True), current=None)
    return Status(201, actions.do_create_client(user, **values))


@router.get(
    "/clients/{client_id}",
    response={200: ClientOut, **error_responses(404)},
    tags=["clients"],
    summary="Read a client",
)
def get_client(request: HttpRequest, client_id: ObjectId):
    return get_client_or_404(api_user(request), client_id)


@router.patch(
    "/clients/{client_id}",
    response={200: ClientOut, **error_responses(403, 404, 409)},
    tags=["clients"],
    summary="Change a client",
)
def update_client(request: HttpRequest, payload: ClientUpdate, client_id: ObjectId):
    """Changes only the fields sent. With ``version``, refuses (409) if the client was saved
    by someone else since that version was read."""
    user = api_user(request)
    client = get_client_or_404(user, client_id, for_update=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    reason = data.pop("reason", "")
    values = _client_values(data, current=client)
    return actions.do_update_client(user, client, expected_version=version, reason=reason, **values)


@router.get(
    "/clients/{client_id}/sites",
    response={200: list[SiteOut], **error_responses(404)},
    tags=["sites"],
    summary="List a client's sites",
)
@paginate(Pagination)
def list_client_sites(request: HttpRequest, client_id: ObjectId):
    user = api_user(request)
    client = get_client_or_404(user, client_id)
    return _sites(user).filter(client=client)


@router.get(
    "/clients/{client_id}/contacts",
    response={200: list[ContactOut], **error_responses(404)},
    tags=["contacts"],
    summary="List a client's contacts",
)
@paginate(Pagination)
def list_client_contacts(request: HttpRequest, client_id: ObjectId):
    user = api_user(request)
    client = get_client_or_404(user, client_id)
    return _contacts(user).filter(client=client)


# ---- sites -----------------------------------------------------------------------------------


def _sites(user: User) -> QuerySet[Site]:
    return sites_visible_to(user).select_related("client").order_by("client__name", "name", "pk")


@router.get(
    "/sites",
    response={200: list[SiteOut], **error_responses(403)},
    tags=["sites"],
    summary="List sites",
)
@paginate(Pagination)
def list_sites(request: HttpRequest, filters: Query[ChildFilters]):
    """Sites of the portfolio, or of a client contact's own company (the portal offers
    them when filing a ticket); 403 for development."""
    require(can_see_portfolio(api_user(request)) or can_use_portal(api_user(request)))
    sites = _sites(api_user(request))
    if filters.client is not None:
        sites = sites.filter(client_id=filters.client)
    return sites


@router.post(
    "/sites",
    response={201: SiteOut, **error_responses(403, 404)},
    tags=["sites"],
    summary="Add a site to a client",
)
def create_site(request: HttpRequest, payload: SiteCreate):
    user = api_user(request)
    client = get_client_or_404(user, payload.client, for_update=True)
    values = payload.dict(exclude_unset=True, exclude={"client"})
    return Status(201, actions.do_save_site(user, client, **values))


@router.get(
    "/sites/{site_id}",
    response={200: SiteOut, **error_responses(404)},
    tags=["sites"],
    summary="Read a site",
)
def get_site(request: HttpRequest, site_id: ObjectId):
    return get_site_or_404(api_user(request), site_id)


@router.patch(
    "/sites/{site_id}",
    response={200: SiteOut, **error_responses(403, 404)},
    tags=["sites"],
    summary="Change a site",
)
def update_site(request: HttpRequest, payload: SiteUpdate, site_id: ObjectId):
    user = api_user(request)
    site = get_site_or_404(user, site_id, for_update=True)
    values = payload.dict(exclude_unset=True)
    return actions.do_save_site(user, site.client, site, **values)


@router.delete(
    "/sites/{site_id}",
    response={204: None, **error_responses(403, 404)},
    tags=["sites"],
    summary="Delete a site",
)
def delete_site(request: HttpRequest, site_id: ObjectId):
    user = api_user(request)
    actions.do_delete_site(user, get_site_or_404(user, site_id, for_update=True))
    return Status(204, None)


# ---- contacts --------------------------------------------------------------------------------


def _contacts(user: User) -> QuerySet[Contact]:
    return (
        contacts_visible_to(user)
        .select_related("client")
        .order_by("client__name", "-is_primary", "full_name", "pk")
    )


@router.get(
    "/contacts",
    response={200: list[ContactOut], **error_responses(403)},
    tags=["contacts"],
    summary="List contacts",
)
@paginate(Pagination)
def list_contacts(request: HttpRequest, filters: Query[ChildFilters]):
    """Contacts of the portfolio; 403 for a role without the portfolio page."""
    require(can_see_portfolio(api_user(request)))
    contacts = _contacts(api_user(request))
    if filters.client is not None:
        contacts = contacts.filter(client_id=filters.client)
    return contacts


@router.post(
    "/contacts",
    response={201: ContactOut, **error_responses(403, 404)},
    tags=["contacts"],
    summary="Add a contact to a client",
)
def create_contact(request: HttpRequest, payload: ContactCreate):
    user = api_user(request)
    client = get_client_or_404(user, payload.client, for_update=True)
    values = payload.dict(exclude_unset=True, exclude={"client"})
    return Status(201, actions.do_save_contact(user, client, **values))


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **error_responses(404)},
    tags=["contacts"],
    summary="Read a contact",
)
def get_contact(request: HttpRequest, contact_id: ObjectId):
    return get_contact_or_404(api_user(request), contact_id)


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **error_responses(403, 404)},
    tags=["contacts"],
    summary="Change a contact",
)
def update_contact(request: HttpRequest, payload: ContactUpdate, contact_id: ObjectId):
    user = api_user(request)
    contact = get_contact_or_404(user, contact_id, for_update=True)
    values = payload.dict(exclude_unset=True)
    return actions.do_save_contact(user, contact.client, contact, **values)


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **error_responses(403, 404)},
    tags=["contacts"],
    summary="Delete a contact",
)
def delete_contact(request: HttpRequest, contact_id: ObjectId):
    user = api_user(request)
    actions.do_delete_contact(user, get_contact_or_404(user, contact_id, for_update=True))
    return Status(204, None)
