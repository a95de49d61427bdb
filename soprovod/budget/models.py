"""The department's budget (issue 12 «Бюджет»): a plan per year in versions, and the facts.

A plan version is drafted by the head, submitted to the CEO and approved or returned with
comments. The approved version is locked: a later change is a new version, drafted from
it, and the earlier approved one stays in force until the new one is approved (it is then
«superseded»). Facts are not versioned: one amount per year, month and category.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONTHS = [MinValueValidator(1), MaxValueValidator(12)]


class BudgetCategory(models.TextChoices):
    STAFF = "staff", pgettext_lazy("budget", "Staff")
    TOOLS = "tools", _("Tools and licences")
    TRAINING = "training", _("Training")
    TRAVEL = "travel", _("Travel")
    EQUIPMENT = "equipment", _("Equipment")
    OTHER = "other", _("Other")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the CEO")
    RETURNED = "returned", _("Returned with comments")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


# The head may still change these; the others are locked.
EDITABLE_STATUSES = (VersionStatus.DRAFT, VersionStatus.RETURNED)
# At most one version of a year is being worked on (not yet decided for good).
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.RETURNED)


class BudgetVersion(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("head's note"), blank=True)
    decision_comment = models.TextField(_("CEO's comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking of the plan form (two tabs, or the head and the CEO at once).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="budget_version_number"),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status="approved"),
                name="budget_one_approved_version_per_year",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="budget_one_open_version_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class BudgetPlanLine(models.Model):
    budget_version = models.ForeignKey(
        BudgetVersion, on_delete=models.CASCADE, related_name="lines"
    )
    month = models.PositiveSmallIntegerField(_("month"), validators=MONTHS)
    category = models.CharField(
        pgettext_lazy("budget", "category"), max_length=16, choices=BudgetCategory.choices
    )
    amount = models.DecimalField(_("plan, ₽"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["month", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget_version", "month", "category"], name="budget_plan_line_cell"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_plan_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:02d} {self.category}: {self.amount}"


class BudgetFact(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), validators=MONTHS)
    category = models.CharField(
        pgettext_lazy("budget", "category"), max_length=16, choices=BudgetCategory.choices
    )
    amount = models.DecimalField(_("fact, ₽"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "month", "category"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month", "category"], name="budget_fact_cell"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_fact_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.category}: {self.amount}"
