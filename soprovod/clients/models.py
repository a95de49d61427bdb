from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.lib.inn import InnError, validate_inn


def inn_error_message(value: str, exc: InnError) -> str:
    """The user-facing (translated) message for an INN the checksum module refused."""
    reason = str(exc)
    if "checksum" in reason:
        return _("INN %(value)s is wrong: the checksum does not match") % {"value": value}
    if "10 or 12" in reason:
        return _("INN %(value)s is wrong: it must have 10 digits (company) or 12 (sole trader)") % {
            "value": value
        }
    if "empty" in reason:
        return _("INN is missing")
    return _("INN %(value)s is wrong: digits only") % {"value": value}


def validate_inn_field(value: str) -> None:
    try:
        validate_inn(value)
    except InnError as exc:
        raise ValidationError(inn_error_message(value, exc), code="inn") from None


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value}) from None


class ClientStatus(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    CHURNED = "churned", _("Churned")


class Client(models.Model):
    """A client company (domain.md «Client»)."""

    external_id = models.CharField(
        _("external ID"), max_length=64, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=300)
    inn = models.CharField(_("INN"), max_length=12, validators=[validate_inn_field], db_index=True)
    tariff = models.CharField(_("tariff"), max_length=100, blank=True)
    mrr_rub = models.DecimalField(
        _("MRR, ₽"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ClientStatus.choices, default=ClientStatus.ONBOARDING
    )
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    churned_at = models.DateField(_("churn date"), null=True, blank=True)
    success_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Success manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_clients",
    )
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sold by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sold_clients",
    )
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: a form carries the version it was opened with.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "-mrr_rub"]),
            models.Index(fields=["success_manager", "status"]),
            models.Index(fields=["segment"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="churned", churned_at__isnull=False)
                | ~models.Q(status="churned"),
                name="churned_client_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.status == ClientStatus.CHURNED and not self.churned_at:
            raise ValidationError({"churned_at": _("Set the churn date for a churned client.")})
        if self.churned_at and self.status != ClientStatus.CHURNED:
            raise ValidationError(
                {"churned_at": _("A churn date is only set for a churned client.")}
            )
        if self.contract_end and self.contract_start and self.contract_end < self.contract_start:
            raise ValidationError({"contract_end": _("The contract ends before it starts.")})


class ClientStatusChange(models.Model):
    """Dated lifecycle history, so retention can be computed for any past period."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="status_history")
    status = models.CharField(_("status"), max_length=16, choices=ClientStatus.choices)
    effective_on = models.DateField(_("effective on"))
    recorded_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("client status change")
        verbose_name_plural = _("status history")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["client", "effective_on"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_status_display()} ({self.effective_on})"


class Site(models.Model):
    """A place where the client runs the product (domain.md «Site»)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("name"), max_length=300)
    address = models.CharField(_("address"), max_length=500, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    equipment_notes = models.TextField(_("equipment"), blank=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a client; may have a portal login (domain.md «Contact»)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(_("full name"), max_length=300)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
        verbose_name=_("portal login"),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "full_name"]

    def __str__(self) -> str:
        return self.full_name


class MrrReason(models.TextChoices):
    """Why a client's MRR changed (domain.md «MrrChange»; interfaces.md «CSV files», mrr)."""

    NEW = "new", _("New contract")
    UPSELL = "upsell", _("Upsell")
    DOWNSELL = "downsell", _("Downsell")
    PRICE = "price", _("Price change")
    CHURN = "churn", _("Churn")


class MrrChange(models.Model):
    """Dated MRR history: a client's MRR on a date is the value of its last change effective
    on or before that date (kpi.md «revenue.grr», «revenue.nrr»). One value per day."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="mrr_history")
    effective_on = models.DateField(_("effective on"))
    mrr_rub = models.DecimalField(
        _("MRR, ₽"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reason = models.CharField(_("reason"), max_length=16, choices=MrrReason.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("MRR change")
        verbose_name_plural = _("MRR history")
        ordering = ["-effective_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "effective_on"], name="one_mrr_value_per_client_and_day"
            ),
            models.CheckConstraint(condition=models.Q(mrr_rub__gte=0), name="mrr_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.mrr_rub} ₽ ({self.effective_on})"
