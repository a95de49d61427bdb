"""The knowledge base (issue 15): articles in Markdown, in categories, for one of two
audiences — the department's internal rules (регламенты, staff only) and client articles
(shown in the portal). Every save of an article is a numbered `ArticleVersion` (who, when,
what it said, a note on what changed); the article row carries the current text so lists
and suggestions read one table.

Around the articles: files and images (`ArticleAttachment`, validated like a ticket's
files), links to tickets (`TicketArticle`), deflections (`Deflection`: a client found the
answer in a suggested article and filed no ticket) and «read and understood» marks on an
internal rule's version (`RuleRead`)."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    INTERNAL = "internal", _("Internal rule (staff only)")
    CLIENT = "client", _("Client article (portal)")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(_("title"), max_length=300)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.CLIENT
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    summary = models.CharField(_("short summary"), max_length=500, blank=True)
    body = models.TextField(_("text (Markdown)"), blank=True)
    # The number of the current version (1, 2, ...): forms carry it as the optimistic lock.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["category__position", "category__name", "title"]
        indexes = [models.Index(fields=["audience", "status"], name="kb_article_audience")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_internal(self) -> bool:
        return self.audience == Audience.INTERNAL

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleVersion(models.Model):
    """What the article said after one save, and who saved it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    category_name = models.CharField(max_length=200)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    status = models.CharField(max_length=16, choices=ArticleStatus.choices)
    summary = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


def article_file_path(instance: ArticleAttachment, filename: str) -> str:
    return f"knowledge/{instance.article_id}/{PurePath(filename).name}"


IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=article_file_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article file")
        verbose_name_plural = _("article files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


class TicketArticle(models.Model):
    """An article linked to a ticket by staff (from the ticket page, or by inserting it
    into a reply)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="article_links"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article linked to a ticket")
        verbose_name_plural = _("articles linked to tickets")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="kb_one_link_per_ticket")
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} ↔ {self.article_id}"


class Deflection(models.Model):
    """A client said a suggested article helped while writing a new ticket, and so did not
    need to file it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the client had typed as the subject when the article was suggested.
    query = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.at:%Y-%m-%d}"


class RuleRead(models.Model):
    """A person marked a version of an internal rule «read and understood»."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    version = models.PositiveIntegerField()
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rule_reads"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rule read and understood")
        verbose_name_plural = _("rules read and understood")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "version", "person"], name="kb_one_read_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.article_id} v{self.version}"
