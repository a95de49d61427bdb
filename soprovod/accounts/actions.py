"""Every write to accounts that a person makes: personal API tokens, roles given and taken
on the team page, absences and their deputies, each audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.models import Absence, ApiToken, User, UserRole
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record


@transaction.atomic
def do_issue_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token for ``user``; returns it with the raw token, shown once."""
    token, raw = ApiToken.issue(user, name)
    record(user, token, AuditEvent.Action.CREATED, {"name": ["", token.name]})
    return token, raw


@transaction.atomic
def do_revoke_api_token(user: User, token: ApiToken) -> ApiToken:
    """Revoke one of ``user``'s tokens: it stops working at once."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(user, token, AuditEvent.Action.OTHER, {"revoked_at": ["", token.revoked_at]})
    return token


# ---- roles (the team page; no Django admin) -------------------------------------------------


class TeamError(ValidationError):
    """A role or absence change the rules refuse (shown to the person as a message)."""


def _forget_roles(user: User) -> None:
    user.__dict__.pop("_role_codes", None)


@transaction.atomic
def do_grant_role(actor, user: User, role: str) -> bool:
    """Give ``user`` the ``role``; False when they held it already (nothing written)."""
    role = Role(role)
    row, created = UserRole.objects.get_or_create(user=user, role=role)
    if created:
        record(actor, user, AuditEvent.Action.UPDATED, {"role": ["", role.label]})
        _forget_roles(user)
    return created


@transaction.atomic
def do_revoke_role(actor, user: User, role: str) -> bool:
    """Take the ``role`` from ``user``; False when they did not hold it. The last active
    head keeps the head role: the department would have nobody to manage it."""
    role = Role(role)
    if role == Role.HEAD:
        # Lock the head rows so two heads cannot take the role from each other at once.
        heads = list(
            UserRole.objects.select_for_update()
            .filter(role=Role.HEAD, user__is_active=True)
            .values_list("user_id", flat=True)
        )
        if heads == [user.pk]:
            raise TeamError(_("The department's last head keeps the head role."))
    deleted, _rows = UserRole.objects.filter(user=user, role=role).delete()
    if deleted:
        record(actor, user, AuditEvent.Action.UPDATED, {"role": [role.label, ""]})
        _forget_roles(user)
    return bool(deleted)


# ---- absences and deputies ------------------------------------------------------------------


def _check_absence(person: User, starts_on: dt.date, ends_on: dt.date, deputy, route_to):
    if ends_on < starts_on:
        raise TeamError(_("An absence ends on or after the day it starts."))
    for colleague in (deputy, route_to):
        if colleague is None:
            continue
        if colleague.pk == person.pk:
            raise TeamError(_("A person cannot stand in for themselves."))
        if not colleague.is_active or not colleague.is_staff_member:
            raise TeamError(_("Choose an active colleague to stand in."))


@transaction.atomic
def do_record_absence(
    actor,
    person: User,
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    deputy: User | None = None,
    route_to: User | None = None,
    reason: str = "",
) -> Absence:
    """Record that ``person`` is away from ``starts_on`` to ``ends_on`` (both included),
    with the deputy who receives their role's escalations and approvals and, optionally, the
    colleague their queue and clients' notices go to for the period."""
    _check_absence(person, starts_on, ends_on, deputy, route_to)
    overlapping = Absence.objects.filter(
        person=person, cancelled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise TeamError(_("This person already has an absence in that period."))
    absence = Absence.objects.create(
        person=person,
        starts_on=starts_on,
        ends_on=ends_on,
        deputy=deputy,
        route_to=route_to,
        reason=(reason or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor,
        absence,
        AuditEvent.Action.CREATED,
        {
            "period": ["", str(absence)],
            "deputy": ["", str(deputy) if deputy else ""],
            "route_to": ["", str(route_to) if route_to else ""],
        },
        reason=absence.reason,
        parent=person,
    )
    return absence


@transaction.atomic
def do_cancel_absence(actor, absence: Absence, *, at: dt.datetime | None = None) -> Absence:
    """Call an absence off (recorded by mistake, or the trip did not happen). An absence
    already running is cut short instead: it ends yesterday, or is cancelled if it starts
    today, so the days already spent away stay on record."""
    absence = Absence.objects.select_for_update().get(pk=absence.pk)
    if absence.cancelled_at is not None:
        return absence
    now = at or timezone.now()
    today = timezone.localdate(now)
    before = str(absence)
    if absence.starts_on < today <= absence.ends_on:
        absence.ends_on = today - dt.timedelta(days=1)
        absence.save(update_fields=["ends_on"])
        record(
            actor,
            absence,
            AuditEvent.Action.UPDATED,
            {"period": [before, str(absence)]},
            parent=absence.person,
        )
        return absence
    if absence.ends_on < today:
        raise TeamError(_("A past absence stays on record."))
    absence.cancelled_at = now
    absence.save(update_fields=["cancelled_at"])
    record(
        actor, absence, AuditEvent.Action.DELETED, {"period": [before, ""]}, parent=absence.person
    )
    return absence
