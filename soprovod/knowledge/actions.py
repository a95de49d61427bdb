"""Every write of the knowledge base: one transaction each, audited.

An article is never edited in place without a trace: each save that changes something
makes the next `ArticleVersion` (who, when, what it said, a note), and a form that was
opened on an older version is refused (`StaleObjectError`) rather than overwriting a
colleague's edit."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.core.errors import StaleObjectError
from soprovod.knowledge import hooks
from soprovod.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleStatus,
    ArticleVersion,
    Audience,
    Category,
    Deflection,
    RuleRead,
    TicketArticle,
)
from soprovod.tickets.actions import validate_attachment
from soprovod.tickets.models import Ticket


class ArticleError(ValueError):
    """A write the knowledge base refuses; the message says why, in the user's words."""


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


def _snapshot(article: Article, actor, note: str, at: dt.datetime) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        category_name=article.category.name,
        audience=article.audience,
        status=article.status,
        summary=article.summary,
        body=article.body,
        note=(note or "").strip()[:300],
        author=_actor(actor),
        created_at=at,
    )


def _clean(title: str, summary: str, body: str, audience: str, status: str):
    title = (title or "").strip()
    if not title:
        raise ArticleError(_("Give the article a title."))
    if audience not in Audience.values:
        raise ArticleError(_("Choose who the article is for."))
    if status not in ArticleStatus.values:
        raise ArticleError(_("Choose draft or published."))
    return title, (summary or "").strip(), (body or "").replace("\r\n", "\n").strip()


@transaction.atomic
def do_create_category(actor, name: str, position: int = 0) -> Category:
    name = (name or "").strip()
    if not name:
        raise ArticleError(_("Give the category a name."))
    if Category.objects.filter(name__iexact=name).exists():
        raise ArticleError(_("There is already a category with this name."))
    category = Category.objects.create(name=name, position=position)
    record(actor, category, AuditEvent.Action.CREATED, {"name": ["", name]})
    return category


@transaction.atomic
def do_create_article(
    actor,
    *,
    title: str,
    category: Category,
    audience: str = Audience.CLIENT,
    summary: str = "",
    body: str = "",
    status: str = ArticleStatus.DRAFT,
    note: str = "",
    at: dt.datetime | None = None,
) -> Article:
    at = at or timezone.now()
    title, summary, body = _clean(title, summary, body, audience, status)
    article = Article.objects.create(
        title=title,
        category=category,
        audience=audience,
        status=status,
        summary=summary,
        body=body,
        version=1,
        created_by=_actor(actor),
        created_at=at,
        updated_by=_actor(actor),
        updated_at=at,
        published_at=at if status == ArticleStatus.PUBLISHED else None,
    )
    _snapshot(article, actor, note or _("First version"), at)
    record(
        actor,
        article,
        AuditEvent.Action.CREATED,
        {"title": ["", title], "audience": ["", audience], "status": ["", status]},
    )
    return article


@transaction.atomic
def do_update_article(
    actor,
    article: Article,
    *,
    title: str,
    category: Category,
    audience: str,
    summary: str,
    body: str,
    status: str,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Article:
    """Save a new version when anything changed (the same text saved again is no version).
    Refuses a form opened on an older version than the current one."""
    at = at or timezone.now()
    current = Article.objects.select_for_update().select_related("category").get(pk=article.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    title, summary, body = _clean(title, summary, body, audience, status)
    new = {
        "title": title,
        "category": category,
        "audience": audience,
        "summary": summary,
        "body": body,
        "status": status,
    }
    changes = {}
    for name, value in new.items():
        before = getattr(current, name)
        if before != value:
            # The text itself lives in the versions; the trail says only that it changed.
            changes[name] = ["…", "…"] if name == "body" else [before, value]
    if not changes:
        return current
    for name, value in new.items():
        setattr(current, name, value)
    current.version += 1
    current.updated_by = _actor(actor)
    current.updated_at = at
    if status == ArticleStatus.PUBLISHED and current.published_at is None:
        current.published_at = at
    current.save()
    _snapshot(current, actor, note, at)
    record(actor, current, AuditEvent.Action.UPDATED, changes, reason=(note or "").strip())
    return current


@transaction.atomic
def do_add_attachment(actor, article: Article, upload: UploadedFile) -> ArticleAttachment:
    """A file or an image for the article, refused by the same limits as a ticket's files."""
    if not upload.size:
        raise ArticleError(_("“%(name)s” is empty.") % {"name": upload.name})
    try:
        validate_attachment(upload)
    except ValueError as exc:
        raise ArticleError(str(exc)) from exc
    attachment = ArticleAttachment(
        article=article,
        filename=PurePath(upload.name or "file").name[:255],
        content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
        size=upload.size,
        uploaded_by=_actor(actor),
    )
    attachment.file.save(attachment.filename, upload, save=False)
    attachment.save()
    record(
        actor,
        attachment,
        AuditEvent.Action.CREATED,
        {"file": ["", attachment.filename]},
        parent=article,
    )
    return attachment


@transaction.atomic
def do_delete_attachment(actor, attachment: ArticleAttachment) -> None:
    record(
        actor,
        attachment,
        AuditEvent.Action.DELETED,
        {"file": [attachment.filename, ""]},
        parent=attachment.article,
    )
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def do_link_ticket(
    actor, ticket: Ticket, article: Article, *, at: dt.datetime | None = None
) -> TicketArticle:
    """Link ``article`` to ``ticket`` (linking it again changes nothing). The link shows in
    the ticket's change history."""
    link, created = TicketArticle.objects.get_or_create(
        ticket=ticket,
        article=article,
        defaults={"linked_by": _actor(actor), "linked_at": at or timezone.now()},
    )
    if created:
        record(
            actor, link, AuditEvent.Action.CREATED, {"article": ["", article.title]}, parent=ticket
        )
    return link


@transaction.atomic
def do_unlink_ticket(actor, link: TicketArticle) -> None:
    record(
        actor,
        link,
        AuditEvent.Action.DELETED,
        {"article": [link.article.title, ""]},
        parent=link.ticket,
    )
    link.delete()


@transaction.atomic
def do_record_deflection(
    user, article: Article, query: str = "", *, client=None, at: dt.datetime | None = None
) -> Deflection:
    """A client says ``article``, suggested while they wrote a new ticket's subject, helped."""
    if article.audience != Audience.CLIENT or article.status != ArticleStatus.PUBLISHED:
        raise ArticleError(_("This article is not shown to clients."))
    deflection = Deflection.objects.create(
        article=article,
        user=_actor(user),
        client=client,
        query=(query or "").strip()[:300],
        at=at or timezone.now(),
    )
    record(
        user,
        deflection,
        AuditEvent.Action.CREATED,
        {"query": ["", deflection.query]},
        parent=article,
    )
    return deflection


@transaction.atomic
def do_mark_read(person, article: Article, *, at: dt.datetime | None = None) -> RuleRead:
    """``person`` read and understood the current version of the internal rule ``article``
    (marking it again changes nothing). A later version asks again."""
    if article.audience != Audience.INTERNAL or article.status != ArticleStatus.PUBLISHED:
        raise ArticleError(_("Only a published internal rule is marked as read."))
    at = at or timezone.now()
    read, created = RuleRead.objects.get_or_create(
        article=article, version=article.version, person=person, defaults={"read_at": at}
    )
    if created:
        record(
            person,
            read,
            AuditEvent.Action.CREATED,
            {"version": ["", article.version]},
            parent=article,
        )
        hooks.rule_read(person, article, article.version, timezone.localdate(at))
    return read
