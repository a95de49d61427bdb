"""Articles in the search (``soprovod.search``): title, summary and text. A published client
article is a public document (a client contact finds it in the portal's search); an
internal rule, a draft or an archived article is for staff only, and of those only editors
find what is not published — as ``permissions.articles_visible_to`` says."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import can_edit_knowledge, can_read_knowledge, can_use_portal
from soprovod.knowledge.models import Article, ArticleStatus, Audience
from soprovod.search.models import Audience as SearchAudience
from soprovod.search.registry import Document, Provider

KIND = "article"


def documents(ids: list[int]) -> list[Document]:
    rows = Article.objects.filter(pk__in=ids).values_list(
        "pk", "title", "summary", "body", "audience", "status"
    )
    return [
        Document(
            pk,
            title,
            "\n".join(text for text in (summary, body) if text),
            SearchAudience.PUBLIC
            if audience == Audience.CLIENT and status == ArticleStatus.PUBLISHED
            else SearchAudience.STAFF,
        )
        for pk, title, summary, body, audience, status in rows
    ]


def scope(user) -> Q | None:
    if can_read_knowledge(user):
        if can_edit_knowledge(user):
            return Q()
        published = Article.objects.filter(status=ArticleStatus.PUBLISHED).values("pk")
        return Q(object_id__in=published)
    if can_use_portal(user):
        return Q(audience=SearchAudience.PUBLIC)
    return None


def url(user, pk: int) -> str:
    if can_read_knowledge(user):
        return reverse("knowledge:article", args=[pk])
    return reverse("portal:article", args=[pk])


PROVIDER = Provider(
    kind=KIND,
    label=_("Articles"),
    documents=documents,
    all_ids=lambda: Article.objects.values_list("pk", flat=True),
    scope=scope,
    url=url,
    watch={Article: "pk"},
    order=30,
)
