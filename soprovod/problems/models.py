"""Problems and improvements (issue 15): a problem gathers repeat tickets with one root
cause; it has an owner, the cause and the fix (an article, a development request, a rule
change or a training), and is closed when the repeats stop. Its signature (client,
category, words) says which tickets are its repeats, so the product counts them before and
after the fix over equal windows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Problem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Being worked on")
        FIXED = "fixed", _("Fix applied")
        CLOSED = "closed", _("Closed: repeats stopped")

    class FixKind(models.TextChoices):
        ARTICLE = "article", _("Knowledge base article")
        DEV_REQUEST = "dev_request", _("Request to development")
        RULE_CHANGE = "rule_change", _("Rule change")
        TRAINING = "training", _("Training")

    title = models.CharField(_("title"), max_length=300)
    cause = models.TextField(_("root cause"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_problems",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # The signature: which tickets are this problem's repeats (every field given must match).
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    words = models.CharField(_("words in the subject"), max_length=200, blank=True)
    window_days = models.PositiveSmallIntegerField(_("comparison window, days"), default=90)
    # The fix.
    fix_kind = models.CharField(_("fix"), max_length=16, choices=FixKind.choices, blank=True)
    fix_description = models.TextField(_("what was changed"), blank=True)
    fix_url = models.URLField(_("link (article, document)"), blank=True)
    fix_dev_request = models.ForeignKey(
        "devrequests.DevRequest",
        verbose_name=_("request to development"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A record of a higher app named through `problems.fixes` (a training: "training:12").
    fix_reference = models.CharField(max_length=100, blank=True)
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open")
                | models.Q(status="fixed", fixed_at__isnull=False)
                | models.Q(status="closed", fixed_at__isnull=False, closed_at__isnull=False),
                name="problem_status_dates",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProblemTicket(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("problem ticket")
        verbose_name_plural = _("problem tickets")
        constraints = [
            models.UniqueConstraint(fields=["problem", "ticket"], name="one_link_per_problem")
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} ← #{self.ticket_id}"
