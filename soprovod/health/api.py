"""/api/v1/health (interfaces.md «HTTP API»), through the same permission layer and queries
as the pages: the support department and the CEO read the scores."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from soprovod.accounts.permissions import can_see_health, require
from soprovod.apiutils import ObjectId, Pagination, api_user, error_responses
from soprovod.health import queries
from soprovod.health.models import ClientSentiment
from soprovod.health.permissions import get_client_or_404
from soprovod.health.schemas import ClientHealthOut, ScoreFilters, ScoreOut

router = Router(tags=["health"])


@router.get("/health/scores", response={200: list[ScoreOut], **error_responses(403)})
@paginate(Pagination)
def list_scores(request: HttpRequest, filters: Query[ScoreFilters]):
    """Each client's latest score, worst first (``sort`` changes it), with its measures."""
    user = api_user(request)
    require(can_see_health(user))
    return queries.portfolio(
        user,
        queries.PortfolioFilters(
            band=filters.band,
            manager=filters.manager,
            at_risk=filters.at_risk,
            sort=filters.sort,
        ),
    )


@router.get(
    "/clients/{client_id}/health", response={200: ClientHealthOut, **error_responses(403, 404)}
)
def client_health(request: HttpRequest, client_id: ObjectId):
    """A client's latest score, the success manager's sentiment and the daily history."""
    client = get_client_or_404(api_user(request), client_id)
    sentiment = ClientSentiment.objects.filter(client=client).values_list("score", flat=True)
    latest = queries.latest_for(client)
    return {
        "latest": latest,
        "sentiment": sentiment.first(),
        "history": queries.history(client),
    }
