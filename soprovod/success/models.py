"""Customer success (issue 11): the claims register (претензии), and what the department
keeps about a client beyond the portfolio record — the key-account flag and the claim
response term of its contract.

Health lives in the app above (`soprovod.health`), which reads these models; nothing here
knows it exists.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.clients.models import Client, validate_inn_field

# The pre-trial period of ч. 5 ст. 4 АПК РФ: 30 calendar days from receipt of a claim,
# unless the contract sets another term.
DEFAULT_CLAIM_RESPONSE_DAYS = 30


class ClientProfile(models.Model):
    """The success side of a client: one row per client, created on first change."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="success_profile")
    key_account = models.BooleanField(_("key account"), default=False)
    # The contract's own claim response term, when it differs from the 30 days of the АПК.
    claim_response_days = models.PositiveSmallIntegerField(
        _("claim response term, days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Leave empty for the 30 calendar days of ч. 5 ст. 4 АПК РФ."),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("client success profile")
        verbose_name_plural = _("client success profiles")
        indexes = [models.Index(fields=["key_account"])]

    def __str__(self) -> str:
        return str(self.client)


class ClaimDirection(models.TextChoices):
    FROM_CLIENT = "from_client", _("From the client")
    TO_CLIENT = "to_client", _("To the client")


class ClaimChannel(models.TextChoices):
    POST = "post", _("Registered post")
    COURIER = "courier", _("Courier")
    EMAIL = "email", pgettext_lazy("claim channel", "Email")
    EDO = "edo", _("Electronic document exchange")
    HAND = "hand", _("By hand")


class ClaimOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    PARTIAL = "partial", _("Partly satisfied")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("claim", "Withdrawn")
    COURT = "court", _("Went to court")


def claim_file_path(instance: Claim, filename: str) -> str:
    return f"claims/{uuid.uuid4().hex}/{filename}"


class Claim(models.Model):
    """A formal claim (претензия) from or to a client. Open until it has an outcome.

    ``response_due_on`` is stored (the register sorts and filters by it, the checker warns
    by it): ``received_on`` + ``response_days`` calendar days, set by the actions."""

    number = models.CharField(pgettext_lazy("claim", "number"), max_length=64, unique=True)
    direction = models.CharField(
        _("direction"), max_length=16, choices=ClaimDirection.choices, default="from_client"
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="claims"
    )
    counterparty_inn = models.CharField(
        _("counterparty INN"), max_length=12, validators=[validate_inn_field]
    )
    contract = models.CharField(_("contract"), max_length=200, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    channel = models.CharField(
        pgettext_lazy("claim", "channel"),
        max_length=16,
        choices=ClaimChannel.choices,
        default="post",
    )
    delivery_proof = models.CharField(
        _("proof of delivery"),
        max_length=300,
        blank=True,
        help_text=_("Tracking number, notice of delivery, EDO receipt…"),
    )
    delivery_proof_file = models.FileField(
        _("proof of delivery, file"), upload_to=claim_file_path, max_length=300, blank=True
    )
    basis = models.TextField(_("basis"))
    principal_rub = models.DecimalField(
        _("principal, ₽"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    penalty_rub = models.DecimalField(
        _("penalty, ₽"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    response_days = models.PositiveSmallIntegerField(
        _("response term, calendar days"),
        default=DEFAULT_CLAIM_RESPONSE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    response_due_on = models.DateField(_("response due"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_claims",
    )
    replied_on = models.DateField(_("reply date"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ClaimOutcome.choices, blank=True
    )
    amount_paid_rub = models.DecimalField(
        _("amount paid, ₽"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    court_case_number = models.CharField(_("court case number"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = pgettext_lazy("legal", "claim")
        verbose_name_plural = pgettext_lazy("legal", "claims")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "outcome"]),
            models.Index(fields=["outcome", "response_due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(principal_rub__gte=0) & models.Q(penalty_rub__gte=0),
                name="claim_amounts_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"№ {self.number}"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    @property
    def total_rub(self):
        return (self.principal_rub or 0) + (self.penalty_rub or 0)


class ClaimNotice(models.Model):
    """A deadline notice sent for a claim: each kind once (the checker's natural key)."""

    class Kind(models.TextChoices):
        WARN_7 = "warn_7", _("7 days left")
        WARN_2 = "warn_2", _("2 days left")
        MISSED = "missed", _("Deadline missed")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "kind", "due_on"], name="one_claim_notice_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim}: {self.get_kind_display()}"


# ---- churn work (работа с уходящими клиентами) --------------------------------------------


class ChurnReason(models.Model):
    """Why a client leaves: a taxonomy the head edits (seeded by a data migration)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("churn reason")
        verbose_name_plural = _("churn reasons")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ChurnSource(models.TextChoices):
    MANUAL = "manual", _("Opened by hand")
    AT_RISK = "at_risk", _("Client at risk")
    HEALTH = "health", _("Health dropped into red")


class ChurnOutcome(models.TextChoices):
    SAVED = "saved", pgettext_lazy("churn outcome", "Saved")
    DOWNGRADED = "downgraded", _("Downgraded")
    LOST = "lost", _("Lost")


class ChurnCase(models.Model):
    """Working a client who may leave: the reason, a save plan of tasks, the outcome. A
    client has at most one open case (no outcome yet)."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="churn_cases"
    )
    source = models.CharField(
        _("opened from"), max_length=16, choices=ChurnSource.choices, default="manual"
    )
    reason = models.ForeignKey(
        ChurnReason,
        verbose_name=_("reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    details = models.TextField(_("what the client says"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="churn_cases",
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ChurnOutcome.choices, blank=True
    )
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("churn case")
        verbose_name_plural = _("churn cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(outcome=""),
                name="one_open_churn_case_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(outcome_on__isnull=False),
                name="churn_outcome_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_outcome_display() or _('open')}"

    @property
    def is_open(self) -> bool:
        return not self.outcome


class ChurnTask(models.Model):
    """A step of the save plan."""

    case = models.ForeignKey(ChurnCase, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="churn_tasks",
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("save plan task")
        verbose_name_plural = _("save plan tasks")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


# ---- notes of calls and meetings -----------------------------------------------------------


class NoteKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")


class CallNote(models.Model):
    """A call or meeting with a client: who took part, what was said, what comes next."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="call_notes"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=NoteKind.choices, default="call")
    held_on = models.DateField(_("date"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our people"), blank=True, related_name="+"
    )
    contacts = models.ManyToManyField(
        "clients.Contact", verbose_name=_("client's people"), blank=True, related_name="+"
    )
    other_participants = models.CharField(_("others"), max_length=300, blank=True)
    summary = models.TextField(_("summary"))
    # Logged while closing the loop with a detractor (surveys.DetractorTask).
    detractor_task = models.ForeignKey(
        "surveys.DetractorTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_notes",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("call or meeting note")
        verbose_name_plural = _("call and meeting notes")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["client", "held_on"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_kind_display()} {self.held_on}"


class NextStep(models.Model):
    """What was agreed to do after a call or meeting, by whom and when."""

    note = models.ForeignKey(CallNote, on_delete=models.CASCADE, related_name="next_steps")
    text = models.CharField(_("next step"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_steps",
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("next step")
        verbose_name_plural = _("next steps")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text
