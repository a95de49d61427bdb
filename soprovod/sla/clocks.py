"""The SLA clock rules of sla.md «Clocks», applied to `SlaClock` rows.

The ticket workflow calls these functions inside its own transaction; they never commit,
notify or audit on their own (except `extend_due`, which is an action of its own).

A clock's business time so far is ``between(started_at, t) - paused_seconds`` (minus the
open pause), so its due time is ``add(started_at, target + extension + paused_seconds)``.
``resolution_ceiling`` runs on calendar time (no calendar) and never pauses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.lib.businesstime import BusinessCalendar
from soprovod.sla import queries
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import (
    ClockStatus,
    Metric,
    SlaClock,
    SlaPause,
    SlaPolicy,
    SlaTarget,
    WorkCalendar,
)

UTC = dt.UTC


class ExtensionError(ValueError):
    """An extension that the rules refuse; the message says why."""


# ---- arithmetic on a clock's own calendar ------------------------------------------------


def engine(clock: SlaClock) -> BusinessCalendar | None:
    """The business-time engine of the clock, or None for calendar time."""
    return business_calendar(clock.calendar) if clock.calendar_id else None


def add_seconds(cal: BusinessCalendar | None, start: dt.datetime, seconds: int) -> dt.datetime:
    """``start`` plus ``seconds`` of business time on ``cal`` (calendar time when None)."""
    if cal is None:
        return start + dt.timedelta(seconds=seconds)
    return cal.add_seconds(start, seconds)


def seconds_between(cal: BusinessCalendar | None, a: dt.datetime, b: dt.datetime) -> int:
    """Business seconds from ``a`` to ``b`` on ``cal`` (calendar time when None), never < 0."""
    if cal is None:
        return max(0, int((b - a).total_seconds()))
    return cal.between_seconds(a, b)


def allowed_seconds(clock: SlaClock) -> int:
    return clock.target_seconds + clock.extension_seconds


def elapsed_seconds(clock: SlaClock, at: dt.datetime) -> int:
    """Business seconds the clock has run by ``at`` (pauses excluded)."""
    cal = engine(clock)
    end = min(at, clock.stopped_at) if clock.stopped_at else at
    spent = seconds_between(cal, clock.started_at, end) - clock.paused_seconds
    if clock.paused_since and clock.paused_since < end:
        spent -= seconds_between(cal, clock.paused_since, end)
    return max(0, spent)


def remaining_seconds(clock: SlaClock, at: dt.datetime) -> int:
    """Business seconds left until due (negative when overdue)."""
    return allowed_seconds(clock) - elapsed_seconds(clock, at)


def refresh_due(clock: SlaClock, cal: BusinessCalendar | None) -> None:
    """The due time from the clock's start, allowance and pauses (module doc)."""
    clock.due_at = add_seconds(cal, clock.started_at, allowed_seconds(clock) + clock.paused_seconds)


def evaluate(clock: SlaClock, now: dt.datetime) -> str:
    """sla.md: met (stopped on or before due), breached (stopped after due, or still running
    past due), pending (running, not yet due). A paused clock is breached if it was already
    overdue when the pause began."""
    if clock.stopped_at is not None:
        return ClockStatus.MET if clock.stopped_at <= clock.due_at else ClockStatus.BREACHED
    if clock.paused_since is not None:
        return ClockStatus.BREACHED if clock.paused_since > clock.due_at else ClockStatus.PENDING
    return ClockStatus.BREACHED if now > clock.due_at else ClockStatus.PENDING


# ---- starting ----------------------------------------------------------------------------


def default_policy() -> SlaPolicy:
    policy = SlaPolicy.objects.filter(is_default=True).first()
    if policy is None:
        raise SlaPolicy.DoesNotExist(_("No default SLA policy is configured."))
    return policy


def targets_for(policy: SlaPolicy, ticket_type: str) -> list[SlaTarget]:
    return list(
        SlaTarget.objects.filter(policy=policy, ticket_type=ticket_type).select_related("calendar")
    )


def build_clocks(
    ticket, now: dt.datetime | None = None, *, targets: list[SlaTarget] | None = None
) -> list[SlaClock]:
    """Unsaved clocks for a new ticket from its policy (or the default), started at its
    creation time. A bulk caller may pass the ticket type's ``targets`` it already loaded."""
    if targets is None:
        targets = targets_for(ticket.policy or default_policy(), ticket.type)
    clocks = []
    for target in targets:
        cal = business_calendar(target.calendar)
        clock = SlaClock(
            ticket=ticket,
            metric=target.metric,
            calendar=target.calendar,
            calendar_version=target.calendar.version,
            target_seconds=target.target_minutes * 60,
            started_at=ticket.created_at,
        )
        refresh_due(clock, cal)
        if target.ceiling_minutes:
            clock.ceiling_at = ticket.created_at + dt.timedelta(minutes=target.ceiling_minutes)
            ceiling = SlaClock(
                ticket=ticket,
                metric=Metric.RESOLUTION_CEILING,
                calendar=None,
                target_seconds=target.ceiling_minutes * 60,
                started_at=ticket.created_at,
                ceiling_at=clock.ceiling_at,
            )
            refresh_due(ceiling, None)
            clocks.append(ceiling)
        clocks.append(clock)
    now = now or timezone.now()
    for clock in clocks:
        clock.status = evaluate(clock, now)
    return clocks


def start_clocks(ticket, now: dt.datetime | None = None) -> list[SlaClock]:
    """Create and save the clocks of a new ticket."""
    clocks = build_clocks(ticket, now)
    SlaClock.objects.bulk_create(clocks)
    return clocks


# ---- the workflow's events -----------------------------------------------------------------


def _clock(ticket, metric: str) -> SlaClock | None:
    return (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(ticket=ticket, metric=metric)
        .first()
    )


def stop(clock: SlaClock, at: dt.datetime) -> SlaClock:
    """Stop a clock (first public reply, or resolution). A running pause ends at ``at``."""
    if clock.stopped_at is not None:
        return clock
    cal = engine(clock)
    if clock.paused_since is not None:
        _close_pause(clock, cal, at)
    clock.stopped_at = max(at, clock.started_at)
    clock.elapsed_seconds = elapsed_seconds(clock, clock.stopped_at)
    clock.status = evaluate(clock, at)
    clock.save()
    return clock


def pause(
    clock: SlaClock, at: dt.datetime, reason: str = SlaPause.Reason.WAITING_CLIENT
) -> SlaClock:
    """Pause a running resolution clock (sla.md: while the ticket waits for the client)."""
    if clock.metric != Metric.RESOLUTION or clock.stopped_at or clock.paused_since:
        return clock
    clock.paused_since = max(at, clock.started_at)
    clock.status = evaluate(clock, at)
    clock.save()
    SlaPause.objects.create(clock=clock, started_at=clock.paused_since, reason=reason)
    return clock


def _close_pause(clock: SlaClock, cal: BusinessCalendar | None, at: dt.datetime) -> None:
    end = max(at, clock.paused_since)
    clock.paused_seconds += seconds_between(cal, clock.paused_since, end)
    SlaPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=end)
    clock.paused_since = None
    refresh_due(clock, cal)


def resume(clock: SlaClock, at: dt.datetime) -> SlaClock:
    """End a pause: the due time moves by the business time spent waiting."""
    if clock.paused_since is None:
        return clock
    _close_pause(clock, engine(clock), at)
    clock.status = evaluate(clock, at)
    clock.save()
    return clock


def reopen(clock: SlaClock, at: dt.datetime) -> SlaClock:
    """sla.md: reopening restarts the resolution clock from where it stopped — the time
    already spent counts, the time the ticket stood resolved does not. The calendar-time
    ceiling runs on from creation."""
    if clock.stopped_at is None:
        return clock
    cal = engine(clock)
    if clock.metric == Metric.RESOLUTION:
        end = max(at, clock.stopped_at)
        SlaPause.objects.create(
            clock=clock, started_at=clock.stopped_at, ended_at=end, reason=SlaPause.Reason.RESOLVED
        )
        clock.paused_seconds += seconds_between(cal, clock.stopped_at, end)
        refresh_due(clock, cal)
    clock.stopped_at = None
    clock.elapsed_seconds = None
    clock.status = evaluate(clock, at)
    clock.save()
    return clock


def on_first_public_reply(ticket, at: dt.datetime) -> None:
    clock = _clock(ticket, Metric.FIRST_RESPONSE)
    if clock:
        stop(clock, at)


def on_waiting_client(ticket, at: dt.datetime) -> None:
    clock = _clock(ticket, Metric.RESOLUTION)
    if clock:
        pause(clock, at)


def on_client_replied(ticket, at: dt.datetime) -> None:
    clock = _clock(ticket, Metric.RESOLUTION)
    if clock:
        resume(clock, at)


def on_resolved(ticket, at: dt.datetime) -> None:
    for metric in (Metric.RESOLUTION, Metric.RESOLUTION_CEILING):
        clock = _clock(ticket, metric)
        if clock:
            stop(clock, at)


def on_reopened(ticket, at: dt.datetime) -> None:
    for metric in (Metric.RESOLUTION, Metric.RESOLUTION_CEILING):
        clock = _clock(ticket, metric)
        if clock:
            reopen(clock, at)


def on_closed(ticket) -> None:
    """A closed ticket keeps its outcome: recalculation never touches it again."""
    SlaClock.objects.filter(ticket=ticket).update(frozen=True)


def refresh_statuses(now: dt.datetime | None = None) -> int:
    """Mark running clocks that passed their due time as breached (one UPDATE)."""
    now = now or timezone.now()
    return SlaClock.objects.filter(
        queries.running(), status=ClockStatus.PENDING, due_at__lt=now
    ).update(status=ClockStatus.BREACHED)


# ---- extension ---------------------------------------------------------------------------


def extend_due(clock: SlaClock, new_due: dt.datetime, *, actor, reason: str) -> SlaClock:
    """Move a resolution due time later, with a written reason kept in the audit trail;
    never past the ceiling (sla.md «Target and ceiling»)."""

    reason = (reason or "").strip()
    if not reason:
        raise ExtensionError(_("Say why the due time is extended."))
    if clock.metric != Metric.RESOLUTION or clock.ceiling_at is None:
        raise ExtensionError(_("Only a resolution due time with a ceiling can be extended."))
    if clock.stopped_at is not None or clock.frozen:
        raise ExtensionError(_("The clock has stopped: its due time can no longer change."))
    if new_due <= clock.due_at:
        raise ExtensionError(_("The new due time must be later than the current one."))
    if new_due > clock.ceiling_at:
        raise ExtensionError(
            _("The new due time is past the ceiling (%(ceiling)s).")
            % {"ceiling": timezone.localtime(clock.ceiling_at).strftime("%d.%m.%Y %H:%M")}
        )
    cal = engine(clock)
    old_due = clock.due_at
    reach = seconds_between(cal, clock.started_at, new_due) - clock.paused_seconds
    if clock.paused_since is not None:
        reach -= seconds_between(cal, clock.paused_since, new_due)
    clock.extension_seconds = max(clock.extension_seconds, reach - clock.target_seconds)
    refresh_due(clock, cal)
    if clock.due_at > clock.ceiling_at:  # the new due fell in non-working time past the ceiling
        clock.due_at = clock.ceiling_at
    clock.status = evaluate(clock, timezone.now())
    clock.save()
    record(
        actor,
        clock.ticket,
        AuditEvent.Action.OTHER,
        {"resolution_due": [old_due.isoformat(), clock.due_at.isoformat()]},
        reason=reason,
    )
    return clock


# ---- recalculation -----------------------------------------------------------------------


def recompute_ticket(ticket, now: dt.datetime | None = None) -> list[SlaClock]:
    """After a change of the ticket's type or policy: rebuild its clocks from the new
    targets, keeping when they started, their pauses and whether they stopped. Closed
    tickets are left as they were."""
    if not ticket.is_open:
        return list(ticket.clocks.all())
    now = now or timezone.now()
    old = {c.metric: c for c in SlaClock.objects.select_for_update().filter(ticket=ticket)}
    pauses = list(SlaPause.objects.filter(clock__ticket=ticket, clock__metric=Metric.RESOLUTION))
    fresh = build_clocks(ticket, now)
    keep = []
    for clock in fresh:
        previous = old.pop(clock.metric, None)
        if previous is not None:
            clock.pk = previous.pk
            clock.stopped_at = previous.stopped_at
            clock.paused_since = (
                previous.paused_since if clock.metric == Metric.RESOLUTION else None
            )
            clock.extension_seconds = previous.extension_seconds if clock.ceiling_at else 0
        cal = engine(clock)
        if clock.metric == Metric.RESOLUTION:
            clock.paused_seconds = sum(
                seconds_between(cal, p.started_at, p.ended_at)
                for p in pauses
                if p.ended_at is not None
            )
        refresh_due(clock, cal)
        if clock.stopped_at is not None:
            clock.elapsed_seconds = elapsed_seconds(clock, clock.stopped_at)
        clock.status = evaluate(clock, now)
        keep.append(clock)
    # Metrics the new targets no longer have (e.g. no ceiling for an emergency) go first.
    SlaClock.objects.filter(pk__in=[c.pk for c in old.values()]).delete()
    for clock in keep:
        clock.save()  # a kept metric reuses its row, so its pauses stay attached
    return keep


def recompute_for_calendar(
    calendar: WorkCalendar, now: dt.datetime | None = None, *, chunk: int = 5000
) -> int:
    """After a calendar edit: recompute the due times (and pause lengths) of every running
    or paused clock of open tickets on that calendar, vectorised. Returns the count."""
    now = now or timezone.now()
    calendar.refresh_from_db()
    cal = business_calendar(calendar)
    ids = list(
        queries.open_clocks()
        .filter(calendar=calendar, stopped_at__isnull=True)
        .values_list("pk", flat=True)
    )
    done = 0
    for offset in range(0, len(ids), chunk):
        with transaction.atomic():
            done += _recompute_chunk(ids[offset : offset + chunk], cal, now, calendar.version)
    return done


def _recompute_chunk(ids: list[int], cal: BusinessCalendar, now: dt.datetime, version: int) -> int:
    """Lock the clocks and recompute those still running: a clock stopped meanwhile (a ticket
    resolved during the recalculation) keeps what its stop wrote."""
    batch = list(
        SlaClock.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, stopped_at__isnull=True, frozen=False)
        .only(
            "pk",
            "calendar_id",
            "started_at",
            "target_seconds",
            "extension_seconds",
            "paused_since",
            "ceiling_at",
            "due_at",
            "stopped_at",
            "status",
        )
    )
    recompute_clocks(batch, cal, now, version)
    SlaClock.objects.bulk_update(
        batch, ["due_at", "paused_seconds", "status", "calendar_version"], batch_size=1000
    )
    return len(batch)


def recompute_clocks(
    clocks: list[SlaClock], cal: BusinessCalendar, now: dt.datetime, calendar_version: int
) -> None:
    """Vectorised recomputation of ``paused_seconds`` and ``due_at`` for running/paused
    clocks on one calendar (the batch path of the SLA issue)."""
    if not clocks:
        return
    index = {c.pk: i for i, c in enumerate(clocks)}
    rows = list(
        SlaPause.objects.filter(clock_id__in=index, ended_at__isnull=False).values_list(
            "clock_id", "started_at", "ended_at"
        )
    )
    paused = np.zeros(len(clocks), dtype=np.int64)
    if rows:
        owner = np.fromiter((index[r[0]] for r in rows), dtype=np.int64, count=len(rows))
        a = np.fromiter((r[1].timestamp() for r in rows), dtype=np.float64, count=len(rows))
        b = np.fromiter((r[2].timestamp() for r in rows), dtype=np.float64, count=len(rows))
        paused = np.bincount(owner, weights=cal.between_many(a, b), minlength=len(clocks)).astype(
            np.int64
        )
    starts = np.fromiter(
        (c.started_at.timestamp() for c in clocks), dtype=np.float64, count=len(clocks)
    )
    budget = np.fromiter(
        (c.target_seconds + c.extension_seconds for c in clocks), dtype=np.int64, count=len(clocks)
    )
    dues = cal.add_many(starts, budget + paused)
    for clock, seconds, due in zip(clocks, paused, dues, strict=True):
        clock.paused_seconds = int(seconds)
        clock.due_at = dt.datetime.fromtimestamp(float(due), tz=UTC)
        if clock.ceiling_at and clock.extension_seconds and clock.due_at > clock.ceiling_at:
            clock.due_at = clock.ceiling_at
        clock.status = evaluate(clock, now)
        clock.calendar_version = calendar_version


def recompute_for_policy(policy: SlaPolicy, now: dt.datetime | None = None) -> int:
    """After a policy edit: rebuild the clocks of every open ticket on that policy."""
    tickets = queries.open_tickets_on(policy)
    count = 0
    for ticket in tickets.iterator(chunk_size=500):
        with transaction.atomic():
            recompute_ticket(ticket, now)
        count += 1
    return count


def ticket_sla_status(statuses: Iterable[str]) -> str:
    """A ticket meets SLA when every metric is met; breached if any is; else pending."""
    statuses = list(statuses)
    if ClockStatus.BREACHED in statuses:
        return ClockStatus.BREACHED
    if not statuses or ClockStatus.PENDING in statuses:
        return ClockStatus.PENDING
    return ClockStatus.MET
