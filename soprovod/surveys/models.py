from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class NpsCampaign(models.Model):
    """A round of the relationship survey (NPS): started by hand by the head for a segment,
    or by the periodic cadence (one campaign per day it sends)."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Started by hand")
        PERIODIC = "periodic", _("Regular cadence")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MANUAL)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    # The periodic cadence's natural key ("periodic:2026-12-04"): run twice, it finds its day.
    key = models.CharField(max_length=100, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("NPS campaign")
        verbose_name_plural = _("NPS campaigns")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SurveyLink(models.Model):
    """A one-time link that answers a survey without a login: an NPS invitation to a contact,
    or the CSAT rating links of a resolution email. The token is random (cannot be guessed),
    the link expires, and it answers once (``used_at``)."""

    class Kind(models.TextChoices):
        NPS = "nps", _("NPS")
        CSAT = "csat", _("CSAT")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    token = models.CharField(max_length=64, unique=True)
    # What the link is for, so that building it again finds it: "nps:<campaign>:<contact>",
    # "csat:<message>".
    key = models.CharField(max_length=100, unique=True)
    campaign = models.ForeignKey(
        NpsCampaign, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="survey_links"
    )
    contact = models.ForeignKey(
        "clients.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)
    response = models.OneToOneField(
        SurveyResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="link"
    )

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")
        indexes = [
            models.Index(fields=["kind", "contact", "created_at"]),
            models.Index(fields=["campaign", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.email or self.client_id}"


class DetractorTask(models.Model):
    """Closing the loop with a detractor (NPS 0–6): a task for the client's success manager,
    due in 48 business hours, closed with the outcome of the call."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("detractor task", "Open")
        CLOSED = "closed", pgettext_lazy("detractor task", "Closed")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Concern addressed")
        PLAN = "plan", _("Action plan agreed")
        ESCALATED = "escalated", _("Escalated")
        NO_CONTACT = "no_contact", _("Could not reach the client")

    response = models.OneToOneField(
        SurveyResponse, on_delete=models.CASCADE, related_name="detractor_task"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="detractor_tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("success manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="detractor_tasks",
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("call notes"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("detractor task")
        verbose_name_plural = _("detractor tasks")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["assignee", "status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.client}: NPS {self.response.score}"


class InternalSurveyTurn(models.Model):
    """That a colleague answered the monthly internal survey — kept apart from the answer,
    which names nobody unless its author signs it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="one_internal_answer_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.month:%Y-%m}"
