"""/api/v1/articles (interfaces.md «HTTP API»): the knowledge base's articles, through the
same permission layer as the pages. Staff read every published article (editors drafts
too); a client contact reads published client articles only — an internal rule answers 404."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from soprovod.apiutils import ObjectId, Pagination, api_user, error_responses
from soprovod.knowledge import queries
from soprovod.knowledge.permissions import articles_visible_to, get_article_or_404
from soprovod.knowledge.rendering import render_markdown
from soprovod.knowledge.schemas import ArticleDetailOut, ArticleFilters, ArticleOut

router = Router(tags=["knowledge"])


@router.get("/articles", response={200: list[ArticleOut], **error_responses()})
@paginate(Pagination)
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]):
    """Articles the caller may read, by category and title (or best match first with ``q``)."""
    visible = articles_visible_to(api_user(request))
    if filters.audience:
        visible = visible.filter(audience=filters.audience)
    if filters.category:
        visible = visible.filter(category_id=filters.category)
    if filters.q.strip():
        ids = [a.pk for a in queries.suggest(filters.q, None, limit=50, articles=visible)]
        visible = visible.filter(pk__in=ids)
    return visible.select_related("category").order_by(
        "category__position", "category__name", "title", "pk"
    )


@router.get("/articles/{article_id}", response={200: ArticleDetailOut, **error_responses(404)})
def get_article(request: HttpRequest, article_id: ObjectId):
    article = get_article_or_404(api_user(request), article_id)
    article.body_html = str(render_markdown(article.body))
    return article
