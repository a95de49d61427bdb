"""``GET /api/v1/search?q=…&kind=…``: what the caller may find, best first, with the same
permissions as the search page (a client contact: their own company's tickets, public
messages only, and the public articles)."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.pagination import paginate

from soprovod.accounts.permissions import can_search, can_use_portal, require
from soprovod.apiutils import Pagination, QuerySchema, api_user, error_responses
from soprovod.search import queries, registry

router = Router(tags=["search"])


class SearchFilters(QuerySchema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=queries.MAX_QUERY,
        description="Words (any of their forms; every word is required).",
    )
    kind: str | None = Field(
        None,
        max_length=32,
        description="Only this kind: ticket, client, article, devrequest.",
    )


class HitOut(Schema):
    kind: str
    id: int
    title: str = Field(description="HTML: the text escaped, the matched words in <mark>.")
    snippet: str = Field(description="HTML: a fragment around the matched words.")
    rank: float = Field(description="Relevance, higher is better (comparable within a query).")
    url: str


class _Found:
    """The ranked records of a query, paged by the API's pagination (one query for the
    count, one for the page's rows, two for their texts)."""

    def __init__(self, user, query: str, kinds: list[str] | None) -> None:
        self.user, self.query = user, query
        self.rows = queries.ranked(user, query, kinds)

    def all(self):
        return self

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, window: slice) -> list[dict]:
        return [
            {
                "kind": hit.kind,
                "id": hit.object_id,
                "title": str(hit.title),
                "snippet": str(hit.snippet),
                "rank": hit.rank,
                "url": hit.url,
            }
            for hit in queries.hits(self.user, self.query, self.rows[window])
        ]


@router.get(
    "/search",
    response={200: list[HitOut], **error_responses(403)},
    summary="Search tickets, clients, articles and requests",
    description=(
        "Full-text search in Russian (any word form), best first. Of each kind only the "
        f"newest {queries.RANK_LIMIT} matching records are ranked and counted: a query of "
        "common words alone gives the best of the recent matches, and a count of "
        f"{queries.RANK_LIMIT} for a kind means there are more (add a word)."
    ),
)
@paginate(Pagination)
def search(request: HttpRequest, filters: Query[SearchFilters]):
    """Full-text search in Russian (any word form), best first."""
    user = api_user(request)
    require(can_search(user) or can_use_portal(user))
    if filters.kind is not None and filters.kind not in registry.kinds():
        raise ValidationError(
            [{"type": "value_error", "loc": ["query", "kind"], "msg": "Unknown kind."}]
        )
    return _Found(user, filters.q, [filters.kind] if filters.kind else None)
