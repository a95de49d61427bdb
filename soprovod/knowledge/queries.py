"""Reads of the knowledge base, aggregated in the database.

`suggest(text, audience)` is the one place that matches a ticket's words to articles,
through the search app's Russian index (``knowledge.searching`` registers the articles
there). `read_status(user)` is what the team page asks about a person's internal rules."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from soprovod.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    Audience,
    Category,
    RuleRead,
    TicketArticle,
)
from soprovod.knowledge.searching import KIND
from soprovod.lib.periods import Period
from soprovod.search import queries as search_queries

SUGGESTIONS = 5


def published(audience: str | None = None) -> QuerySet[Article]:
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    return articles.filter(audience=audience) if audience else articles


def suggest(
    text: str,
    audience: str | None = Audience.CLIENT,
    *,
    limit: int = SUGGESTIONS,
    articles: QuerySet[Article] | None = None,
) -> list[Article]:
    """Published articles of ``audience`` (None: both) that match the words of ``text``,
    best first, from the search index (Russian stemming: «шлагбаума» finds «шлагбаум»):
    any of the words, an article matching more of them, or in its title, first.
    ``articles`` narrows the pool to what the caller may read (instead of «published»)."""
    if articles is None:
        pool = published(audience)
    else:
        pool = articles.filter(audience=audience) if audience else articles
    ids = search_queries.best_of(KIND, text, pool.values("pk"), limit=limit)
    found = pool.filter(pk__in=ids).select_related("category").in_bulk()
    return [found[pk] for pk in ids if pk in found]


def listing(
    articles: QuerySet[Article],
    *,
    category: int | None = None,
    audience: str = "",
    status: str = "",
    q: str = "",
) -> QuerySet[Article]:
    """The list page's articles, each with its deflections and linked tickets counted."""
    if category:
        articles = articles.filter(category_id=category)
    if audience in Audience.values:
        articles = articles.filter(audience=audience)
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    if (found := search_queries.object_ids(KIND, q, internal=True)) is not None:
        # Every word, in any of its forms (the search index, as the one search box).
        articles = articles.filter(pk__in=found)
    return (
        articles.select_related("category", "updated_by")
        .annotate(
            deflection_count=Count("deflections", distinct=True),
            ticket_count=Count("ticket_links", distinct=True),
        )
        .order_by("category__position", "category__name", "title")
    )


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("position", "name")


def versions_of(article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("author").order_by("-number")


def for_ticket(ticket) -> QuerySet[TicketArticle]:
    return (
        TicketArticle.objects.filter(ticket=ticket)
        .select_related("article", "article__category", "linked_by")
        .order_by("linked_at", "pk")
    )


def linked_tickets(article: Article) -> QuerySet[TicketArticle]:
    return (
        TicketArticle.objects.filter(article=article)
        .select_related("ticket")
        .order_by("-linked_at", "-pk")
    )


def deflection_count(article: Article) -> int:
    return article.deflections.count()


def deflections_by_article(period: Period) -> list[dict]:
    """Per client article: the deflections in ``period`` and the tickets it was linked to in
    it, most deflections first (the monthly report's section)."""
    rows = (
        Article.objects.filter(audience=Audience.CLIENT)
        .annotate(
            deflections_in=Count(
                "deflections",
                filter=Q(deflections__at__gte=period.start_at, deflections__at__lt=period.end_at),
                distinct=True,
            ),
            links_in=Count(
                "ticket_links",
                filter=Q(
                    ticket_links__linked_at__gte=period.start_at,
                    ticket_links__linked_at__lt=period.end_at,
                ),
                distinct=True,
            ),
        )
        .filter(Q(deflections_in__gt=0) | Q(links_in__gt=0))
        .order_by("-deflections_in", "-links_in", "title")
        .values("pk", "title", "category__name", "deflections_in", "links_in")
    )
    return list(rows)


# ---- read and understood -------------------------------------------------------------------


@dataclass
class RuleState:
    article: Article
    read_version: int | None  # the latest version the person marked, if any
    read_at: object | None

    @property
    def is_read(self) -> bool:
        return self.read_version == self.article.version

    @property
    def read_earlier(self) -> bool:
        return self.read_version is not None and not self.is_read


def rules() -> QuerySet[Article]:
    """The internal rules in force: published internal articles."""
    return published(Audience.INTERNAL)


def read_status(user) -> list[RuleState]:
    """Each internal rule in force and whether ``user`` has read its current version (an
    earlier version read counts as not read). One query."""
    reads = RuleRead.objects.filter(article=OuterRef("pk"), person=user)
    current = reads.filter(version=OuterRef("version"))
    rows = (
        rules()
        .select_related("category")
        .annotate(
            read_version=Subquery(reads.order_by("-version").values("version")[:1]),
            read_at_current=Subquery(current.values("read_at")[:1]),
        )
        .order_by("category__position", "title")
    )
    return [RuleState(a, a.read_version, a.read_at_current) for a in rows]


def unread_rules(user) -> QuerySet[Article]:
    current = RuleRead.objects.filter(
        article=OuterRef("pk"), person=user, version=OuterRef("version")
    )
    return rules().exclude(Exists(current)).select_related("category").order_by("title")


def unread_counts(people) -> dict[int, int]:
    """person id → how many rules in force they have not read in their current version.
    Two queries, whatever the number of people."""
    ids = [p.pk for p in people]
    total = rules().count()
    read = dict(
        RuleRead.objects.filter(
            person_id__in=ids,
            article__status=ArticleStatus.PUBLISHED,
            article__audience=Audience.INTERNAL,
        )
        .filter(version=F("article__version"))
        .values("person_id")
        .annotate(n=Count("article", distinct=True))
        .values_list("person_id", "n")
    )
    return {pk: total - read.get(pk, 0) for pk in ids}


def readers(article: Article, people) -> list[dict]:
    """For the head: each person with the version of ``article`` they last read and when,
    and whether that is the current one. Two queries."""
    last = (
        RuleRead.objects.filter(article=article)
        .values("person_id")
        .annotate(version=Max("version"))
    )
    latest = {row["person_id"]: row["version"] for row in last}
    at = dict(
        RuleRead.objects.filter(article=article, version=article.version).values_list(
            "person_id", "read_at"
        )
    )
    return [
        {
            "person": person,
            "version": latest.get(person.pk),
            "read_at": at.get(person.pk),
            "current": person.pk in at,
        }
        for person in people
    ]
