from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SurveyResponse(models.Model):
    """An answer to an NPS survey (0–10, client contacts) or to the internal satisfaction
    survey (1–5, sales and support staff about coordination). CSAT lives on the ticket it
    rates. (domain.md «Survey / SurveyResponse»)"""

    class Kind(models.TextChoices):
        NPS = "nps", _("NPS")
        INTERNAL = "internal", _("Internal satisfaction")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    contact = models.ForeignKey(
        "clients.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at"]
        indexes = [models.Index(fields=["kind", "answered_at"])]
        constraints = [
            # Re-importing the same NPS file changes nothing: one answer per client and instant.
            models.UniqueConstraint(
                fields=["kind", "client", "answered_at"],
                condition=models.Q(kind="nps"),
                name="unique_nps_answer",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="internal") | models.Q(score__gte=1, score__lte=5),
                name="internal_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score}"
