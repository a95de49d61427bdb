"""Which roles must sign in with a second factor. The devices themselves (TOTP, recovery
codes) are django-otp's models (`django_otp.plugins.otp_totp`, `otp_static`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TwoFactorPolicy(models.Model):
    """The department's one policy row (pk 1): the roles whose members cannot reach any page
    or session API call before confirming a code. Edited by the head, audited."""

    required_roles = models.JSONField(
        _("roles that must use two-factor authentication"), default=list, blank=True
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("two-factor policy")
        verbose_name_plural = _("two-factor policy")

    def __str__(self) -> str:
        return str(_("Two-factor authentication policy"))
