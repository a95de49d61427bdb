"""Issue 15: articles are in the one search (Russian stemming on both databases), and the
portal's suggestions while a subject is typed come from that index: «шлагбаума» finds
«Шлагбаум не открывается»; an internal rule or a draft is never suggested to a client."""

import pytest
from django.urls import reverse

from soprovod.knowledge import actions, queries
from soprovod.knowledge.models import ArticleStatus, Audience
from soprovod.knowledge.permissions import articles_visible_to
from soprovod.search.models import SearchDocument
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "subject",
    [
        "шлагбаума",  # genitive
        "Шлагбаумом",  # instrumental, a capital
        "шлагбаумы не открываются",  # plural, another form of the verb
        "не открывается шлагбаум на въезде",  # a word the article lacks: any word will do
        "нет питания",  # a word of the text only, in another case
    ],
)
def test_suggestions_find_russian_word_forms(kb, subject):
    assert queries.suggest(subject, Audience.CLIENT)[:1] == [kb.barrier]


def test_the_title_ranks_above_the_text(kb, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mention = actions.do_create_article(
            staff.support,
            title="Гостевой пропуск",
            category=kb.passes,
            audience=Audience.CLIENT,
            body="Гость проходит через шлагбаум по коду.",
            status=ArticleStatus.PUBLISHED,
        )
    assert queries.suggest("шлагбаума", Audience.CLIENT) == [kb.barrier, mention]


def test_a_staff_only_rule_or_a_draft_is_never_suggested_to_a_client(client, companies, kb):
    contact = companies.client1
    visible = articles_visible_to(contact)
    # Words of the rule and of the draft, and of the client article.
    words = "регламент первой линии курьера шлагбаум"
    assert queries.suggest(words, Audience.CLIENT, articles=visible) == [kb.barrier]
    assert queries.suggest(words, None, articles=visible) == [kb.barrier]
    client.force_login(contact)
    page = client.get(reverse("portal:suggest"), {"subject": words}).content.decode()
    assert kb.barrier.title in page
    assert kb.rule.title not in page and kb.draft.title not in page
    found = client.get(reverse("portal:search"), {"q": "регламента"}).content.decode()
    assert 'id="group-article"' not in found
    found = client.get(reverse("portal:search"), {"q": "шлагбаумы"}).content.decode()
    assert 'id="group-article"' in found
    assert reverse("portal:article", args=[kb.barrier.pk]) in found
    for hidden in (kb.rule, kb.draft):
        assert reverse("portal:article", args=[hidden.pk]) not in found


def test_staff_suggestions_hold_rules_and_editors_drafts(kb, staff):
    engineer = articles_visible_to(staff.engineer)
    assert set(queries.suggest("шлагбаума", None, articles=engineer)) == {kb.barrier, kb.rule}
    editor = articles_visible_to(staff.support)
    assert kb.draft in queries.suggest("курьеров", None, articles=editor)


def test_publishing_and_archiving_move_the_article_in_and_out_of_the_portal(
    kb, staff, companies, django_capture_on_commit_callbacks
):
    visible = articles_visible_to(companies.client1)
    assert queries.suggest("курьера", Audience.CLIENT, articles=visible) == []
    with django_capture_on_commit_callbacks(execute=True):
        kb.draft.status = ArticleStatus.PUBLISHED
        kb.draft.save()
    assert queries.suggest("курьера", Audience.CLIENT, articles=visible) == [kb.draft]
    assert SearchDocument.objects.get(kind="article", object_id=kb.draft.pk).audience == "public"


def test_articles_are_found_on_the_search_page_grouped_by_kind(
    client, kb, staff, companies, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = TicketFactory(client=companies.a, subject="Шлагбаум закрыт для гостей")
    client.force_login(staff.engineer)
    page = client.get(reverse("search:search"), {"q": "шлагбаумов"}).content.decode()
    assert 'id="group-ticket"' in page and 'id="group-article"' in page
    articles = page[page.index('id="group-article"') :]
    articles = articles[: articles.index("</section>")]
    assert reverse("knowledge:article", args=[kb.barrier.pk]) in articles
    assert reverse("knowledge:article", args=[kb.rule.pk]) in articles
    # The engineer does not edit: no drafts.
    assert reverse("knowledge:article", args=[kb.draft.pk]) not in page
    assert "Статьи" in articles
    tickets = page[page.index('id="group-ticket"') : page.index('id="group-article"')]
    assert reverse("tickets:detail", args=[ticket.pk]) in tickets
    assert page.index('id="group-ticket"') < page.index('id="group-article"')


def test_the_staff_list_filters_by_every_word_in_any_form(client, kb, staff):
    client.force_login(staff.support)
    page = client.get(reverse("knowledge:list"), {"q": "шлагбаумы питания"}).content.decode()
    assert reverse("knowledge:article", args=[kb.barrier.pk]) in page
    assert reverse("knowledge:article", args=[kb.rule.pk]) not in page  # no «питание» there
    page = client.get(reverse("knowledge:list"), {"q": "шлагбаумом"}).content.decode()
    for article in (kb.barrier, kb.rule, kb.draft):
        assert reverse("knowledge:article", args=[article.pk]) in page
