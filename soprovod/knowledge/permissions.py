"""Which articles and files a user may read (capabilities in `soprovod.accounts.permissions`).

Staff read every published article, internal rules included; editors (the head, support
managers) see drafts too. A client contact reads published client articles only: an
internal rule or a draft answers 404 to them, in the portal and in the API alike."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import (
    can_edit_knowledge,
    can_read_knowledge,
    can_use_portal,
    require,
)
from soprovod.knowledge.models import Article, ArticleAttachment, ArticleStatus, Audience


def articles_visible_to(user) -> QuerySet[Article]:
    articles = Article.objects.all()
    if can_read_knowledge(user):
        if can_edit_knowledge(user):
            return articles
        return articles.filter(status=ArticleStatus.PUBLISHED)
    if can_use_portal(user):
        return articles.filter(status=ArticleStatus.PUBLISHED, audience=Audience.CLIENT)
    return articles.none()


def get_article_or_404(user, pk: int, *, allowed: bool = True) -> Article:
    """The article ``pk`` if ``user`` may read it (404 otherwise), and 403 unless
    ``allowed`` (the capability of the action asked for)."""
    article = articles_visible_to(user).select_related("category").filter(pk=pk).first()
    require(article is not None, hidden=True)
    require(allowed)
    return article


def files_visible_to(user) -> QuerySet[ArticleAttachment]:
    return ArticleAttachment.objects.filter(article__in=articles_visible_to(user))
