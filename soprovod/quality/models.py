"""Quality review (issue 15): each week a sample of resolved tickets — random ones plus
every ticket rated 3 or below, every breached and every reopened one — scored on the
head's rubric with a comment. A rubric is versioned: editing it makes a new version, and a
review keeps the criteria it was scored on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rubric(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("criterion"), max_length=200)
    description = models.CharField(_("what it means"), max_length=500, blank=True)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=5)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_score__gte=1), name="criterion_max_ge_1")
        ]

    def __str__(self) -> str:
        return self.title


class ReviewSettings(models.Model):
    """One row: who reviews (nobody named: the head) and how many random tickets a week."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    random_count = models.PositiveSmallIntegerField(_("random tickets a week"), default=5)

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        return "review settings"


class ReviewWeek(models.Model):
    """The sample of one week (Monday to Sunday, department time), built once."""

    week_start = models.DateField(_("week"), unique=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review week")
        verbose_name_plural = _("review weeks")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return str(self.week_start)


class ReviewItem(models.Model):
    """One sampled ticket, why it was taken, and its review once scored."""

    week = models.ForeignKey(ReviewWeek, on_delete=models.CASCADE, related_name="items")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_reviews",
    )
    is_random = models.BooleanField(_("random"), default=False)
    low_rating = models.BooleanField(_("rated 3 or below"), default=False)
    breached = models.BooleanField(_("breached SLA"), default=False)
    reopened = models.BooleanField(_("reopened"), default=False)
    rubric = models.ForeignKey(Rubric, null=True, blank=True, on_delete=models.PROTECT)
    comment = models.TextField(_("comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["week", "ticket"]
        constraints = [
            models.UniqueConstraint(fields=["week", "ticket"], name="one_review_per_ticket_week")
        ]

    def __str__(self) -> str:
        return f"{self.week_id}: #{self.ticket_id}"


class ReviewScore(models.Model):
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("points"))

    class Meta:
        verbose_name = _("points")
        verbose_name_plural = _("points given")
        constraints = [
            models.UniqueConstraint(fields=["item", "criterion"], name="one_score_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"
