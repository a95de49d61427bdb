"""What every router of the HTTP API shares (interfaces.md «HTTP API»): who is calling, how
errors look, how lists are paged.

A router written for /api/v1/ should:

- read the caller with ``api_user(request)`` and scope every read with the helpers of
  ``soprovod.accounts.permissions`` (an object the caller may not see raises ``Http404``);
- write through the app's ``do_*`` actions and let their exceptions propagate: the handlers
  installed by ``install_error_handlers`` turn ``Http404``, ``PermissionDenied``, Django's
  ``ValidationError``, ``StateConflict``, ``StaleObjectError``, ``IntegrityError`` and stray
  ``ValueError`` into JSON ``{"detail": ...}`` answers;
- refuse in the one way for each reason: 404 for an object the caller may not see (in the
  path or named in the body: ``NotFound``), 403 for a section or an action the caller's role
  does not use (``require`` with the page's own ``can_*`` check, lists included), 409 for an
  object whose state refuses the action (the actions raise ``StateConflict``) or that changed
  meanwhile, 422 for a value that is wrong whatever the state;
- name the request body parameter ``payload`` (``BODY_PARAM``), so that a model validation
  error points at the same ``loc`` as ninja's own schema error for that field;
- page lists with ``@paginate(Pagination)`` over a queryset with a total order;
- derive request bodies from ``InputSchema`` and query filters from ``QuerySchema``;
- type object ids with ``ObjectId``, so an id beyond the database's integer range is a 422
  rather than a database error.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import pydantic
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.pagination import PaginationBase
from ninja.renderers import JSONRenderer as NinjaJSONRenderer
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import ConfigDict, field_validator

from soprovod.accounts.models import ApiToken, User
from soprovod.core.errors import StaleObjectError, StateConflict

logger = logging.getLogger(__name__)

BODY_PARAM = "payload"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Primary keys are 64-bit (DEFAULT_AUTO_FIELD); a larger number cannot name an object.
MAX_ID = 2**63 - 1

ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


class JSONRenderer(NinjaJSONRenderer):
    """JSON in UTF-8 with Russian text as it is, not as \\u escapes (easier to read in logs
    and with curl; any JSON parser reads both)."""

    json_dumps_params = {"ensure_ascii": False}


# ---- input ------------------------------------------------------------------------------


class QuerySchema(Schema):
    """Base of query-string filters: text fields refuse the NUL character (PostgreSQL cannot
    store or compare it, so it would fail in the database instead of answering 422)."""

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value


class InputSchema(QuerySchema):
    """Base of request bodies: besides refusing NUL, an unknown field is an error, so a
    misspelt one is not silently ignored (a PATCH would "succeed" changing nothing)."""

    model_config = ConfigDict(extra="forbid")


# ---- authentication ------------------------------------------------------------------------


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a personal API token (``ApiToken``).

    A token that is wrong, revoked or belongs to a deactivated user answers 401 at once,
    even if the request also carries a session: a script should learn its token is bad."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token.strip())
        if user is None:
            raise AuthenticationError(message=_("The API token is invalid or revoked."))
        # Code below the API (actions, audit) may read request.user; make it the token's owner.
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The browser's Django session. Writes must carry the CSRF token (ninja checks it for
    unsafe methods); a request without a signed-in user is simply not authenticated here, so
    it answers 401 rather than a CSRF 403."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)


class NotFound(Http404):
    """An object named in the request body (``field``) that the caller may not see, or that
    does not exist: 404 as for a path (interfaces.md: "as if absent"), the answer naming the
    field but never telling "hidden" from "absent"."""

    def __init__(self, field: str):
        self.field = field
        super().__init__(field)


def visible_or_404(queryset, pk: int | None, field: str):
    """The object ``pk`` of ``queryset`` (the caller's visible objects), None for no id, and
    ``NotFound(field)`` when the caller may not see it."""
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(field)
    return obj


def api_user(request: HttpRequest) -> User:
    """The authenticated caller (set by whichever auth class accepted the request)."""
    return request.auth  # type: ignore[attr-defined]


# ---- errors -------------------------------------------------------------------------------


def validation_error_items(exc: ValidationError, *, body_param: str = BODY_PARAM) -> list[dict]:
    """Django's ``ValidationError`` in the shape of ninja's own 422 items:
    ``{"type", "loc", "msg"}``, ``loc`` being ``["body", "payload", field]`` (without the
    field for an error about the object as a whole)."""
    if hasattr(exc, "error_dict"):
        groups = exc.error_dict.items()
    else:
        groups = [(NON_FIELD_ERRORS, exc.error_list)]
    items = []
    for field, errors in groups:
        loc = ["body", body_param] if field == NON_FIELD_ERRORS else ["body", body_param, field]
        for error in errors:
            message = error.message % error.params if error.params else error.message
            items.append({"type": error.code or "invalid", "loc": loc, "msg": str(message)})
    return items


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer the exceptions of the permission layer and of the actions with JSON errors."""

    def detail(request: HttpRequest, message: Any, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": message}, status=status)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else _("Authentication required.")
        response = detail(request, message, 401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # Never echo the reason: "not yours" and "does not exist" must look the same. Only
        # the field of the body that named the object is said (NotFound), not why.
        field = getattr(exc, "field", "")
        if field:
            return detail(request, _("Not found: %(field)s") % {"field": field}, 404)
        return detail(request, _("Not found"), 404)

    @api.exception_handler(StateConflict)
    def state_conflict(request: HttpRequest, exc: StateConflict) -> HttpResponse:
        # Checked before ValidationError and ValueError (ninja follows the exception's MRO,
        # and an app's state error subclasses StateConflict first).
        return detail(request, exc.detail, 409)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return detail(request, str(exc) or _("You do not have permission to do this."), 403)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return detail(request, validation_error_items(exc), 422)

    @api.exception_handler(StaleObjectError)
    def stale(request: HttpRequest, exc: StaleObjectError) -> HttpResponse:
        return detail(
            request,
            _(
                "Someone else changed this object after the version you sent. "
                "Read it again and repeat your change."
            ),
            409,
        )

    @api.exception_handler(IntegrityError)
    def conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # Validation checks uniqueness first; this is the race between two writers.
        logger.info("API write refused by the database: %s", exc)
        return detail(request, _("The change conflicts with data saved meanwhile."), 409)

    @api.exception_handler(DataError)
    def refused_by_database(request: HttpRequest, exc: DataError) -> HttpResponse:
        # Input schemas and model validation should catch every bad value first; this is the
        # last line, so a value they missed is still the caller's 400 and not a 500.
        logger.warning("API write refused by the database: %s", exc)
        return detail(
            request,
            _("The database refused a value: too long, out of range or with forbidden characters."),
            400,
        )

    @api.exception_handler(ValueError)
    def bad_value(request: HttpRequest, exc: ValueError) -> HttpResponse:
        if isinstance(exc, pydantic.ValidationError):
            # Input errors reach us as ninja's ValidationError; a pydantic one here means
            # the response did not fit its schema, which is our bug, not the caller's.
            raise exc
        logger.info("API request refused: %s", exc)
        return detail(request, _("Invalid value: %(reason)s") % {"reason": exc}, 400)


# ---- pagination ---------------------------------------------------------------------------


class PageInput(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class Pagination(PaginationBase):
    """``?page=N&page_size=M`` (50 by default, at most 500) answering
    ``{"count", "page", "page_size", "items"}``; ``count`` is the total over all pages.

    The queryset must be totally ordered (end the ordering with the primary key), or rows
    may repeat or go missing between pages."""

    Input = PageInput

    class Output(Schema):
        count: int
        page: int
        page_size: int
        items: list[Any]

    def paginate_queryset(self, queryset, pagination: PageInput, request: HttpRequest, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "items": queryset[offset : offset + pagination.page_size],
        }


# ---- documented error answers ---------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    type: str
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


def error_responses(*codes: int) -> dict[int, type[Schema]]:
    """The error answers of an operation, for the OpenAPI document: 401 always, 422 always
    (any parameter can be malformed), 400 always (a body that is not JSON; and, as the last
    line of ``install_error_handlers``, a value the database refuses), plus ``codes``: 403
    (the role's section or action), 404 (an object in the path or the body the caller may
    not see), 409 (the object's state refuses, or a stale ``version``). Declare every code
    an operation can give: the schemathesis run checks each answer's code against them and
    the permission matrix checks each of its cells."""
    responses: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 422: ValidationErrorOut}
    for code in codes:
        responses[code] = ValidationErrorOut if code == 422 else ErrorOut
    return responses
