"""Every write to the budget: atomic, audited, notices queued on commit.

The plan's life (issue 12 «Бюджет»): the head drafts a version and submits it to the CEO,
who approves it or returns it with comments; a returned version is edited and submitted
again. The approved version is locked: a change after approval is a new version drafted
from it (`do_start_version`), which replaces the approved one only when it is approved in
turn. Who may call which action is checked by the views and the API
(`soprovod.accounts.permissions`); the rules of the plan's life are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.budget import queries
from soprovod.budget.models import (
    BudgetCategory,
    BudgetFact,
    BudgetPlanLine,
    BudgetVersion,
    VersionStatus,
)
from soprovod.core.errors import StaleObjectError
from soprovod.core.notify import notify

ZERO = Decimal("0.00")


class BudgetError(ValidationError):
    """A change the budget's rules refuse; the message says why (shown to the user)."""


def budget_url(year: int) -> str:
    return reverse("budget:year", args=[year])


def _lock(version: BudgetVersion, expected_version: int | None = None) -> BudgetVersion:
    current = BudgetVersion.objects.select_for_update().get(pk=version.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _save(version: BudgetVersion, *fields: str) -> None:
    version.version = F("version") + 1
    version.save(update_fields=[*fields, "version"])
    version.refresh_from_db()


def locked_message(version: BudgetVersion) -> str:
    if version.status == VersionStatus.SUBMITTED:
        return _(
            "Version %(number)s is with the CEO for approval and cannot be changed until "
            "it is returned."
        ) % {"number": version.number}
    return _(
        "The approved plan (version %(number)s) is locked. Start a new version to change it."
    ) % {"number": version.number}


# ---- the plan ----------------------------------------------------------------------------


@transaction.atomic
def do_start_version(actor, year: int, *, note: str = "", at=None) -> BudgetVersion:
    """A new draft of ``year``'s plan: a copy of the approved version when there is one
    (a change after approval), else empty. Refused while another version is open."""
    if not 2000 <= year <= 2100:
        raise BudgetError(_("Choose a year between 2000 and 2100."))
    # Serialise the numbering of a year's versions.
    list(BudgetVersion.objects.select_for_update().filter(year=year).values_list("pk"))
    if (current := queries.open_version(year)) is not None:
        raise BudgetError(
            _("Version %(number)s of %(year)s is still open: finish it first.")
            % {"number": current.number, "year": year}
        )
    approved = queries.approved_version(year)
    number = (BudgetVersion.objects.filter(year=year).aggregate(n=Max("number"))["n"] or 0) + 1
    version = BudgetVersion.objects.create(
        year=year, number=number, based_on=approved, note=note, created_by=actor
    )
    if at is not None:  # the demo's history
        BudgetVersion.objects.filter(pk=version.pk).update(created_at=at)
        version.created_at = at
    if approved is not None:
        BudgetPlanLine.objects.bulk_create(
            BudgetPlanLine(
                budget_version=version,
                month=line.month,
                category=line.category,
                amount=line.amount,
            )
            for line in approved.lines.all()
        )
    record(
        actor,
        version,
        AuditEvent.Action.CREATED,
        {"based_on": [None, str(approved) if approved else None]},
    )
    return version


@transaction.atomic
def do_set_plan(
    actor,
    version: BudgetVersion,
    amounts: Mapping[tuple[int, str], Decimal | None],
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> int:
    """Set the plan amounts of a draft or returned version: ``{(month, category): amount}``
    (``None`` or 0 clears the cell). Returns how many cells changed; the audit event lists
    each change as ``{"2026-03 staff": [old, new]}``."""
    # A locked version says so even to a form opened before it was locked: the reason
    # matters more than the staleness.
    version = _lock(version)
    if not version.is_editable:
        raise BudgetError(locked_message(version))
    if expected_version is not None and version.version != expected_version:
        raise StaleObjectError(version)
    before = queries.plan_grid(version)
    changes: dict[str, list] = {}
    for (month, category), amount in amounts.items():
        if not 1 <= month <= 12 or category not in BudgetCategory.values:
            raise BudgetError(_("Unknown budget cell: %(cell)s") % {"cell": f"{month} {category}"})
        amount = amount or ZERO
        if amount < 0:
            raise BudgetError(_("A plan amount cannot be negative."))
        old = before.get((month, category))
        if (old or ZERO) == amount:
            continue
        changes[f"{version.year}-{month:02d} {category}"] = [old, amount if amount else None]
        if amount:
            BudgetPlanLine.objects.update_or_create(
                budget_version=version, month=month, category=category, defaults={"amount": amount}
            )
        else:
            BudgetPlanLine.objects.filter(
                budget_version=version, month=month, category=category
            ).delete()
    fields = []
    if note is not None and note != version.note:
        changes["note"] = [version.note, note]
        version.note = note
        fields.append("note")
    if changes:
        _save(version, *fields)
        record(actor, version, AuditEvent.Action.UPDATED, changes)
    return len([k for k in changes if k != "note"])


@transaction.atomic
def do_submit_version(
    actor, version: BudgetVersion, *, expected_version: int | None = None, at=None
) -> BudgetVersion:
    """The head sends a draft or returned version to the CEO for approval."""
    version = _lock(version, expected_version)
    if not version.is_editable:
        raise BudgetError(locked_message(version))
    if not version.lines.exists():
        raise BudgetError(_("The plan is empty: enter the amounts before submitting it."))
    before = version.status
    version.status = VersionStatus.SUBMITTED
    version.submitted_at = at or timezone.now()
    _save(version, "status", "submitted_at")
    record(actor, version, AuditEvent.Action.STATUS, {"status": [before, version.status]})
    notify(
        users_with_role(Role.CEO),
        key=f"budget.submitted.{version.pk}.{version.version}",
        text=_("The support budget for %(year)s (version %(number)s) awaits your approval.")
        % {"year": version.year, "number": version.number},
        url=budget_url(version.year),
    )
    return version


def _decide(actor, version, status, comment, expected_version, at) -> BudgetVersion:
    version = _lock(version, expected_version)
    if version.status != VersionStatus.SUBMITTED:
        raise BudgetError(_("Only a submitted version can be approved or returned."))
    if status == VersionStatus.APPROVED:
        for earlier in BudgetVersion.objects.select_for_update().filter(
            year=version.year, status=VersionStatus.APPROVED
        ):
            earlier.status = VersionStatus.SUPERSEDED
            _save(earlier, "status")
            record(
                actor,
                earlier,
                AuditEvent.Action.STATUS,
                {"status": [VersionStatus.APPROVED, VersionStatus.SUPERSEDED]},
            )
    version.status = status
    version.decision_comment = comment
    version.decided_by = actor
    version.decided_at = at or timezone.now()
    _save(version, "status", "decision_comment", "decided_by", "decided_at")
    record(
        actor,
        version,
        AuditEvent.Action.STATUS,
        {"status": [VersionStatus.SUBMITTED, status], "decision_comment": ["", comment]},
    )
    text = (
        _("The CEO approved the support budget for %(year)s (version %(number)s).")
        if status == VersionStatus.APPROVED
        else _("The CEO returned the support budget for %(year)s (version %(number)s): %(comment)s")
    ) % {"year": version.year, "number": version.number, "comment": comment}
    notify(
        users_with_role(Role.HEAD),
        key=f"budget.{status}.{version.pk}.{version.version}",
        text=text,
        url=budget_url(version.year),
    )
    return version


@transaction.atomic
def do_approve_version(
    actor,
    version: BudgetVersion,
    *,
    comment: str = "",
    expected_version: int | None = None,
    at=None,
) -> BudgetVersion:
    """The CEO approves a submitted version: it is locked and in force (the earlier approved
    version of the year, if any, is superseded)."""
    return _decide(
        actor,
        version,
        VersionStatus.APPROVED,
        comment.strip(),
        expected_version,
        at,
    )


@transaction.atomic
def do_return_version(
    actor,
    version: BudgetVersion,
    *,
    comment: str,
    expected_version: int | None = None,
    at=None,
) -> BudgetVersion:
    """The CEO returns a submitted version to the head, saying what to change."""
    if not comment.strip():
        raise BudgetError(_("Say what to change: a returned plan needs a comment."))
    return _decide(
        actor,
        version,
        VersionStatus.RETURNED,
        comment.strip(),
        expected_version,
        at,
    )


# ---- facts -------------------------------------------------------------------------------


@transaction.atomic
def do_set_fact(
    actor, *, year: int, month: int, category: str, amount: Decimal | None, note: str = ""
) -> str:
    """Record the money spent in a month on a category (``None`` removes the entry).
    Returns ``created``, ``updated``, ``unchanged`` or ``deleted``."""
    if not 1 <= month <= 12 or category not in BudgetCategory.values:
        raise BudgetError(_("Unknown budget cell: %(cell)s") % {"cell": f"{month} {category}"})
    if amount is not None and amount < 0:
        raise BudgetError(_("A fact amount cannot be negative."))
    fact = (
        BudgetFact.objects.select_for_update()
        .filter(year=year, month=month, category=category)
        .first()
    )
    if amount is None:
        if fact is None:
            return "unchanged"
        record(actor, fact, AuditEvent.Action.DELETED, {"amount": [fact.amount, None]})
        fact.delete()
        return "deleted"
    if fact is None:
        fact = BudgetFact.objects.create(
            year=year, month=month, category=category, amount=amount, note=note, updated_by=actor
        )
        record(actor, fact, AuditEvent.Action.CREATED, {"amount": [None, amount]})
        return "created"
    if fact.amount == amount and fact.note == note:
        return "unchanged"
    changes = {"amount": [fact.amount, amount], "note": [fact.note, note]}
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    fact.amount, fact.note, fact.updated_by = amount, note, actor
    fact.save(update_fields=["amount", "note", "updated_by", "updated_at"])
    record(actor, fact, AuditEvent.Action.UPDATED, changes)
    return "updated"
