"""The health score (issue 11 «Health score»; domain.md «HealthScore»).

- `HealthConfig`: the weights and bands, one row per version: an edit adds a row, so every
  stored score names the configuration it was computed with and the history of settings is
  the list of rows (each edit also audited).
- `HealthScore`: one row per client and day (the day's latest computation replaces the
  day's row), with every measure's raw value, sub-score, weight and signed contribution and
  the risk flags shown beside the score. The rows are the score's history.
- `ClientSentiment`: the success manager's own view of the client, 1–5, shown beside the
  score and never mixed into it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.clients.models import Client


class Band(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")


class HealthConfig(models.Model):
    """One version of the health score's settings. Never edited: a change adds a version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    weights = models.JSONField(_("weights"))  # {measure key: weight}
    points = models.JSONField(_("bands"))  # {measure key: [[raw, sub-score], ...]}
    red_below = models.PositiveSmallIntegerField(_("red below"), default=50)
    green_from = models.PositiveSmallIntegerField(_("green from"), default=75)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("health score settings")
        verbose_name_plural = _("health score settings")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(red_below__lte=models.F("green_from")),
                name="health_red_below_green",
            )
        ]

    def __str__(self) -> str:
        return _("Health score settings, version %(version)s") % {"version": self.version}


class HealthScore(models.Model):
    """A client's score on a day, with the measures that made it (see the module doc)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="health_scores")
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)
    score = models.PositiveSmallIntegerField(
        pgettext_lazy("health", "score"), null=True, blank=True
    )
    band = models.CharField(_("band"), max_length=8, choices=Band.choices, blank=True)
    # The band of the client's previous stored score, when this one dropped into red from it.
    dropped_from = models.CharField(max_length=8, choices=Band.choices, blank=True)
    config_version = models.PositiveIntegerField(default=0)
    # [{key, raw, sub, weight, share, contribution}] in the order of scoring.MEASURES.
    measures = models.JSONField(default=list)
    # Risk flags beside the score: ["mrr_down", "open_claim", "emergency_breach"].
    flags = models.JSONField(default=list)
    # What the flags were computed from (MRR then and now), for the explanation.
    facts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("health score")
        verbose_name_plural = _("health scores")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="one_health_score_per_day")
        ]
        indexes = [models.Index(fields=["day", "band"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.score} ({self.day})"


class ClientSentiment(models.Model):
    """The success manager's own sentiment about the client (1 very bad … 5 very good)."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="sentiment")
    score = models.PositiveSmallIntegerField(
        _("sentiment"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("success manager's sentiment")
        verbose_name_plural = _("success managers' sentiment")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="sentiment_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.score}"
