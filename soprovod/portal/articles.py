"""The portal's help articles: the knowledge base's client articles, the suggestions shown
while a client writes a new ticket's subject, and «This helped» (a deflection: the client
found the answer and did not file). Only published client articles exist here; an internal
rule or a draft answers 404, like a page that does not exist."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from soprovod.knowledge import actions as kb_actions
from soprovod.knowledge import queries as kb_queries
from soprovod.knowledge.models import Audience
from soprovod.knowledge.permissions import articles_visible_to, get_article_or_404
from soprovod.knowledge.rendering import render_markdown
from soprovod.portal import queries
from soprovod.portal.views import client_contact_required


@client_contact_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    visible = articles_visible_to(request.user)
    if q:
        found = kb_queries.suggest(q, Audience.CLIENT, limit=20, articles=visible)
    else:
        found = list(visible.select_related("category").order_by(
            "category__position", "category__name", "title"))  # fmt: skip
    groups: dict = {}
    for article in found:
        groups.setdefault(article.category.name, []).append(article)
    return render(request, "portal/articles.html", {"groups": list(groups.items()), "q": q})


@client_contact_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_article_or_404(request.user, pk)
    return render(
        request,
        "portal/article.html",
        {
            "article": article,
            "html": render_markdown(article.body),
            "files": list(article.attachments.all()),
        },
    )


@client_contact_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Articles matching what the client has typed as the subject (an htmx fragment)."""
    subject = request.GET.get("subject", "").strip()
    articles = kb_queries.suggest(subject, Audience.CLIENT, articles=articles_visible_to(
        request.user))  # fmt: skip
    return render(request, "portal/_suggestions.html", {"articles": articles, "subject": subject})


@client_contact_required
@require_POST
def helped(request: HttpRequest, pk: int) -> HttpResponse:
    """«This helped»: counted as a deflection for the article; the client files nothing."""
    article = get_article_or_404(request.user, pk)
    contact = queries.contact_of(request.user)
    kb_actions.do_record_deflection(
        request.user,
        article,
        request.POST.get("subject", ""),
        client=contact.client if contact else None,
    )
    return render(request, "portal/_helped.html", {"article": article})
