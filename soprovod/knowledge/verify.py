"""`soprovod verify`: an article's current text and version number are its latest stored
version's (the article row caches the last `ArticleVersion`)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from soprovod.core.verify import Difference, Report, Tally
from soprovod.knowledge.models import Article, ArticleVersion


def check_versions(report: Report, fix: bool = False) -> Tally:
    """Compares only; a difference is a bug to look at, so ``fix`` changes nothing."""
    tally = Tally()
    latest = ArticleVersion.objects.filter(article=OuterRef("pk")).order_by("-number")
    rows = Article.objects.annotate(
        last_number=Subquery(latest.values("number")[:1]),
        last_body=Subquery(latest.values("body")[:1]),
        last_title=Subquery(latest.values("title")[:1]),
    ).values_list("pk", "version", "body", "title", "last_number", "last_body", "last_title")
    for pk, version, body, title, number, last_body, last_title in rows.iterator():
        tally.checked += 1
        subject = f"article {pk}"
        for field, stored, recomputed in (
            ("version", version, number),
            ("title", title, last_title),
            ("body", body, last_body),
        ):
            if stored != recomputed:
                tally.differences += 1
                shown = (stored, recomputed) if field != "body" else ("…", "…")
                report(Difference(subject, field, *shown))
    return tally
