"""Every write to a problem (architecture.md «A write»)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.core.errors import StaleObjectError
from soprovod.problems import queries
from soprovod.problems.models import Problem, ProblemTicket

FIELDS = ("title", "cause", "owner", "client", "category", "words", "window_days")
FIX_FIELDS = ("fix_kind", "fix_description", "fix_url", "fix_dev_request", "fix_reference")
# «Closed when the repeats stop»: no repeat in this many days since the fix.
QUIET_DAYS = 30


class ProblemError(ValueError):
    """A change the problem rules refuse; the message says why."""


def _lock(problem: Problem, expected_version: int | None = None) -> Problem:
    current = Problem.objects.select_for_update().get(pk=problem.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _save(problem: Problem, *fields: str) -> None:
    problem.version += 1
    problem.save(update_fields=[*fields, "version"])


@transaction.atomic
def do_create_problem(actor, *, title: str, tickets: Iterable = (), **values) -> Problem:
    if not title.strip():
        raise ProblemError(_("Give the problem a title."))
    problem = Problem.objects.create(
        title=title.strip()[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
        **values,
    )
    record(actor, problem, AuditEvent.Action.CREATED, diff({}, snapshot(problem, FIELDS)))
    tickets = list(tickets)
    if tickets:
        do_link_tickets(actor, problem, tickets)
    return problem


@transaction.atomic
def do_update_problem(actor, problem: Problem, *, expected_version=None, **values) -> Problem:
    problem = _lock(problem, expected_version)
    before = snapshot(problem, FIELDS)
    for name, value in values.items():
        setattr(problem, name, value)
    changes = diff(before, snapshot(problem, FIELDS))
    if changes:
        _save(problem, *values)
        record(actor, problem, AuditEvent.Action.UPDATED, changes)
    return problem


@transaction.atomic
def do_link_tickets(actor, problem: Problem, tickets: Iterable) -> int:
    problem = _lock(problem)
    have = set(problem.links.values_list("ticket_id", flat=True))
    new = sorted({t.pk for t in tickets} - have)
    ProblemTicket.objects.bulk_create([ProblemTicket(problem=problem, ticket_id=pk) for pk in new])
    if new:
        _save(problem)
        record(
            actor,
            problem,
            AuditEvent.Action.UPDATED,
            {"tickets": ["", ", ".join(f"#{pk}" for pk in new)]},
        )
    return len(new)


@transaction.atomic
def do_record_fix(
    actor,
    problem: Problem,
    *,
    fix_kind: str,
    fix_description: str = "",
    fix_url: str = "",
    fix_dev_request=None,
    fix_reference: str = "",
    fixed_at: dt.datetime | None = None,
    expected_version=None,
) -> Problem:
    """The fix is in place: from ``fixed_at`` on, the repeats are counted «after»."""
    problem = _lock(problem, expected_version)
    if problem.status == Problem.Status.CLOSED:
        raise ProblemError(_("The problem is closed."))
    if fix_kind not in Problem.FixKind.values:
        raise ProblemError(_("Choose what the fix is."))
    if fix_kind == Problem.FixKind.DEV_REQUEST and fix_dev_request is None:
        raise ProblemError(_("Choose the request to development."))
    if not (fix_description.strip() or fix_url or fix_dev_request or fix_reference):
        raise ProblemError(_("Say what was changed."))
    before = snapshot(problem, (*FIX_FIELDS, "status", "fixed_at"))
    problem.fix_kind = fix_kind
    problem.fix_description = fix_description
    problem.fix_url = fix_url
    problem.fix_dev_request = fix_dev_request
    problem.fix_reference = fix_reference
    problem.fixed_at = fixed_at or timezone.now()
    problem.status = Problem.Status.FIXED
    _save(problem, *FIX_FIELDS, "status", "fixed_at")
    record(
        actor,
        problem,
        AuditEvent.Action.STATUS,
        diff(before, snapshot(problem, (*FIX_FIELDS, "status", "fixed_at"))),
    )
    return problem


def close_refusal(problem: Problem, now: dt.datetime) -> str | None:
    if problem.status != Problem.Status.FIXED:
        return _("Only a problem with a fix in place can be closed.")
    if now - problem.fixed_at < dt.timedelta(days=QUIET_DAYS):
        return _("Wait %(days)s days after the fix to see whether the repeats stop.") % {
            "days": QUIET_DAYS
        }
    recent = queries.repeats_since(problem, now - dt.timedelta(days=QUIET_DAYS))
    if recent:
        return _("The repeats have not stopped: %(count)s in the last %(days)s days.") % {
            "count": recent,
            "days": QUIET_DAYS,
        }
    return None


@transaction.atomic
def do_close_problem(actor, problem: Problem, *, now: dt.datetime | None = None) -> Problem:
    """Closed when the repeats stop: a fix in place for ``QUIET_DAYS`` days and no repeat
    in those days."""
    now = now or timezone.now()
    problem = _lock(problem)
    if (refusal := close_refusal(problem, now)) is not None:
        raise ProblemError(refusal)
    problem.status = Problem.Status.CLOSED
    problem.closed_at = now
    _save(problem, "status", "closed_at")
    record(
        actor,
        problem,
        AuditEvent.Action.STATUS,
        {"status": [Problem.Status.FIXED.label, Problem.Status.CLOSED.label]},
    )
    return problem
