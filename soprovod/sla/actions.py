"""Every write to work calendars and SLA policies (sla.md «Business time», «Recalculation»).

Each action runs in one transaction, locks the calendar or policy row, writes the audit
trail and bumps the version, so cached business-time tables rebuild. It then schedules the
recalculation of open tickets for after the commit (nothing is recalculated for a change
that rolled back):

- a calendar edit recomputes the running and paused clocks on that calendar
  (`clocks.recompute_for_calendar`, vectorised). Up to `INLINE_CALENDAR_CLOCKS` clocks this
  runs in the same request right after the commit; more go to the background task
  `tasks_recompute.recompute_calendar_clocks`.
- a policy edit rebuilds the clocks of its open tickets ticket by ticket
  (`clocks.recompute_for_policy`): inline up to `INLINE_POLICY_TICKETS` tickets, otherwise
  the background task `tasks_recompute.recompute_policy_clocks`.

Closed tickets are never touched (sla.md: history is not rewritten). Callers check
permissions first (`soprovod.accounts.permissions.can_edit_sla`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.core.errors import StaleObjectError
from soprovod.lib.businesstime import CalendarSpec
from soprovod.sla import clocks, queries, tasks_recompute
from soprovod.sla.calendars import (
    HHMM,
    bump_version,
    day_minutes,
    parse_hours,
)
from soprovod.sla.models import (
    CalendarDay,
    Metric,
    PolicyRule,
    SlaPolicy,
    SlaTarget,
    WorkCalendar,
)

logger = logging.getLogger(__name__)

# Below these sizes the recalculation runs right after the commit, in the request: the
# calendar path is vectorised (thousands of clocks take well under a second), the policy
# path rebuilds each ticket's clocks in its own transaction.
INLINE_CALENDAR_CLOCKS = 2000
INLINE_POLICY_TICKETS = 100

# Dated overrides outside these years are typing mistakes (2206 for 2026), and one of them
# would silence the "calendar data ends" warning for a century.
FIRST_DATA_YEAR = 2000
LAST_DATA_YEAR = 2099

CALENDAR_FIELDS = ("name", "timezone", "weekly_hours", "working_day_hours")
# Fields whose change moves due times (a new name does not).
_TIME_FIELDS = frozenset(CALENDAR_FIELDS) - {"name"}
DAY_FIELDS = ("date", "kind", "note")
TARGET_FIELDS = (
    "ticket_type",
    "metric",
    "calendar",
    "target_minutes",
    "ceiling_minutes",
    "escalate_to_ceo",
)


class Recompute(StrEnum):
    """What happens to the open tickets after a change (the page tells the user)."""

    NONE = "none"  # nothing that moves a due time changed, or no open clock is affected
    INLINE = "inline"  # recomputed right after the commit, before the response
    BACKGROUND = "background"  # queued for the worker


# ---- working hours -----------------------------------------------------------------------


def validate_intervals(intervals: Any, *, label: str = "") -> list[list[str]]:
    """Working intervals of one day, ``[["09:00", "13:00"], ["14:00", "18:00"]]``: each
    ``HH:MM`` (``24:00`` closes at midnight), start before end, no overlaps. Returns them
    sorted; raises ValidationError saying what is wrong."""
    prefix = f"{label}: " if label else ""
    if not isinstance(intervals, list | tuple):
        raise ValidationError(prefix + _("Working hours must be a list of intervals."))
    cleaned: list[list[str]] = []
    for interval in intervals:
        if not isinstance(interval, list | tuple) or len(interval) != 2:
            raise ValidationError(prefix + _("Each interval is a start and an end time."))
        start, end = interval
        for value in (start, end):
            if not isinstance(value, str) or not HHMM.fullmatch(value):
                raise ValidationError(
                    prefix + _("“%(value)s” is not a time written HH:MM.") % {"value": value}
                )
        if start == "24:00":
            raise ValidationError(prefix + _("A day cannot start at 24:00."))
        if day_minutes(start) >= day_minutes(end):
            raise ValidationError(
                prefix
                + _("%(start)s–%(end)s: the start must be before the end.")
                % {"start": start, "end": end}
            )
        cleaned.append([start, end])
    cleaned.sort(key=lambda pair: day_minutes(pair[0]))
    for previous, following in zip(cleaned, cleaned[1:], strict=False):
        if day_minutes(following[0]) < day_minutes(previous[1]):
            raise ValidationError(
                prefix
                + _("%(first)s and %(second)s overlap.")
                % {
                    "first": "–".join(previous),
                    "second": "–".join(following),
                }
            )
    return cleaned


def validate_weekly_hours(weekly: Any) -> dict[str, list[list[str]]]:
    """``{"0": [[start, end], ...], ...}`` with weekday 0 = Monday; days without hours are
    left out. Every day is checked with `validate_intervals`."""
    if not isinstance(weekly, Mapping):
        raise ValidationError(_("Weekly hours must map weekdays to intervals."))
    cleaned: dict[str, list[list[str]]] = {}
    for key, intervals in weekly.items():
        if str(key) not in {str(day) for day in range(7)}:
            raise ValidationError(_("Weekdays are numbered 0 (Monday) to 6 (Sunday)."))
        day = validate_intervals(intervals, label=str(key))
        if day:
            cleaned[str(key)] = day
    return dict(sorted(cleaned.items()))


def format_intervals(intervals: Sequence[Sequence[str]]) -> str:
    """``09:00–13:00, 14:00–18:00``; empty for a day off."""
    return ", ".join(f"{start}–{end}" for start, end in intervals)


def format_week(weekly: Mapping[str, Sequence[Sequence[str]]]) -> str:
    """The week in one language-neutral line for the audit trail, ISO weekday numbers:
    ``1 09:00–18:00; 2 09:00–18:00; ...``."""
    return "; ".join(
        f"{int(day) + 1} {format_intervals(weekly[day])}"
        for day in sorted(weekly, key=int)
        if weekly[day]
    )


def _calendar_snapshot(calendar: WorkCalendar) -> dict[str, Any]:
    return {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "weekly_hours": format_week(calendar.weekly_hours or {}),
        "working_day_hours": format_intervals(calendar.working_day_hours or []),
    }


# ---- scheduling the recalculation --------------------------------------------------------


def recompute_calendar(calendar_id: int) -> int:
    """Recompute the open clocks on the calendar as it is now (the task's body)."""
    calendar = WorkCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return 0
    return clocks.recompute_for_calendar(calendar)


def recompute_policy(policy_id: int) -> int:
    """Rebuild the clocks of the open tickets on the policy as it is now (the task's body)."""
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        return 0
    return clocks.recompute_for_policy(policy)


def _run_after_commit(inline: bool, work, task_name: str, object_id: int) -> None:
    """Run ``work(object_id)`` right after the commit, or queue the task for the worker.

    The change is already committed when this runs, so a failure here must not turn the
    response into an error: an inline failure is handed to the worker, and a queue that
    cannot be reached is made up for by running inline.
    """
    task = getattr(tasks_recompute, task_name)

    def run() -> None:
        if inline:
            try:
                work(object_id)
            except Exception:
                logger.exception("inline SLA recalculation failed; queueing %s", task_name)
                task.delay(object_id)
            return
        try:
            task.delay(object_id)
        except Exception:
            logger.exception("cannot queue %s; recalculating inline", task_name)
            work(object_id)

    transaction.on_commit(run)


def _schedule_calendar_recompute(calendar: WorkCalendar) -> Recompute:
    count = queries.open_clocks().filter(calendar=calendar, stopped_at__isnull=True).count()
    if not count:
        return Recompute.NONE
    inline = count <= INLINE_CALENDAR_CLOCKS
    _run_after_commit(inline, recompute_calendar, "recompute_calendar_clocks", calendar.pk)
    return Recompute.INLINE if inline else Recompute.BACKGROUND


def _schedule_policy_recompute(policy: SlaPolicy) -> Recompute:
    count = queries.open_tickets_on(policy).count()
    if not count:
        return Recompute.NONE
    inline = count <= INLINE_POLICY_TICKETS
    _run_after_commit(inline, recompute_policy, "recompute_policy_clocks", policy.pk)
    return Recompute.INLINE if inline else Recompute.BACKGROUND


# ---- calendars ---------------------------------------------------------------------------


def _lock_calendar(calendar: WorkCalendar, expected_version: int | None = None) -> WorkCalendar:
    current = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _changed_calendar(calendar: WorkCalendar, *, moves_due_times: bool) -> Recompute:
    """The calendar changed: new version (caches rebuild), then recompute its clocks."""
    bump_version(calendar)
    return _schedule_calendar_recompute(calendar) if moves_due_times else Recompute.NONE


@dataclass(frozen=True)
class CalendarUpdate:
    calendar: WorkCalendar
    changes: dict[str, list[Any]]
    recompute: Recompute


@transaction.atomic
def do_update_calendar(
    actor,
    calendar: WorkCalendar,
    *,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> CalendarUpdate:
    """Change the calendar's name, time zone, weekly hours or the hours of a working
    day off (``working_day_hours``; empty = Friday's hours). With ``expected_version``,
    refuse a form opened before someone else's save (StaleObjectError)."""
    unknown = set(values) - set(CALENDAR_FIELDS)
    if unknown:
        raise TypeError(f"not a calendar setting: {', '.join(sorted(unknown))}")
    current = _lock_calendar(calendar, expected_version)
    before = _calendar_snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    current.weekly_hours = validate_weekly_hours(current.weekly_hours or {})
    current.working_day_hours = validate_intervals(current.working_day_hours or [])
    current.full_clean(exclude=["version"])
    _check_engine_accepts(current)
    changes = diff(before, _calendar_snapshot(current))
    if not changes:
        return CalendarUpdate(current, {}, Recompute.NONE)
    current.save()
    record(actor, current, AuditEvent.Action.UPDATED, changes, reason=reason)
    recompute = _changed_calendar(current, moves_due_times=bool(_TIME_FIELDS & set(changes)))
    return CalendarUpdate(current, changes, recompute)


def _check_engine_accepts(calendar: WorkCalendar) -> None:
    """The business-time engine is the final judge of the hours (a week with no working
    time at all, for one, can never reach a due time)."""
    if calendar.is_24x7:
        return
    weekly = {int(day): parse_hours(hours) for day, hours in calendar.weekly_hours.items()}
    if not any(weekly.values()):
        raise ValidationError(_("The week needs working hours on at least one day."))
    try:
        CalendarSpec(
            tz=calendar.timezone,
            weekly=weekly,
            saturday_hours=parse_hours(calendar.working_day_hours)
            if calendar.working_day_hours
            else None,
        )
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _check_day(day: dt.date, kind: str, note: str | None) -> None:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValidationError(_("A calendar override needs a date."))
    if not FIRST_DATA_YEAR <= day.year <= LAST_DATA_YEAR:
        raise ValidationError(
            _("%(date)s: only dates from %(first)s to %(last)s are accepted.")
            % {"date": day.isoformat(), "first": FIRST_DATA_YEAR, "last": LAST_DATA_YEAR}
        )
    if kind not in CalendarDay.Kind.values:
        raise ValidationError(
            _("%(date)s: unknown kind of day “%(kind)s”.") % {"date": day.isoformat(), "kind": kind}
        )
    if note is not None and len(note) > CalendarDay._meta.get_field("note").max_length:
        raise ValidationError(_("%(date)s: the note is too long.") % {"date": day.isoformat()})


@dataclass(frozen=True)
class DaysApplied:
    """What `do_apply_calendar_days` did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    recompute: Recompute = Recompute.NONE
    days: list[CalendarDay] = field(default_factory=list)


@transaction.atomic
def do_apply_calendar_days(
    actor,
    calendar: WorkCalendar,
    days: Mapping[dt.date, tuple[str, str | None]],
    *,
    action: str | None = None,
    reason: str = "",
) -> DaysApplied:
    """Add or change dated overrides: ``{date: (kind, note)}``; a note of None keeps the
    note the date has. One audit event per added or changed date (``action``, default
    created/updated), one version bump and one recalculation for the whole set. Dates not
    in ``days`` are left alone; an identical date writes nothing."""
    for day, (kind, note) in days.items():
        _check_day(day, kind, note)
    if calendar.is_24x7:
        raise ValidationError(
            _("“%(name)s” runs round the clock: holidays and transfers do not apply to it.")
            % {"name": calendar.name}
        )
    current = _lock_calendar(calendar)
    existing = {
        row.date: row for row in CalendarDay.objects.filter(calendar=current, date__in=list(days))
    }
    created: list[CalendarDay] = []
    # (row, its audit snapshot before the change, whether its kind changed)
    updated: list[tuple[CalendarDay, dict[str, Any], bool]] = []
    for day, (kind, note) in sorted(days.items()):
        row = existing.get(day)
        if row is None:
            created.append(CalendarDay(calendar=current, date=day, kind=kind, note=note or ""))
            continue
        new_note = row.note if note is None else note
        if (row.kind, row.note) == (kind, new_note):
            continue
        before = snapshot(row, DAY_FIELDS)
        kind_changed = row.kind != kind
        row.kind, row.note = kind, new_note
        updated.append((row, before, kind_changed))
    if not created and not updated:
        return DaysApplied(unchanged=len(days))
    CalendarDay.objects.bulk_create(created)
    CalendarDay.objects.bulk_update([entry[0] for entry in updated], ["kind", "note"])
    if any(row.pk is None for row in created):  # a backend that does not return new keys
        keys = CalendarDay.objects.filter(calendar=current, date__in=[r.date for r in created])
        by_date = {row.date: row.pk for row in keys}
        for row in created:
            row.pk = by_date[row.date]
    for row in created:
        record(
            actor,
            row,
            action or AuditEvent.Action.CREATED,
            diff({}, snapshot(row, DAY_FIELDS)),
            reason=reason,
            parent=current,
        )
    for row, before, _kind_changed in updated:
        record(
            actor,
            row,
            action or AuditEvent.Action.UPDATED,
            diff(before, snapshot(row, DAY_FIELDS)),
            reason=reason,
            parent=current,
        )
    # A changed note alone moves no due time.
    moves = bool(created) or any(entry[2] for entry in updated)
    recompute = _changed_calendar(current, moves_due_times=moves)
    return DaysApplied(
        created=len(created),
        updated=len(updated),
        unchanged=len(days) - len(created) - len(updated),
        recompute=recompute,
        days=created + [entry[0] for entry in updated],
    )


def do_set_calendar_day(
    actor, calendar: WorkCalendar, day: dt.date, kind: str, note: str = ""
) -> DaysApplied:
    """Add a dated override or change the kind and note of one (the head's calendar page)."""
    return do_apply_calendar_days(actor, calendar, {day: (kind, note)})


@transaction.atomic
def do_delete_calendar_day(actor, calendar: WorkCalendar, day: dt.date) -> Recompute:
    """Remove the override of ``day``: the date follows the weekly hours again (or, past
    the calendar's data, the Labour Code rules). A date without an override is a no-op."""
    current = _lock_calendar(calendar)
    row = CalendarDay.objects.filter(calendar=current, date=day).first()
    if row is None:
        return Recompute.NONE
    record(
        actor,
        row,
        AuditEvent.Action.DELETED,
        diff(snapshot(row, DAY_FIELDS), {}),
        parent=current,
    )
    row.delete()
    return _changed_calendar(current, moves_due_times=True)


# ---- policies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetValues:
    """One metric of one ticket type, as the head sets it."""

    calendar: WorkCalendar
    target_minutes: int
    ceiling_minutes: int | None = None
    escalate_to_ceo: bool = False


@dataclass(frozen=True)
class PolicyUpdate:
    policy: SlaPolicy
    changed: bool
    recompute: Recompute
    warnings: list[str]


def _policy_snapshot(policy: SlaPolicy) -> dict[str, Any]:
    return snapshot(policy, ("name", "warning_ratio"))


def _target_events(
    policy: SlaPolicy, targets: Mapping[tuple[str, str], TargetValues | None]
) -> list[tuple[SlaTarget, str, dict[str, list[Any]]]]:
    """The targets to write for ``policy``, each with its audit action and changes."""
    existing = {
        (t.ticket_type, t.metric): t
        for t in SlaTarget.objects.filter(policy=policy).select_related("calendar")
    }
    target_events: list[tuple[SlaTarget, str, dict[str, list[Any]]]] = []
    for key, wanted in targets.items():
        ticket_type, metric = key
        target = existing.get(key)
        if wanted is None:
            if target is not None:
                target_events.append(
                    (target, AuditEvent.Action.DELETED, diff(snapshot(target, TARGET_FIELDS), {}))
                )
            continue
        was = snapshot(target, TARGET_FIELDS) if target else {}
        target = target or SlaTarget(policy=policy, ticket_type=ticket_type, metric=metric)
        target.calendar = wanted.calendar
        target.target_minutes = wanted.target_minutes
        target.ceiling_minutes = wanted.ceiling_minutes or None
        target.escalate_to_ceo = wanted.escalate_to_ceo
        if target.ceiling_minutes and metric != Metric.RESOLUTION:
            raise ValidationError(_("Only the resolution target has a ceiling."))
        target.full_clean(exclude=["policy"], validate_unique=False, validate_constraints=False)
        changes = diff(was, snapshot(target, TARGET_FIELDS))
        if changes:
            action = AuditEvent.Action.UPDATED if target.pk else AuditEvent.Action.CREATED
            target_events.append((target, action, changes))

    return target_events


def _write_targets(actor, policy: SlaPolicy, target_events, reason: str) -> None:
    for target, action, changes in target_events:
        if action == AuditEvent.Action.DELETED:
            record(actor, target, action, changes, reason=reason, parent=policy)
            target.delete()
        else:
            target.policy = policy
            target.save()
            record(actor, target, action, changes, reason=reason, parent=policy)


@transaction.atomic
def do_update_policy(
    actor,
    policy: SlaPolicy,
    *,
    targets: Mapping[tuple[str, str], TargetValues | None],
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> PolicyUpdate:
    """Change the policy's ``name`` or ``warning_ratio`` and its targets.

    ``targets`` maps ``(ticket_type, metric)`` to the new values, or to None to stop
    measuring that metric; pairs not in the mapping are left as they are. A ceiling is for
    the resolution metric only. The open tickets on the policy are recomputed after the
    commit. ``warnings`` lists what is allowed but probably not meant (`ceiling_warnings`).
    """
    unknown = set(values) - {"name", "warning_ratio"}
    if unknown:
        raise TypeError(f"not a policy setting: {', '.join(sorted(unknown))}")
    current = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    before = _policy_snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean(exclude=["version"])
    policy_changes = diff(before, _policy_snapshot(current))

    target_events = _target_events(current, targets)
    if not policy_changes and not target_events:
        return PolicyUpdate(current, False, Recompute.NONE, [])
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    if policy_changes:
        record(actor, current, AuditEvent.Action.UPDATED, policy_changes, reason=reason)
    _write_targets(actor, current, target_events, reason)
    # The warning threshold and the name move no due time; targets do.
    recompute = _schedule_policy_recompute(current) if target_events else Recompute.NONE
    warnings = ceiling_warnings(
        target for target, action, _changes in target_events if action != AuditEvent.Action.DELETED
    )
    return PolicyUpdate(current, True, recompute, warnings)


def ceiling_warnings(targets) -> list[str]:
    """sla.md «Target and ceiling», as clarified: the ceiling is resolved against the target
    (it is never earlier than the target). A ceiling in calendar days that a business-hours
    target reaches past on its calendar (the shipped consultation: 48 business hours, 5
    calendar days) is the rule working, not a fault: the ceiling is the target itself and
    there is nothing to extend, so nothing is said about it.

    A ceiling shorter than the target even counted in the same minutes is different: business
    time never runs faster than calendar time, so no ticket on any calendar can ever be
    extended, and the head almost certainly typed it wrong. Those are named."""
    warnings = []
    for target in targets:
        if not target.ceiling_minutes or target.ceiling_minutes >= target.target_minutes:
            continue
        warnings.append(
            _(
                "%(type)s: the resolution ceiling (%(ceiling)s of calendar time) is shorter "
                "than the target itself (%(target)s of business time). The ceiling is never "
                "earlier than the target, so this one can never allow an extension: check "
                "the figures, or leave the ceiling empty."
            )
            % {
                "type": target.get_ticket_type_display(),
                "ceiling": _hours_text(target.ceiling_minutes),
                "target": _hours_text(target.target_minutes),
            }
        )
    return warnings


def _hours_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    return _("%(hours)s h") % {"hours": hours}


# ---- creating and retiring policies -----------------------------------------------------------


def _check_policy_name(name: str, exclude_pk: int | None = None) -> None:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name: enter the policy's name.")})
    others = SlaPolicy.objects.exclude(pk=exclude_pk).values_list("name", flat=True)
    if any(other.casefold() == name.casefold() for other in others):
        raise ValidationError(
            {"name": _("Name: a policy named “%(name)s” already exists.") % {"name": name}}
        )


@transaction.atomic
def do_create_policy(
    actor,
    *,
    name: str,
    warning_ratio,
    targets: Mapping[tuple[str, str], TargetValues | None],
    reason: str = "",
) -> PolicyUpdate:
    """A new policy with its targets (a contract's own terms). It applies to no ticket until
    an assignment rule gives it to a client, a tariff or a segment."""
    _check_policy_name(name)
    policy = SlaPolicy(name=name.strip(), warning_ratio=warning_ratio, is_default=False)
    policy.full_clean(exclude=["version"], validate_unique=False)
    policy.save()
    record(
        actor, policy, AuditEvent.Action.CREATED, diff({}, _policy_snapshot(policy)), reason=reason
    )
    target_events = _target_events(policy, targets)
    _write_targets(actor, policy, target_events, reason)
    warnings = ceiling_warnings(target for target, _action, _changes in target_events)
    return PolicyUpdate(policy, True, Recompute.NONE, warnings)


def _locked_policy(policy: SlaPolicy) -> SlaPolicy:
    return SlaPolicy.objects.select_for_update().get(pk=policy.pk)


@transaction.atomic
def do_retire_policy(actor, policy: SlaPolicy, *, reason: str = "") -> SlaPolicy:
    """Retire a policy: no rule may give it to anyone any more. Tickets that follow it keep
    their clocks and outcomes (nothing is recomputed); the policy is kept for them. The
    default policy cannot be retired, nor one that rules still assign (change them first)."""
    current = _locked_policy(policy)
    if current.is_retired:
        return current
    if current.is_default:
        raise ValidationError(_("The default policy cannot be retired: it is the fallback."))
    rules = list(PolicyRule.objects.filter(policy=current).select_related("client"))
    if rules:
        raise ValidationError(
            _(
                "Assignment rules still give this policy to clients (%(rules)s): give them "
                "another policy or remove them first."
            )
            % {"rules": "; ".join(describe_rule(rule) for rule in rules[:5])}
        )
    return _set_retired(actor, current, timezone.now(), reason)


@transaction.atomic
def do_restore_policy(actor, policy: SlaPolicy, *, reason: str = "") -> SlaPolicy:
    """Bring a retired policy back: rules may assign it again."""
    current = _locked_policy(policy)
    if not current.is_retired:
        return current
    return _set_retired(actor, current, None, reason)


def _set_retired(actor, policy: SlaPolicy, at, reason: str) -> SlaPolicy:
    """Write ``retired_at`` (None: in use) and record the change of the «retired» flag."""
    was = _("yes") if policy.is_retired else _("no")
    policy.retired_at = at
    policy.save(update_fields=["retired_at", "updated_at"])
    now = _("yes") if policy.is_retired else _("no")
    record(actor, policy, AuditEvent.Action.UPDATED, {"retired": [was, now]}, reason=reason)
    return policy


# ---- which clients get which policy -------------------------------------------------------

RULE_FIELDS = ("kind", "client", "value", "policy", "position")


def describe_rule(rule: PolicyRule) -> str:
    """«Tariff “Корпоративный”», «Client “ООО Ромашка”», as a person says it."""
    if rule.kind == PolicyRule.Kind.CLIENT:
        return _("client “%(name)s”") % {"name": rule.client}
    if rule.kind == PolicyRule.Kind.TARIFF:
        return _("tariff “%(value)s”") % {"value": rule.value}
    return _("segment “%(value)s”") % {"value": rule.value}


def reassign_clients(client_ids: list[int] | None) -> int:
    """Move the open tickets of these clients (None: of every client) to the policy their
    client gets now (`queries.policy_for`) and rebuild their clocks from the new targets,
    keeping when they started, their pauses and what already stopped (sla.md
    «Recalculation»). Closed tickets are never touched: their outcomes stay. Idempotent: a
    ticket already on its policy is skipped, so a retry or a late run is harmless. Returns
    how many tickets moved."""
    resolver = queries.PolicyResolver()
    moved = 0
    for ticket in queries.open_tickets_of(client_ids).iterator(chunk_size=500):
        wanted = resolver(ticket.client)
        if (ticket.policy_id or resolver.default.pk) == wanted.pk:
            continue
        with transaction.atomic():
            type(ticket).objects.filter(pk=ticket.pk).update(policy=wanted)
            ticket.policy = wanted
            clocks.recompute_ticket(ticket)
        moved += 1
    return moved


def _schedule_reassign(client_ids: list[int] | None) -> Recompute:
    """After the commit, move the affected open tickets (inline when few, else in the
    background task `tasks_recompute.reassign_policies`)."""
    count = queries.open_tickets_of(client_ids).count()
    if not count:
        return Recompute.NONE
    inline = count <= INLINE_POLICY_TICKETS
    task = tasks_recompute.reassign_policies
    ids = list(client_ids) if client_ids is not None else None

    def run() -> None:
        if inline:
            try:
                reassign_clients(ids)
            except Exception:
                logger.exception("inline SLA reassignment failed; queueing it")
                task.delay(ids)
            return
        try:
            task.delay(ids)
        except Exception:
            logger.exception("cannot queue the SLA reassignment; running it inline")
            reassign_clients(ids)

    transaction.on_commit(run)
    return Recompute.INLINE if inline else Recompute.BACKGROUND


def _assignable(policy: SlaPolicy) -> SlaPolicy:
    current = SlaPolicy.objects.filter(pk=policy.pk).first()
    if current is None or current.is_retired:
        raise ValidationError(
            {
                "policy": _("SLA policy: “%(name)s” is retired and cannot be assigned.")
                % {"name": policy}
            }
        )
    return current


@dataclass(frozen=True)
class RuleChange:
    rule: PolicyRule | None
    changed: bool
    recompute: Recompute


@transaction.atomic
def do_set_client_policy(
    actor, client, policy: SlaPolicy | None, *, reason: str = ""
) -> RuleChange:
    """Give ``client`` its own policy (a contract's terms), or None to let the tariff and
    segment rules and the default decide again. The client's open tickets move to the
    policy it gets now; its closed tickets keep their outcomes."""
    rule = PolicyRule.objects.select_for_update().filter(client=client).first()
    if policy is None:
        if rule is None:
            return RuleChange(None, False, Recompute.NONE)
        record(
            actor,
            rule,
            AuditEvent.Action.DELETED,
            diff(snapshot(rule, RULE_FIELDS), {}),
            reason=reason,
            parent=client,
        )
        rule.delete()
        return RuleChange(None, True, _schedule_reassign([client.pk]))
    policy = _assignable(policy)
    if rule is not None and rule.policy_id == policy.pk:
        return RuleChange(rule, False, Recompute.NONE)
    before = snapshot(rule, RULE_FIELDS) if rule else {}
    action = AuditEvent.Action.UPDATED if rule else AuditEvent.Action.CREATED
    rule = rule or PolicyRule(kind=PolicyRule.Kind.CLIENT, client=client)
    rule.policy = policy
    rule.save()
    record(
        actor, rule, action, diff(before, snapshot(rule, RULE_FIELDS)), reason=reason, parent=client
    )
    return RuleChange(rule, True, _schedule_reassign([client.pk]))


def _general_rules():
    return PolicyRule.objects.exclude(kind=PolicyRule.Kind.CLIENT)


@transaction.atomic
def do_save_rule(
    actor,
    rule: PolicyRule | None,
    *,
    kind: str,
    value: str,
    policy: SlaPolicy,
    reason: str = "",
) -> RuleChange:
    """Add a tariff or segment rule (``rule`` None: last in the order) or change one. Every
    client's open tickets are checked against the rules as they are now."""
    if kind not in (PolicyRule.Kind.TARIFF, PolicyRule.Kind.SEGMENT):
        raise ValidationError({"kind": _("Applies to: choose a tariff or a segment.")})
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError(
            {"value": _("Tariff or segment: enter it as it is written on the client's card.")}
        )
    policy = _assignable(policy)
    # Compared in Python: SQLite folds the case of ASCII letters only.
    others = _general_rules().filter(kind=kind).exclude(pk=getattr(rule, "pk", None))
    if any(v.casefold() == value.casefold() for v in others.values_list("value", flat=True)):
        raise ValidationError(
            {
                "value": _("Tariff or segment: a rule for “%(value)s” already exists.")
                % {"value": value}
            }
        )
    if rule is not None:
        rule = PolicyRule.objects.select_for_update().get(pk=rule.pk)
        before = snapshot(rule, RULE_FIELDS)
        action = AuditEvent.Action.UPDATED
    else:
        last = _general_rules().order_by("-position").values_list("position", flat=True).first()
        rule = PolicyRule(position=(last or 0) + 1)
        before = {}
        action = AuditEvent.Action.CREATED
    rule.kind, rule.value, rule.policy = kind, value, policy
    changes = diff(before, snapshot(rule, RULE_FIELDS))
    if not changes:
        return RuleChange(rule, False, Recompute.NONE)
    rule.save()
    record(actor, rule, action, changes, reason=reason, parent=policy)
    return RuleChange(rule, True, _schedule_reassign(None))


@transaction.atomic
def do_delete_rule(actor, rule: PolicyRule, *, reason: str = "") -> RuleChange:
    """Remove a rule; its clients fall to the next rule that matches, or the default."""
    rule = (
        PolicyRule.objects.select_for_update(of=("self",))
        .select_related("client", "policy")
        .get(pk=rule.pk)
    )
    parent = rule.client if rule.kind == PolicyRule.Kind.CLIENT else rule.policy
    affected = [rule.client_id] if rule.kind == PolicyRule.Kind.CLIENT else None
    record(
        actor,
        rule,
        AuditEvent.Action.DELETED,
        diff(snapshot(rule, RULE_FIELDS), {}),
        reason=reason,
        parent=parent,
    )
    rule.delete()
    return RuleChange(None, True, _schedule_reassign(affected))


@transaction.atomic
def do_move_rule(actor, rule: PolicyRule, direction: int) -> RuleChange:
    """Move a tariff or segment rule one place up (-1) or down (+1) in the order: the first
    rule that matches a client decides."""
    rules = list(_general_rules().select_for_update().order_by("position", "pk"))
    index = next((i for i, each in enumerate(rules) if each.pk == rule.pk), None)
    if index is None:
        raise ValidationError(_("Only tariff and segment rules have an order."))
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(rules):
        return RuleChange(rules[index], False, Recompute.NONE)
    rules[index], rules[other] = rules[other], rules[index]
    for position, each in enumerate(rules, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    moved = rules[other]
    record(
        actor,
        moved,
        AuditEvent.Action.UPDATED,
        {"position": [index + 1, other + 1]},
        parent=moved.policy,
    )
    return RuleChange(moved, True, _schedule_reassign(None))
