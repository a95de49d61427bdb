"""Every write of two-factor authentication: the policy, enrolment, recovery codes,
turning it off and the head's reset. Audited on the person (secrets never in the trail)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from soprovod.accounts.models import User
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.core.errors import StaleObjectError
from soprovod.twofactor import queries
from soprovod.twofactor.models import TwoFactorPolicy

RECOVERY_CODES = 10
DEVICE_NAME = "Authenticator"


def _labels(roles) -> str:
    return ", ".join(str(Role(code).label) for code in sorted(roles)) or "—"


@transaction.atomic
def do_set_required_roles(
    actor, roles: list[str], *, version: int | None = None
) -> TwoFactorPolicy:
    """Require a second factor of the given staff roles (client contacts cannot be
    required). Takes effect on the next request of everyone concerned."""
    allowed = {str(role) for role in queries.REQUIRABLE_ROLES}
    chosen = sorted({str(role) for role in roles} & allowed)
    policy, _created = TwoFactorPolicy.objects.select_for_update().get_or_create(pk=1)
    if version is not None and version != policy.version:
        raise StaleObjectError(policy)
    before = list(policy.required_roles)
    if sorted(before) == chosen:
        return policy
    policy.required_roles = chosen
    policy.version += 1
    policy.updated_at = timezone.now()
    policy.updated_by = actor if getattr(actor, "pk", None) else None
    policy.save()
    record(
        actor, policy, AuditEvent.Action.UPDATED,
        {"required_roles": [_labels(before), _labels(chosen)]},
    )  # fmt: skip
    # Now, so this process rereads it; and on commit, in case a request of another process
    # cached the old policy meanwhile.
    queries.forget_policy()
    transaction.on_commit(queries.forget_policy)
    return policy


@transaction.atomic
def do_start_enrolment(user: User) -> TOTPDevice:
    """The person's unconfirmed authenticator (a new secret, kept until confirmed)."""
    device = queries.totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def do_confirm_enrolment(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with its first code: the person now has two-factor
    authentication, this session counts as confirmed, and the returned recovery codes are
    shown once. None when the code is wrong (nothing changes but the throttle)."""
    user = request.user
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    record(user, user, AuditEvent.Action.OTHER, {"two_factor": ["off", "on"]})
    otp_login(request, device)
    request.session[queries.ENROLLED_SESSION_KEY] = True
    return codes


@transaction.atomic
def do_new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes (the old ones stop working)."""
    codes = _new_recovery_codes(user)
    record(user, user, AuditEvent.Action.OTHER, {"recovery_codes": ["", "replaced"]})
    return codes


def verify(request, token: str) -> bool:
    """Check a code from the authenticator or a recovery code (which is then used up);
    on success this session counts as confirmed. Wrong codes slow further attempts down
    (django-otp's throttling, per device)."""
    user = request.user
    token = "".join(token.split()).lower()
    candidates = [d for d in (queries.totp_device(user), queries.recovery_device(user)) if d]
    for device in candidates:
        with transaction.atomic():
            if device.verify_token(token):
                otp_login(request, device)
                return True
    return False


@transaction.atomic
def do_turn_off(actor, user: User, *, reason: str = "") -> None:
    """Remove the person's authenticator and recovery codes: by themselves (when no role
    requires it; the caller checks) or by the head for someone who lost their phone. They
    enrol again at their next sign-in if a role requires it."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    if removed:
        record(actor, user, AuditEvent.Action.OTHER, {"two_factor": ["on", "off"]}, reason=reason)


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
