"""The demo's knowledge base: the PASS24 client articles and the department's rules, each
edited at least once (except the newest), deflections and reads, linked tickets; an internal
rule is the team's training item, and the stored versions agree with the articles."""

import datetime as dt

import pytest

from soprovod.knowledge import queries
from soprovod.knowledge.models import Article, ArticleStatus, Audience, Deflection, RuleRead
from soprovod.knowledge.verify import check_versions
from soprovod.team.models import TrainingItem
from soprovod.web.demo import build_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_articles_with_versions_deflections_and_reads(db):
    ctx = build_demo(clients=20, months=6, seed=7, today=dt.date(2026, 11, 25))
    client = Article.objects.filter(audience=Audience.CLIENT, status=ArticleStatus.PUBLISHED)
    titles = set(client.values_list("title", flat=True))
    assert {"Как выписать гостевой пропуск", "Не открывается шлагбаум"} <= titles
    assert Article.objects.filter(audience=Audience.INTERNAL).count() == 3
    assert Article.objects.filter(status=ArticleStatus.DRAFT).exists()
    barrier = client.get(title="Не открывается шлагбаум")
    assert barrier.version == 3
    first = barrier.versions.get(number=1)
    assert "в течение 30 минут" in first.body and "в течение 15 минут" in barrier.body
    assert "Открыть шлагбаум вручную" not in first.body
    assert Deflection.objects.filter(article=barrier).exists()
    assert RuleRead.objects.exists()
    staff = [u for u in ctx.users.values() if u.is_support_staff]
    counts = queries.unread_counts(staff)
    assert sum(counts.values()) > 0  # someone still has a rule to read
    assert min(counts.values()) < 3  # and someone has read a current version
    assert queries.suggest("не открывается шлагбаум")[0] == barrier
    assert TrainingItem.objects.filter(reference__startswith="/kb/").exists()
    assert check_versions(lambda d: None).differences == 0
