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


class MonthFact(models.Model):
    """The ticket figures of one closed month for one group of one dimension (kpi.md, the
    monthly analysis: type, assignee, client, category), stored once the month is over so
    the dashboard and the reports do not rescan its tickets (`soprovod.kpi.months`).

    Only what cannot change with time alone is stored: a ticket whose clock still runs
    counts in ``met`` never and in ``breached_settled`` not at all; the reads add its
    breach at the moment asked. ``key`` is the group's value as text ('' for none)."""

    month = models.DateField()
    dimension = models.CharField(max_length=16)
    key = models.CharField(max_length=40, blank=True)
    created = models.PositiveIntegerField(default=0)
    repeats = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    breached_settled = models.PositiveIntegerField(default=0)
    csat_total = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    first_response_median = models.FloatField(null=True)
    first_response_p90 = models.FloatField(null=True)
    first_response_n = models.PositiveIntegerField(default=0)
    resolution_median = models.FloatField(null=True)
    resolution_p90 = models.FloatField(null=True)
    resolution_n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "dimension", "key"], name="unique_kpi_month_fact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension}={self.key or '—'}"


class MonthBuild(models.Model):
    """A month whose `MonthFact` rows are stored, and when they were computed."""

    month = models.DateField(unique=True)
    built_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class MonthChange(models.Model):
    """A write to a ticket (or its clocks) of a closed month, recorded in the writer's own
    transaction: while a row exists for a month its stored facts are stale and the reads
    compute the month live. A rebuild deletes exactly the rows it saw before recomputing,
    so a change committed during the rebuild keeps the month stale until the next one."""

    month = models.DateField(db_index=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} changed {self.at:%Y-%m-%d %H:%M}"
