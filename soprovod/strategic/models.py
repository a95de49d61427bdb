"""Strategic KPIs (issue 12 «Стратегические KPI»): the head defines them for a year, each
with a plan per quarter; its fact is either fed from a product KPI of the engine for the
quarter (``kpi_key``, e.g. ``retention`` or ``sla.all``) or entered by hand with a comment.
kpi.md «strategic.<key>» = fact ÷ plan."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

QUARTERS = [MinValueValidator(1), MaxValueValidator(4)]


class FactSource(models.TextChoices):
    KPI = "kpi", _("From a product KPI")
    MANUAL = "manual", _("Entered by hand")


class StrategicKpi(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    key = models.CharField(
        _("key"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$", _("Latin lower-case letters, digits and underscores.")
            )
        ],
        help_text=_("Becomes strategic.<key> in the KPI document, e.g. retention_growth."),
    )
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("fact"), max_length=8, choices=FactSource.choices)
    kpi_key = models.CharField(_("product KPI"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "key"]
        constraints = [
            models.UniqueConstraint(fields=["year", "key"], name="strategic_kpi_key_per_year"),
            models.CheckConstraint(
                condition=Q(source="manual", kpi_key="") | (Q(source="kpi") & ~Q(kpi_key="")),
                name="strategic_kpi_fed_names_its_kpi",
            ),
        ]

    def __str__(self) -> str:
        return f"strategic.{self.key} {self.year}"

    @property
    def document_key(self) -> str:
        return f"strategic.{self.key}"


class QuarterPlan(models.Model):
    kpi = models.ForeignKey(StrategicKpi, on_delete=models.CASCADE, related_name="plans")
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=QUARTERS)
    plan = models.FloatField(_("plan"))

    class Meta:
        ordering = ["quarter"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "quarter"], name="strategic_plan_per_quarter"),
            models.CheckConstraint(condition=~Q(plan=0), name="strategic_plan_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} Q{self.quarter}: {self.plan}"


class ManualFact(models.Model):
    """The fact of a strategic KPI entered by hand, with the head's comment."""

    kpi = models.ForeignKey(StrategicKpi, on_delete=models.CASCADE, related_name="facts")
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=QUARTERS)
    value = models.FloatField(_("fact"))
    comment = models.TextField(_("comment"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["quarter"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "quarter"], name="strategic_fact_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} Q{self.quarter}: {self.value}"
