"""The HTTP API root: /api/v1/ (interfaces.md «HTTP API»). Each app adds its router here.

Every operation requires a caller: a personal API token (``Authorization: Bearer``) or the
browser's session (with the CSRF token on writes). Errors answer ``{"detail": ...}``; see
``soprovod.apiutils`` for the helpers a router must use.
"""

from ninja import NinjaAPI

from soprovod.apiutils import (
    BearerTokenAuth,
    JSONRenderer,
    SessionAuth,
    install_error_handlers,
)
from soprovod.clients.api import router as clients_router
from soprovod.devrequests.api import router as devrequests_router
from soprovod.handoffs.api import router as handoffs_router
from soprovod.health.api import router as health_router
from soprovod.knowledge.api import router as knowledge_router
from soprovod.kpi.api import router as kpi_router
from soprovod.projects.api import router as projects_router
from soprovod.search.api import router as search_router
from soprovod.success.api import router as success_router
from soprovod.tickets.api import router as tickets_router
from soprovod.tickets.escalation_api import router as escalations_router

api = NinjaAPI(
    title="Soprovod API",
    version="1",
    description=(
        "The operations platform of the support department. Authenticate with a personal "
        "API token (`Authorization: Bearer <token>`) or a signed-in browser session; "
        'session writes need the `X-CSRFToken` header. Errors are JSON `{"detail": ...}`: '
        "400 a body that is not JSON, 401 unauthenticated, 403 a section or action your "
        "role does not use (lists included), 404 absent or not visible to you (in the path "
        "or named in the body), 409 the object's state refuses the action (a hand-off "
        "already submitted, a ticket not resolved) or it changed since the `version` you "
        "sent, 422 invalid input (`detail` is a list of `{type, loc, msg}`). Lists take `page` and `page_size` (default 50, max 500) and "
        "answer `{count, page, page_size, items}`."
    ),
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuth()],
    renderer=JSONRenderer(),
)
install_error_handlers(api)

api.add_router("/", clients_router)
api.add_router("/", tickets_router)
api.add_router("/", escalations_router)
api.add_router("/", projects_router)
api.add_router("/", handoffs_router)
api.add_router("/", devrequests_router)
api.add_router("/", success_router)
api.add_router("/", health_router)
api.add_router("/", knowledge_router)
api.add_router("/", kpi_router)
api.add_router("/", search_router)
