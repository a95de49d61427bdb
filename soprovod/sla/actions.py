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
    business_calendar,
    day_minutes,
    parse_hours,
)
from soprovod.sla.models import (
    CalendarDay,
    Metric,
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

    existing = {
        (t.ticket_type, t.metric): t
        for t in SlaTarget.objects.filter(policy=current).select_related("calendar")
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
        target = target or SlaTarget(policy=current, ticket_type=ticket_type, metric=metric)
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

    if not policy_changes and not target_events:
        return PolicyUpdate(current, False, Recompute.NONE, [])
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    if policy_changes:
        record(actor, current, AuditEvent.Action.UPDATED, policy_changes, reason=reason)
    for target, action, changes in target_events:
        if action == AuditEvent.Action.DELETED:
            record(actor, target, action, changes, reason=reason, parent=current)
            target.delete()
        else:
            target.save()
            record(actor, target, action, changes, reason=reason, parent=current)
    # The warning threshold and the name move no due time; targets do.
    recompute = _schedule_policy_recompute(current) if target_events else Recompute.NONE
    warnings = ceiling_warnings(
        target for target, action, _changes in target_events if action != AuditEvent.Action.DELETED
    )
    return PolicyUpdate(current, True, recompute, warnings)


def ceiling_warnings(targets, now: dt.datetime | None = None) -> list[str]:
    """sla.md «Target and ceiling»: the ceiling is calendar time, the target business time,
    and the ceiling is never earlier than the target. Where the target reaches past the
    calendar days (the shipped consultation: 48 business hours, 5 calendar days), the
    ceiling is the target itself and nothing is left to extend: say so, as information —
    it is the rule, not a fault. Measured for a ticket created at the next working instant
    from ``now``."""
    now = now or timezone.now()
    warnings = []
    for target in targets:
        if not target.ceiling_minutes:
            continue
        engine = business_calendar(target.calendar)
        start = engine.next_working_instant(now)
        due = engine.add(start, target.target_minutes)
        ceiling = dt.timedelta(minutes=target.ceiling_minutes)
        if due - start > ceiling:
            warnings.append(
                _(
                    "%(type)s: the resolution target reaches past the ceiling in calendar "
                    "time (a ticket created on %(start)s is due on %(due)s; the calendar days "
                    "end on %(ceiling)s), so the ceiling is the target itself and the due time "
                    "cannot be extended."
                )
                % {
                    "type": target.get_ticket_type_display(),
                    "start": timezone.localtime(start).strftime("%d.%m.%Y %H:%M"),
                    "due": timezone.localtime(due).strftime("%d.%m.%Y %H:%M"),
                    "ceiling": timezone.localtime(start + ceiling).strftime("%d.%m.%Y %H:%M"),
                }
            )
    return warnings
