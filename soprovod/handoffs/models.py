"""Hand-offs from sales (передача клиента из ОП в ОС, domain.md «Handoff»).

Sales fills in a checklist about a won client (contract, contacts, sites, what was sold,
promises, documents) and submits it. Each submission is an agreement round with its own
clock (24 hours by default, on a configurable calendar); support accepts the hand-off or
returns it with a reason per checklist item, and either answer ends the round's clock
(kpi.md: both are "agreed"). A returned hand-off is fixed and submitted again: a new round,
the earlier ones kept as its history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.clients.models import Client, validate_timezone
from soprovod.sla.models import WorkCalendar


class HandoffStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting agreement")
    RETURNED = "returned", _("Returned to sales")
    ACCEPTED = "accepted", pgettext_lazy("hand-off", "Accepted")


class Handoff(models.Model):
    """One won client handed from sales to support, with its checklist."""

    sales = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sold by"),
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    # An existing client (an upsell, a returning client), or empty for a new one.
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    client_name = models.CharField(_("client name"), max_length=300, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=HandoffStatus.choices, default=HandoffStatus.DRAFT
    )
    # Contract.
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    tariff = models.CharField(_("tariff"), max_length=100, blank=True)
    mrr_rub = models.DecimalField(
        _("MRR, ₽"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    term_months = models.PositiveSmallIntegerField(
        _("term, months"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    # Contacts.
    decision_maker_name = models.CharField(_("decision maker"), max_length=300, blank=True)
    decision_maker_phone = models.CharField(_("phone"), max_length=50, blank=True)
    decision_maker_email = models.EmailField(_("email"), blank=True)
    technical_name = models.CharField(_("technical contact"), max_length=300, blank=True)
    technical_phone = models.CharField(_("phone"), max_length=50, blank=True)
    technical_email = models.EmailField(_("email"), blank=True)
    billing_name = models.CharField(_("billing contact"), max_length=300, blank=True)
    billing_phone = models.CharField(_("phone"), max_length=50, blank=True)
    billing_email = models.EmailField(_("email"), blank=True)
    # What was sold.
    modules = models.TextField(_("modules"), blank=True)
    integrations = models.TextField(_("integrations"), blank=True)
    passes_or_users = models.PositiveIntegerField(_("passes or users"), null=True, blank=True)
    # Promises.
    promised_go_live = models.DateField(_("promised go-live"), null=True, blank=True)
    promised_dates = models.TextField(_("other promised dates"), blank=True)
    special_terms = models.TextField(_("special terms"), blank=True)
    # Filled in by support when accepting.
    success_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("success manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("implementation project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["sales", "status"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.client_id and not self.client_name:
            return self.client.name
        return self.client_name or _("Hand-off #%(number)s") % {"number": self.pk}


class HandoffSite(models.Model):
    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("site"), max_length=300)
    address = models.CharField(_("address"), max_length=500, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    equipment = models.TextField(_("equipment (barriers, readers, cameras)"), blank=True)

    class Meta:
        verbose_name = _("hand-off site")
        verbose_name_plural = _("hand-off sites")
        ordering = ["handoff", "pk"]

    def __str__(self) -> str:
        return self.name


def document_path(instance: HandoffDocument, filename: str) -> str:
    return f"handoffs/{instance.handoff_id}/{uuid.uuid4().hex}/{filename}"


class HandoffDocument(models.Model):
    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    name = models.CharField(_("name"), max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hand-off document")
        verbose_name_plural = _("hand-off documents")
        ordering = ["handoff", "pk"]

    def __str__(self) -> str:
        return self.name


class RoundOutcome(models.TextChoices):
    ACCEPTED = "accepted", pgettext_lazy("hand-off", "Accepted")
    RETURNED = "returned", pgettext_lazy("hand-off", "Returned")


class HandoffRound(models.Model):
    """One submission and its answer: the agreement clock (kpi.md «handoff.*»).

    ``due_at`` is ``target_seconds`` after ``submitted_at`` on ``calendar`` (calendar time
    when empty), ``warn_at`` the instant 80 % of it is spent; ``elapsed_seconds`` is the
    time it took to answer, on the same calendar."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    submitted_at = models.DateTimeField(pgettext_lazy("hand-off", "submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_seconds = models.PositiveIntegerField()
    warn_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("answer"), max_length=16, choices=RoundOutcome.choices, blank=True)
    elapsed_seconds = models.PositiveIntegerField(null=True, blank=True)
    # {checklist item: why it is returned}
    reasons = models.JSONField(default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The checklist as submitted, so the history shows what each round was about.
    checklist = models.JSONField(default=dict, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement round")
        verbose_name_plural = _("agreement rounds")
        ordering = ["handoff", "number"]
        constraints = [
            models.UniqueConstraint(fields=["handoff", "number"], name="unique_handoff_round"),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, outcome="")
                | models.Q(answered_at__isnull=False) & ~models.Q(outcome=""),
                name="answered_round_has_outcome",
            ),
        ]
        indexes = [
            # KPI: rounds submitted in a period.
            models.Index(fields=["submitted_at"]),
            # The inbox and the checker: open rounds by time left.
            models.Index(fields=["answered_at", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.handoff_id}#{self.number}"


class HandoffEscalation(models.Model):
    """An escalation about a hand-off (a round not agreed in time, or raised by hand). The
    link lives here because the escalations (tickets) sit below the hand-offs and name none
    of them; the subject kind is registered in `apps.py` (`tickets.escalations`)."""

    escalation = models.OneToOneField(
        "tickets.Escalation", on_delete=models.CASCADE, related_name="handoff_link"
    )
    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="escalation_links")

    class Meta:
        verbose_name = _("hand-off escalation")
        verbose_name_plural = _("hand-off escalations")

    def __str__(self) -> str:
        return f"{self.handoff}: {self.escalation_id}"
