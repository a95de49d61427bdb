"""Requests to development (domain.md «DevRequest»): a client need sent to development,
linked to tickets and clients, agreed within 48 hours (kpi.md «dev_request.*»), then followed
until it is released.

Every submission is an agreement round with its own clock; development's decision (accept
or decline) ends it. Impact is never stored: `queries.with_impact` computes it from the links.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import Client
from soprovod.sla.models import WorkCalendar
from soprovod.tickets.models import Category, Ticket


class RequestKind(models.TextChoices):
    BUG = "bug", _("Bug")
    IMPROVEMENT = "improvement", _("Improvement")
    FEATURE = "feature", _("Feature")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting decision")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    RELEASED = "released", _("Released")
    WONT_DO = "wont_do", _("Won't do")
    MERGED = "merged", _("Merged")


# Development still owes something on these: the inbox lists them.
OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.ACCEPTED,
    RequestStatus.IN_PROGRESS,
)
# A request in these statuses is finished; nothing moves it any more.
FINAL_STATUSES = (RequestStatus.RELEASED, RequestStatus.WONT_DO, RequestStatus.MERGED)


class DevRequest(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # The category of the tickets it comes from: impact counts recent tickets of it.
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tickets = models.ManyToManyField(
        Ticket, verbose_name=_("tickets"), blank=True, related_name="dev_requests"
    )
    clients = models.ManyToManyField(
        Client, verbose_name=_("clients"), blank=True, related_name="dev_requests"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    # How many times the need was raised: 1 for the request itself, plus votes and merges.
    votes = models.PositiveIntegerField(_("votes"), default=1)
    # Development's answer: a planned release (version) and/or date, or why it declines.
    planned_release = models.CharField(_("planned release"), max_length=100, blank=True)
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    released_in = models.CharField(_("released in"), max_length=100, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    clients_told_at = models.DateTimeField(_("clients told"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("development request")
        verbose_name_plural = _("development requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="merged_request_has_survivor",
            )
        ]

    def __str__(self) -> str:
        return f"DEV-{self.pk}: {self.title}"


class RoundOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    # Ended without a decision (merged into another request): not "agreed".
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AgreementRound(models.Model):
    """One submission and its agreement clock (kpi.md «dev_request.on_time»). The clock runs
    on ``calendar`` (null: calendar time) for ``target_seconds``; ``due_at`` and ``warn_at``
    are fixed when it starts. ``elapsed_seconds`` is the clock time it took to end."""

    request = models.ForeignKey(DevRequest, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calendar = models.ForeignKey(
        WorkCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_seconds = models.PositiveIntegerField()
    due_at = models.DateTimeField(_("due"))
    warn_at = models.DateTimeField()
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=RoundOutcome.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    elapsed_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement round")
        verbose_name_plural = _("agreement rounds")
        ordering = ["request", "number"]
        indexes = [
            models.Index(fields=["submitted_at"]),
            models.Index(fields=["ended_at", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="one_round_number"),
            # At most one round runs per request.
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(ended_at__isnull=True),
                name="one_running_round",
            ),
        ]

    def __str__(self) -> str:
        return f"DEV-{self.request_id} #{self.number}"


class RoundNotice(models.Model):
    """A warning or breach notice sent for a round: written once, so it is sent once."""

    class Threshold(models.TextChoices):
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")

    round = models.ForeignKey(AgreementRound, on_delete=models.CASCADE, related_name="notices")
    threshold = models.CharField(max_length=8, choices=Threshold.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "threshold"], name="one_notice_per_threshold")
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.threshold}"


class DevRequestEscalation(models.Model):
    """An escalation about a request to development (a decision round overdue, or raised by
    hand). The link lives here because the escalations (tickets) sit below and name no
    request; the subject kind is registered in `apps.py` (`tickets.escalations`)."""

    escalation = models.OneToOneField(
        "tickets.Escalation", on_delete=models.CASCADE, related_name="devrequest_link"
    )
    request = models.ForeignKey(
        DevRequest, on_delete=models.CASCADE, related_name="escalation_links"
    )

    class Meta:
        verbose_name = _("development request escalation")
        verbose_name_plural = _("development request escalations")

    def __str__(self) -> str:
        return f"{self.request}: {self.escalation_id}"
