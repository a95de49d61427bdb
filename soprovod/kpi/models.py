from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KpiTarget(models.Model):
    """A target for one KPI key, in force from ``valid_from`` until the next one
    (defaults come from the registry, kpi.md)."""

    class Comparison(models.TextChoices):
        AT_LEAST = ">=", _("at least")
        AT_MOST = "<=", _("at most")

    key = models.CharField(_("KPI"), max_length=100)
    valid_from = models.DateField(_("from"))
    target = models.FloatField(_("target"))
    comparison = models.CharField(_("comparison"), max_length=2, choices=Comparison.choices)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "valid_from"], name="unique_kpi_target")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.comparison} {self.target} ({self.valid_from})"
