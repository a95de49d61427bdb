"""The knowledge base's staff pages (/kb/) and the ticket page's article panel actions.
Thin: permission, form, one action or query, render. A client contact uses the portal's
article pages; here they get 403 for the section, and 404 for a file they may not read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import (
    can_edit_knowledge,
    can_mark_rules_read,
    can_read_knowledge,
    can_see_rule_reads,
    can_work_tickets,
    require,
)
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import SUPPORT_STAFF
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import is_htmx, posted, resubmission
from soprovod.knowledge import actions, queries
from soprovod.knowledge.diffs import diff_versions
from soprovod.knowledge.forms import ArticleForm, AttachmentForm, CategoryForm
from soprovod.knowledge.models import ArticleStatus, Audience
from soprovod.knowledge.permissions import articles_visible_to, files_visible_to, get_article_or_404
from soprovod.knowledge.rendering import plain_text, render_markdown
from soprovod.tickets.downloads import safe_content_type
from soprovod.tickets.forms import ReplyForm
from soprovod.tickets.permissions import get_ticket_or_404


def _section(request: HttpRequest):
    user = request.user
    require(can_read_knowledge(user))
    return user


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---- the list ------------------------------------------------------------------------------


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    user = _section(request)
    category = _int(request.GET.get("category"))
    audience = request.GET.get("audience", "")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    articles = list(
        queries.listing(
            articles_visible_to(user), category=category, audience=audience, status=status, q=q
        )
    )
    groups: dict = {}
    for article in articles:
        groups.setdefault(article.category, []).append(article)
    unread = {a.pk for a in queries.unread_rules(user)} if can_mark_rules_read(user) else set()
    return render(
        request,
        "knowledge/list.html",
        {
            "groups": list(groups.items()),
            "count": len(articles),
            "categories": queries.categories(),
            "audiences": Audience.choices,
            "statuses": ArticleStatus.choices,
            "filters": {"category": category, "audience": audience, "status": status, "q": q},
            "can_edit": can_edit_knowledge(user),
            "unread": unread,
            "category_form": CategoryForm() if can_edit_knowledge(user) else None,
        },
    )


@login_required
@require_POST
def category_create(request: HttpRequest) -> HttpResponse:
    user = _section(request)
    require(can_edit_knowledge(user))
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            actions.do_create_category(user, form.cleaned_data["name"])
        except actions.ArticleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The category is added."))
    else:
        messages.error(request, _("Give the category a name."))
    return redirect("knowledge:list")


# ---- one article ---------------------------------------------------------------------------


@login_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _section(request)
    article = get_article_or_404(user, pk)
    state = None
    if article.is_internal and can_mark_rules_read(user):
        state = next((s for s in queries.read_status(user) if s.article.pk == article.pk), None)
    readers = None
    if article.is_internal and article.is_published and can_see_rule_reads(user):
        people = list(users_with_role(SUPPORT_STAFF).order_by("last_name", "first_name"))
        readers = queries.readers(article, people)
    return render(
        request,
        "knowledge/article.html",
        {
            "article": article,
            "html": render_markdown(article.body),
            "files": list(article.attachments.all()),
            "last_version": queries.versions_of(article).first(),
            "deflections": queries.deflection_count(article),
            "tickets": list(queries.linked_tickets(article)[:20]),
            "state": state,
            "readers": readers,
            "can_edit": can_edit_knowledge(user),
            "file_form": AttachmentForm() if can_edit_knowledge(user) else None,
        },
    )


def _save_article(user, form: ArticleForm, article=None):
    data = form.cleaned_data
    fields = {
        "title": data["title"],
        "category": data["category"],
        "audience": data["audience"],
        "summary": data["summary"],
        "body": data["body"],
        "status": data["status"],
        "note": data["note"],
    }
    if article is None:
        return actions.do_create_article(user, **fields)
    return actions.do_update_article(user, article, expected_version=data.get("version"), **fields)


@login_required
@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    user = _section(request)
    require(can_edit_knowledge(user))
    initial = {"audience": request.GET.get("audience") or Audience.CLIENT,
               "status": ArticleStatus.DRAFT}  # fmt: skip
    form = ArticleForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article = _save_article(user, form)
        except actions.ArticleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The article is saved."))
            return redirect("knowledge:article", pk=article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "article": None})


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _section(request)
    article = get_article_or_404(user, pk, allowed=can_edit_knowledge(user))
    initial = {
        "title": article.title,
        "category": article.category_id,
        "audience": article.audience,
        "status": article.status,
        "summary": article.summary,
        "body": article.body,
        "version": article.version,
    }
    form = ArticleForm(posted(request), initial=initial)
    stale = ""
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_article(user, form, article)
        except StaleObjectError as exc:
            stale = str(exc)
            form = ArticleForm(resubmission(request, exc.obj))
            form.is_valid()
            article = exc.obj
        except actions.ArticleError as exc:
            form.add_error(None, str(exc))
        else:
            if saved.version == article.version:
                messages.info(request, _("Nothing changed: no new version was made."))
            else:
                messages.success(
                    request, _("Saved as version %(number)s.") % {"number": saved.version}
                )
            return redirect("knowledge:article", pk=article.pk)
    return render(
        request, "knowledge/edit.html", {"form": form, "article": article, "stale": stale}
    )


@login_required
@require_GET
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    user = _section(request)
    article = get_article_or_404(user, pk)
    versions = list(queries.versions_of(article))
    return render(request, "knowledge/history.html", {"article": article, "versions": versions})


@login_required
@require_GET
def article_diff(request: HttpRequest, pk: int) -> HttpResponse:
    user = _section(request)
    article = get_article_or_404(user, pk)
    versions = {v.number: v for v in article.versions.select_related("author")}
    new_number = _int(request.GET.get("b")) or article.version
    old_number = _int(request.GET.get("a")) or max(1, new_number - 1)
    old, new = versions.get(old_number), versions.get(new_number)
    require(old is not None and new is not None, hidden=True)
    return render(
        request,
        "knowledge/diff.html",
        {
            "article": article,
            "diff": diff_versions(old, new),
            "numbers": sorted(versions, reverse=True),
        },
    )


@login_required
@require_GET
def article_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    user = _section(request)
    article = get_article_or_404(user, pk)
    version = article.versions.select_related("author").filter(number=number).first()
    require(version is not None, hidden=True)
    return render(
        request,
        "knowledge/version.html",
        {"article": article, "version": version, "html": render_markdown(version.body)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = _section(request)
    article = get_article_or_404(user, pk, allowed=can_mark_rules_read(user))
    try:
        actions.do_mark_read(user, article)
    except actions.ArticleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Marked as read and understood."))
    return redirect("knowledge:article", pk=article.pk)


# ---- files ---------------------------------------------------------------------------------


@login_required
@require_POST
def file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _section(request)
    article = get_article_or_404(user, pk, allowed=can_edit_knowledge(user))
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            actions.do_add_attachment(user, article, form.cleaned_data["file"])
        except actions.ArticleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The file is added."))
    return redirect("knowledge:article", pk=article.pk)


@login_required
@require_POST
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _section(request)
    item = files_visible_to(user).select_related("article").filter(pk=pk).first()
    require(item is not None, hidden=True)
    require(can_edit_knowledge(user))
    article_pk = item.article_id
    actions.do_delete_attachment(user, item)
    messages.success(request, _("The file is removed."))
    return redirect("knowledge:article", pk=article_pk)


@login_required
@require_GET
def file_download(request: HttpRequest, pk: int) -> FileResponse:
    """An article's file for whoever may read the article (staff, or a client contact for a
    published client article). Images show inline, so an article can include them; anything
    else downloads."""
    item = files_visible_to(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = safe_content_type(item.content_type, item.filename)
    response = FileResponse(
        handle,
        as_attachment=not content_type.startswith("image/"),
        filename=item.filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---- the ticket page's panel ---------------------------------------------------------------


def _ticket_for_work(request: HttpRequest, number: int):
    user = _section(request)
    return user, get_ticket_or_404(user, number, for_work=True)


@login_required
@require_GET
def ticket_search(request: HttpRequest, number: int) -> HttpResponse:
    """Articles matching the panel's search box, to link or insert (an htmx fragment)."""
    user, ticket = _ticket_for_work(request, number)
    q = request.GET.get("q", "")
    found = queries.suggest(q, None, limit=8, articles=articles_visible_to(user).filter(
        status=ArticleStatus.PUBLISHED))  # fmt: skip
    return render(
        request,
        "knowledge/_ticket_search.html",
        {"ticket": ticket, "articles": found, "q": q},
    )


@login_required
@require_POST
def ticket_link(request: HttpRequest, number: int) -> HttpResponse:
    user, ticket = _ticket_for_work(request, number)
    article = get_article_or_404(user, _int(request.POST.get("article")) or 0)
    actions.do_link_ticket(user, ticket, article)
    messages.success(request, _("The article is linked to the ticket."))
    return redirect("tickets:detail", number=ticket.pk)


@login_required
@require_POST
def ticket_unlink(request: HttpRequest, number: int, article: int) -> HttpResponse:
    user, ticket = _ticket_for_work(request, number)
    link = queries.for_ticket(ticket).filter(article_id=article).first()
    require(link is not None, hidden=True)
    actions.do_unlink_ticket(user, link)
    messages.success(request, _("The article is unlinked."))
    return redirect("tickets:detail", number=ticket.pk)


def insert_text(request: HttpRequest, article, mode: str) -> str:
    """What «insert into the reply» adds: the article's summary and the portal link, or its
    whole text (without markup) and the link."""
    url = request.build_absolute_uri(portal_path(article))
    if mode == "text":
        return f"{article.title}\n\n{plain_text(article.body)}\n\n{url}"
    summary = article.summary or plain_text(article.body)[:300]
    return f"{article.title}: {summary}\n{url}"


def portal_path(article) -> str:
    """The portal's page of a client article (where the client reads it)."""
    return reverse("portal:article", args=[article.pk])


@login_required
@require_http_methods(["GET", "POST"])
def ticket_insert(request: HttpRequest, number: int, article: int) -> HttpResponse:
    """The reply's text box with the article added after what is already written (htmx
    swaps the box; without htmx the ticket page opens with it). Only a published client
    article goes into a reply: an internal rule is not for clients. Inserting links it."""
    user, ticket = _ticket_for_work(request, number)
    item = get_article_or_404(user, article)
    require(item.audience == Audience.CLIENT and item.is_published)
    require(can_work_tickets(user))
    data = request.POST if request.method == "POST" else request.GET
    written = (data.get("body") or "").rstrip()
    addition = insert_text(request, item, request.GET.get("mode") or data.get("mode", ""))
    body = f"{written}\n\n{addition}" if written else addition
    actions.do_link_ticket(user, ticket, item)
    form = ReplyForm(initial={"body": body, "version": ticket.version})
    if is_htmx(request):
        return HttpResponse(str(form["body"]))
    return render(
        request, "knowledge/insert.html", {"ticket": ticket, "form": form, "article": item}
    )
