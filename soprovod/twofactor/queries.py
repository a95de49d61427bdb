"""Who must confirm a second factor, and who has one.

A signed-in person must confirm a code when one of their roles is required by the policy
(staff only: client contacts are never required, they may opt in) or when they have turned
two-factor authentication on themselves. The middleware asks this on every request, so the
answer costs no query in the common case: the policy is kept in the cache (deleted by the
action that changes it), the person's roles are read once per request anyway, and whether
they have a device is noted in the session when they sign in or enrol.
"""

from __future__ import annotations

import contextlib
import logging

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from soprovod.accounts.models import User
from soprovod.accounts.roles import Role
from soprovod.twofactor.models import TwoFactorPolicy

logger = logging.getLogger(__name__)

POLICY_CACHE_KEY = "twofactor:required-roles"
# An entry a cache outage kept from being cleared is trusted no longer than this.
POLICY_CACHE_SECONDS = 300
ENROLLED_SESSION_KEY = "twofactor_enrolled"
# Roles the head may require it for; a client contact may only opt in.
REQUIRABLE_ROLES = [role for role in Role if role != Role.CLIENT_CONTACT]


def policy() -> TwoFactorPolicy:
    return TwoFactorPolicy.objects.get_or_create(pk=1)[0]


def required_roles() -> frozenset[str]:
    """The roles the policy requires (cached until the policy changes). With the cache
    (Redis) down, the policy is read from the database: every page asks this, and a cache
    outage must not take the site down with it."""
    try:
        roles = cache.get(POLICY_CACHE_KEY)
    except Exception:
        logger.warning(
            "The cache is not reachable: the two-factor policy is read from the database"
        )
        return _stored_roles()
    if roles is None:
        roles = _stored_roles()
        with contextlib.suppress(Exception):
            cache.set(POLICY_CACHE_KEY, roles, timeout=POLICY_CACHE_SECONDS)
    return roles


def _stored_roles() -> frozenset[str]:
    stored = TwoFactorPolicy.objects.filter(pk=1).values_list("required_roles", flat=True)
    return frozenset(stored.first() or ())


def forget_policy() -> None:
    """Called after a policy change commits. A cache that cannot be reached is logged, not
    raised (the change committed); the entry it may still hold expires within
    POLICY_CACHE_SECONDS."""
    try:
        cache.delete(POLICY_CACHE_KEY)
    except Exception:
        logger.exception("The cache is not reachable: the cached two-factor policy is not cleared")


def required_for(user) -> bool:
    """Whether the policy requires a second factor of ``user`` (by any of their roles)."""
    if not user.is_authenticated or not user.is_staff_member:
        return False
    codes = user.role_codes - {Role.CLIENT_CONTACT}
    return bool(codes) and bool(codes & required_roles())


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def remember_enrolment(sender, request, user, **kwargs) -> None:
    """On sign-in, note in the session whether the person has a second factor (one query
    per sign-in instead of one per request)."""
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = has_second_factor(user)


def second_factor_pending(request) -> bool:
    """The signed-in person must still confirm a code in this session."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return required_for(user) or bool(request.session.get(ENROLLED_SESSION_KEY))


def people() -> QuerySet[User]:
    """Active staff with whether each has a second factor, for the security page (one
    query, roles prefetched)."""
    rows = (
        User.objects.filter(is_active=True)
        .filter(Q(role_rows__role__in=REQUIRABLE_ROLES) | Q(is_superuser=True))
        .annotate(enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .prefetch_related("role_rows")
        .order_by("last_name", "first_name", "username")
    )
    return rows.distinct()
