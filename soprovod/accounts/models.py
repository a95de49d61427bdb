from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.roles import PORTFOLIO_READERS, SUPPORT_STAFF, Role


class User(AbstractUser):
    """A person who signs in: department staff, colleagues from sales/development/CEO, or a
    client contact (portal only). Roles are stored as rows of `UserRole`."""

    email = models.EmailField(_("email"), blank=True, db_index=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """The user's roles, read once per request (prefetched or cached on the instance)."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            if not self.pk:
                return frozenset()
            if (
                hasattr(self, "_prefetched_objects_cache")
                and "role_rows" in self._prefetched_objects_cache
            ):
                rows = self.role_rows.all()
                cached = frozenset(r.role for r in rows)
            else:
                cached = frozenset(self.role_rows.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def is_client_contact(self) -> bool:
        return Role.CLIENT_CONTACT in self.role_codes and not self.is_staff_member

    @property
    def is_staff_member(self) -> bool:
        """Department staff or a colleague (anyone who is not only a client contact)."""
        return bool(self.role_codes - {Role.CLIENT_CONTACT}) or self.is_superuser

    @property
    def is_support_staff(self) -> bool:
        return bool(self.role_codes & SUPPORT_STAFF) or self.is_superuser

    @property
    def reads_all_clients(self) -> bool:
        return bool(self.role_codes & PORTFOLIO_READERS) or self.is_superuser

    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in sorted(self.role_codes)]


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]
        indexes = [models.Index(fields=["role"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token (``Authorization: Bearer <token>``). Only its hash is stored;
    the raw token is shown once, when created."""

    PREFIX = "spv_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, token_hash=_hash_token(raw), hint=raw[:8])
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        token = (
            cls.objects.active()
            .select_related("user")
            .filter(token_hash=_hash_token(raw), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


class Absence(models.Model):
    """A person away for a period (holiday, sick leave, a trip): who stands in for them.

    ``deputy`` receives what is addressed to the person's role while they are away (the
    head's escalations and approvals: ``accounts.queries.acting_for``); ``route_to`` is the
    colleague their own queue and clients' notices go to for the period (the deputy when
    empty). The period is in whole days of the department's zone, both ends included."""

    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="absences", verbose_name=_("person")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    deputy = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputising",
        verbose_name=_("deputy"),
    )
    route_to = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("work routed to"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="absence_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.person}: {self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"
