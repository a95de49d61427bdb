"""The SLA clock rules of sla.md «Clocks», applied to `SlaClock` rows.

The ticket workflow calls these functions inside its own transaction; they never commit,
notify or audit on their own (except `extend_due`, which is an action of its own).

A ticket's clocks are kept as a cache of one rule applied to its history: when they started,
when they stopped, and the pauses of its resolution clock (`SlaPause` rows: waiting for the
client, and the time between a resolution and a reopening). Every event of the workflow
writes that history and then settles the ticket's clocks from it with
`soprovod.lib.clockrules.settle` — the same function the import replay, the recalculations,
the data migration and `soprovod verify` use, so following a ticket live and recomputing it
from its history give the same due times and outcomes (sla.md «Pauses and due times»).

A clock's due time is ``add(started_at, target + extension + paused_seconds)`` on its own
calendar, where ``paused_seconds`` counts only the pauses that began on or before the due
time; pauses that began after it are in ``late_paused_seconds`` (they do not move the due
time, yet the clock did not run). ``resolution_ceiling`` runs on calendar time, pauses with
the resolution clock and is never earlier than the resolution target (sla.md «Target and
ceiling»).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.core.errors import StateConflict
from soprovod.lib import clockrules
from soprovod.lib.businesstime import BusinessCalendar, CalendarSpec, get_calendar
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
from soprovod.sla.signals import clocks_were_written

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
STATUSES = [ClockStatus(name) for name in clockrules.STATUS_NAMES]
# The clocks that decide whether a ticket meets SLA (sla.md: its first response and its
# resolution). The ceiling limits extensions and escalates; it is no SLA outcome.
SLA_METRICS = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
# The fields `settle` computes (the rest is history: started, stopped, allowances).
SETTLED_FIELDS = [
    "due_at",
    "ceiling_at",
    "paused_since",
    "paused_seconds",
    "late_paused_seconds",
    "stopped_at",
    "elapsed_seconds",
    "status",
]


class ExtensionError(ValueError):
    """An extension that the rules refuse; the message says why."""


class ExtensionStateError(StateConflict, ExtensionError):
    """Refused because of the clock's state (stopped, already breached, no ceiling), not
    because of the due time asked for: the API answers 409."""


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
    """Business seconds the clock has run by ``at`` (every pause excluded)."""
    cal = engine(clock)
    end = min(at, clock.stopped_at) if clock.stopped_at else at
    spent = (
        seconds_between(cal, clock.started_at, end)
        - clock.paused_seconds
        - clock.late_paused_seconds
    )
    if clock.paused_since and clock.paused_since < end:
        spent -= seconds_between(cal, clock.paused_since, end)
    return max(0, spent)


def remaining_seconds(clock: SlaClock, at: dt.datetime) -> int:
    """Business seconds left until due (negative when overdue)."""
    if clock.due_at is None:
        return 0
    cal = engine(clock)
    if clock.due_at >= at:
        return seconds_between(cal, at, clock.due_at)
    return -seconds_between(cal, clock.due_at, at)


def evaluate(clock: SlaClock, now: dt.datetime) -> str:
    """The clock's status as of ``now`` (sla.md: met — stopped on or before due; breached —
    stopped after due, or still running past due, or paused after it; pending — running, not
    yet due). What users and clients see is always this, never the stored status of a running
    clock, which only the periodic checker refreshes (`queries.breached` is the same rule in
    the database). A clock with no due time (data `soprovod verify` reports, never what
    the rules write) cannot be judged: it stays pending rather than failing every page."""
    if clock.due_at is None:
        return ClockStatus.PENDING
    if clock.stopped_at is not None:
        return ClockStatus.MET if clock.stopped_at <= clock.due_at else ClockStatus.BREACHED
    if clock.paused_since is not None:
        return ClockStatus.BREACHED if clock.paused_since > clock.due_at else ClockStatus.PENDING
    return ClockStatus.BREACHED if now > clock.due_at else ClockStatus.PENDING


def status_now(clock: SlaClock, now: dt.datetime | None = None) -> str:
    """`evaluate` at the current time: the status the API, the pages and the export show."""
    return evaluate(clock, now or timezone.now())


def ticket_status_now(clocks: Iterable[SlaClock], now: dt.datetime | None = None) -> str:
    """The ticket's SLA status as of now from its clocks (sla.md: it meets SLA when its first
    response and its resolution are met; the ceiling does not count)."""
    now = now or timezone.now()
    return ticket_sla_status(evaluate(c, now) for c in clocks if c.metric in SLA_METRICS)


# ---- settling clocks from their history ------------------------------------------------------


@dataclass
class TicketClocks:
    """One ticket's clocks and the pauses of its resolution clock, (start, end or None) in
    time order; ``now`` is the instant running clocks are judged at."""

    first_response: SlaClock | None = None
    resolution: SlaClock | None = None
    ceiling: SlaClock | None = None
    pauses: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    now: dt.datetime | None = None

    @classmethod
    def of(cls, clocks: Iterable[SlaClock], pauses=(), now=None) -> TicketClocks:
        group = cls(pauses=list(pauses), now=now)
        for clock in clocks:
            if clock.metric == Metric.FIRST_RESPONSE:
                group.first_response = clock
            elif clock.metric == Metric.RESOLUTION:
                group.resolution = clock
            elif clock.metric == Metric.RESOLUTION_CEILING:
                group.ceiling = clock
        return group

    def clocks(self) -> list[SlaClock]:
        return [c for c in (self.first_response, self.resolution, self.ceiling) if c is not None]


_ALWAYS_ON = ("calendar-time",)


def calendar_time() -> BusinessCalendar:
    return get_calendar(_ALWAYS_ON, 1, lambda: CalendarSpec.always_on("UTC"))


def engines(clocks: Iterable[SlaClock]) -> dict[int | None, BusinessCalendar]:
    """The engines of the clocks' calendars, in one query for those not loaded yet."""
    found: dict[int | None, BusinessCalendar] = {None: calendar_time()}
    missing = set()
    for clock in clocks:
        if clock.calendar_id in found:
            continue
        if SlaClock.calendar.is_cached(clock):
            found[clock.calendar_id] = business_calendar(clock.calendar)
        else:
            missing.add(clock.calendar_id)
    for calendar in WorkCalendar.objects.filter(pk__in=missing - set(found)):
        found[calendar.pk] = business_calendar(calendar)
    return found


def _epoch(value: dt.datetime | None) -> float:
    return np.nan if value is None else value.timestamp()


def _instant(epoch: float) -> dt.datetime | None:
    """Epoch seconds → an aware UTC datetime, to the microsecond as `clockrules` compares."""
    if np.isnan(epoch):
        return None
    return EPOCH + dt.timedelta(microseconds=int(clockrules.microseconds(epoch)))


class Facts(NamedTuple):
    """What a clock is computed from, as plain data (a model row, a historical model's row in
    a migration, a ``values_list`` tuple in `soprovod verify`)."""

    key: object  # the clock's primary key, or any key the caller maps back
    ticket: object  # the ticket's key: clocks of one ticket are settled together
    metric: str
    calendar_id: int | None
    started_at: dt.datetime
    target_seconds: int
    extension_seconds: int
    stopped_at: dt.datetime | None


FACT_FIELDS = list(Facts._fields[2:])  # the model fields after the two keys


def facts_of(clock: SlaClock, key=None, ticket=None) -> Facts:
    return Facts(
        clock.pk if key is None else key,
        clock.ticket_id if ticket is None else ticket,
        clock.metric,
        clock.calendar_id,
        clock.started_at,
        clock.target_seconds,
        clock.extension_seconds,
        clock.stopped_at,
    )


def recompute(
    facts: Iterable[Facts],
    pauses: dict[object, list[tuple[dt.datetime, dt.datetime | None]]],
    calendars: dict[int | None, BusinessCalendar],
    now: dt.datetime,
    now_by_ticket: dict[object, dt.datetime] | None = None,
) -> dict[object, dict[str, object]]:
    """Every computed field (`SETTLED_FIELDS`) of every clock, by its key, from the facts
    and the resolution pauses of each ticket (by ticket key, in time order), with one
    `clockrules.settle` call per calendar. Running clocks are judged at ``now`` (or at
    their ticket's instant in ``now_by_ticket``). No query: the live workflow, the replay,
    the recalculations, the data migration and `soprovod verify` all come through here."""
    tickets: dict[object, dict[str, Facts]] = defaultdict(dict)
    for fact in facts:
        tickets[fact.ticket][fact.metric] = fact
    rows: dict[int | None, list[tuple[Facts, object, Facts | None, bool]]] = defaultdict(list)
    for ticket, clocks in tickets.items():
        resolution = clocks.get(Metric.RESOLUTION)
        ceiling = clocks.get(Metric.RESOLUTION_CEILING)
        if resolution is not None:
            rows[resolution.calendar_id].append((resolution, ticket, ceiling, True))
        first = clocks.get(Metric.FIRST_RESPONSE)
        if first is not None:
            rows[first.calendar_id].append((first, ticket, None, False))
    out: dict[object, dict[str, object]] = {}
    for calendar_id, batch in rows.items():
        _recompute_batch(calendars[calendar_id], batch, pauses, now, now_by_ticket or {}, out)
    return out


def _recompute_batch(cal, batch, pauses, now, now_by_ticket, out) -> None:
    n = len(batch)
    lists = [pauses.get(ticket, ()) if main else () for _f, ticket, _c, main in batch]
    width = max([len(p) for p in lists] + [1])
    starts = np.full((n, width), np.nan)
    ends = np.full((n, width), np.nan)
    for i, intervals in enumerate(lists):
        for k, (begin, end) in enumerate(intervals):
            starts[i, k] = begin.timestamp()
            ends[i, k] = _epoch(end)
    default_now = now.timestamp()
    result = clockrules.settle(
        cal,
        started=np.fromiter((f.started_at.timestamp() for f, *_ in batch), np.float64, n),
        target=np.fromiter((f.target_seconds for f, *_ in batch), np.int64, n),
        extension=np.fromiter((f.extension_seconds for f, *_ in batch), np.int64, n),
        ceiling=np.fromiter((c.target_seconds if c else 0 for _f, _t, c, _m in batch), np.int64, n),
        stopped=np.fromiter((_epoch(f.stopped_at) for f, *_ in batch), np.float64, n),
        pause_starts=starts,
        pause_ends=ends,
        now=np.fromiter(
            (
                now_by_ticket[t].timestamp() if t in now_by_ticket else default_now
                for _f, t, _c, _m in batch
            ),
            np.float64,
            n,
        ),
    )
    due = [_instant(x) for x in result.due]
    since = [_instant(x) for x in result.paused_since]
    ceiling_due = [_instant(x) for x in result.ceiling_due]
    for i, (fact, _ticket, ceiling, _main) in enumerate(batch):
        stopped = None if fact.stopped_at is None else max(fact.stopped_at, fact.started_at)
        out[fact.key] = {
            "due_at": due[i],
            "ceiling_at": ceiling_due[i] if ceiling else None,
            "paused_since": since[i],
            "paused_seconds": int(result.paused[i]),
            "late_paused_seconds": int(result.late[i]),
            "stopped_at": stopped,
            "elapsed_seconds": None if result.elapsed[i] < 0 else int(result.elapsed[i]),
            "status": STATUSES[result.status[i]],
        }
        if ceiling is not None:
            elapsed = result.ceiling_elapsed[i]
            out[ceiling.key] = {
                "due_at": ceiling_due[i],
                "ceiling_at": ceiling_due[i],
                "paused_since": since[i],
                "paused_seconds": int(result.ceiling_paused[i]),
                "late_paused_seconds": int(result.ceiling_late[i]),
                "stopped_at": stopped,
                "elapsed_seconds": None if elapsed < 0 else int(elapsed),
                "status": STATUSES[result.ceiling_status[i]],
            }


def settle(
    groups: Iterable[TicketClocks],
    now: dt.datetime | None = None,
    calendars: dict[int | None, BusinessCalendar] | None = None,
) -> None:
    """Set every computed field of the groups' clocks from their history, in memory
    (`recompute`). ``now`` judges running clocks of groups that carry no ``now`` of their
    own. A ceiling starts and stops with its resolution clock."""
    now = now or timezone.now()
    groups = list(groups)
    if calendars is None:
        calendars = engines(c for g in groups for c in g.clocks())
    facts, pauses, now_by_ticket, objects = [], {}, {}, {}
    for index, group in enumerate(groups):
        for clock in group.clocks():
            objects[id(clock)] = clock
            facts.append(facts_of(clock, key=id(clock), ticket=index))
        pauses[index] = group.pauses
        if group.now is not None:
            now_by_ticket[index] = group.now
    for key, values in recompute(facts, pauses, calendars, now, now_by_ticket).items():
        clock = objects[key]
        for name, value in values.items():
            setattr(clock, name, value)
    for group in groups:
        if group.ceiling is not None and group.resolution is not None:
            group.ceiling.started_at = group.resolution.started_at


# ---- starting ----------------------------------------------------------------------------


def default_policy() -> SlaPolicy:
    return queries.default_policy()


def targets_for(policy: SlaPolicy, ticket_type: str) -> list[SlaTarget]:
    return list(
        SlaTarget.objects.filter(policy=policy, ticket_type=ticket_type).select_related("calendar")
    )


def build_clocks(
    ticket, now: dt.datetime | None = None, *, targets: list[SlaTarget] | None = None
) -> list[SlaClock]:
    """Unsaved, unsettled clocks for a new ticket from its policy (without one: the policy
    its client gets, `queries.policy_for`), started at its creation time. A bulk caller may
    pass the ticket type's ``targets`` it already loaded. `settle` computes their due
    times."""
    if targets is None:
        policy = ticket.policy or queries.policy_for(getattr(ticket, "client", None))
        targets = targets_for(policy, ticket.type)
    clocks = []
    for target in targets:
        clock = SlaClock(
            ticket=ticket,
            metric=target.metric,
            calendar=target.calendar,
            calendar_version=target.calendar.version,
            target_seconds=target.target_minutes * 60,
            started_at=ticket.created_at,
        )
        if target.ceiling_minutes:
            clocks.append(
                SlaClock(
                    ticket=ticket,
                    metric=Metric.RESOLUTION_CEILING,
                    calendar=None,
                    target_seconds=target.ceiling_minutes * 60,
                    started_at=ticket.created_at,
                )
            )
        clocks.append(clock)
    return clocks


def start_clocks(ticket, now: dt.datetime | None = None) -> list[SlaClock]:
    """Create and save the clocks of a new ticket."""
    now = now or timezone.now()
    clocks = build_clocks(ticket, now)
    settle([TicketClocks.of(clocks, now=now)])
    SlaClock.objects.bulk_create(clocks)
    return clocks


# ---- the workflow's events -----------------------------------------------------------------


def _locked(ticket) -> TicketClocks:
    """The ticket's clocks, locked, with the pauses of its resolution clock."""
    rows = list(
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(ticket=ticket)
        .order_by("pk")
    )
    group = TicketClocks.of(rows)
    if group.resolution is not None:
        group.pauses = list(
            SlaPause.objects.filter(clock=group.resolution)
            .order_by("started_at", "pk")
            .values_list("started_at", "ended_at")
        )
    return group


def _save(group: TicketClocks, at: dt.datetime) -> None:
    group.now = at
    settle([group])
    for clock in group.clocks():
        clock.save()


def _end_pause(group: TicketClocks, at: dt.datetime) -> None:
    """End the pause going on, if any, at ``at`` (never before it began)."""
    if not group.pauses or group.pauses[-1][1] is not None:
        return
    begin = group.pauses[-1][0]
    end = max(at, begin)
    group.pauses[-1] = (begin, end)
    SlaPause.objects.filter(clock=group.resolution, ended_at__isnull=True).update(ended_at=end)


def on_first_public_reply(ticket, at: dt.datetime) -> None:
    group = _locked(ticket)
    clock = group.first_response
    if clock is not None and clock.stopped_at is None:
        clock.stopped_at = max(at, clock.started_at)
        _save(group, at)


def on_waiting_client(ticket, at: dt.datetime) -> None:
    """sla.md: the resolution clock and the ceiling pause while the ticket waits for the
    client."""
    group = _locked(ticket)
    clock = group.resolution
    if clock is None or clock.stopped_at is not None or clock.paused_since is not None:
        return
    begin = max(at, clock.started_at)
    SlaPause.objects.create(clock=clock, started_at=begin, reason=SlaPause.Reason.WAITING_CLIENT)
    group.pauses.append((begin, None))
    _save(group, at)


def on_client_replied(ticket, at: dt.datetime) -> None:
    """The pause ends: it moves the due times only if it began before them."""
    group = _locked(ticket)
    if group.resolution is None or group.resolution.paused_since is None:
        return
    _end_pause(group, at)
    _save(group, at)


def on_resolved(ticket, at: dt.datetime) -> None:
    """The resolution clock and the ceiling stop; a pause going on ends."""
    group = _locked(ticket)
    clock = group.resolution
    if clock is None or clock.stopped_at is not None:
        return
    _end_pause(group, at)
    clock.stopped_at = max(at, clock.started_at)
    _save(group, at)


def on_reopened(ticket, at: dt.datetime) -> None:
    """sla.md: reopening restarts the resolution clock from where it stopped — the time
    already spent counts, the time the ticket stood resolved does not (a pause, which moves
    the due time only if the resolution came before it). The ceiling does the same."""
    group = _locked(ticket)
    clock = group.resolution
    if clock is None or clock.stopped_at is None:
        return
    end = max(at, clock.stopped_at)
    SlaPause.objects.create(
        clock=clock, started_at=clock.stopped_at, ended_at=end, reason=SlaPause.Reason.RESOLVED
    )
    group.pauses.append((clock.stopped_at, end))
    clock.stopped_at = None
    _save(group, at)


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
    never past the ceiling (sla.md «Target and ceiling»), and never for a clock already past
    its due time (it stays breached, sla.md «Pauses and due times»)."""

    reason = (reason or "").strip()
    now = timezone.now()
    if not reason:
        raise ExtensionError(_("Say why the due time is extended."))
    if clock.metric != Metric.RESOLUTION or clock.ceiling_at is None:
        raise ExtensionStateError(_("Only a resolution due time with a ceiling can be extended."))
    if clock.stopped_at is not None or clock.frozen:
        raise ExtensionStateError(_("The clock has stopped: its due time can no longer change."))
    if evaluate(clock, now) == ClockStatus.BREACHED:
        raise ExtensionStateError(_("The due time has passed: the resolution SLA stays breached."))
    if new_due <= clock.due_at:
        raise ExtensionError(_("The new due time must be later than the current one."))
    if new_due > clock.ceiling_at:
        raise ExtensionError(
            _("The new due time is past the ceiling (%(ceiling)s).")
            % {"ceiling": timezone.localtime(clock.ceiling_at).strftime("%d.%m.%Y %H:%M")}
        )
    group = _locked(clock.ticket)
    clock = group.resolution
    cal = engine(clock)
    old_due = clock.due_at
    reach = seconds_between(cal, clock.started_at, new_due) - clock.paused_seconds
    if clock.paused_since is not None:
        reach -= seconds_between(cal, clock.paused_since, new_due)
    clock.extension_seconds = max(clock.extension_seconds, reach - clock.target_seconds)
    _save(group, now)
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
    old = _locked(ticket)
    previous = {c.metric: c for c in old.clocks()}
    fresh = build_clocks(ticket, now)
    stopped = {c.metric: c.stopped_at for c in old.clocks()}
    for clock in fresh:
        before = previous.pop(clock.metric, None)
        if before is not None:
            clock.pk = before.pk
            clock.extension_seconds = before.extension_seconds
        if clock.metric == Metric.FIRST_RESPONSE:
            clock.stopped_at = stopped.get(Metric.FIRST_RESPONSE)
        else:
            clock.stopped_at = stopped.get(Metric.RESOLUTION)
    group = TicketClocks.of(fresh, pauses=old.pauses, now=now)
    if group.ceiling is None and group.resolution is not None:
        group.resolution.extension_seconds = 0  # no ceiling, nothing to extend to
    settle([group])
    # Metrics the new targets no longer have (e.g. no ceiling for an emergency) go first.
    SlaClock.objects.filter(pk__in=[c.pk for c in previous.values()]).delete()
    for clock in fresh:
        clock.save()  # a kept metric reuses its row, so its pauses stay attached
    return fresh


def recompute_for_calendar(
    calendar: WorkCalendar, now: dt.datetime | None = None, *, chunk: int = 2000
) -> int:
    """After a calendar edit: recompute the clocks of the open tickets with a clock on that
    calendar from their history, vectorised. Returns how many clocks on the calendar were
    recomputed."""
    now = now or timezone.now()
    calendar.refresh_from_db()
    ticket_ids = list(
        queries.open_clocks()
        .filter(calendar=calendar)
        .values_list("ticket_id", flat=True)
        .distinct()
        .order_by("ticket_id")
    )
    done = 0
    for offset in range(0, len(ticket_ids), chunk):
        with transaction.atomic():
            done += _recompute_chunk(ticket_ids[offset : offset + chunk], calendar, now)
    return done


def load_groups(ticket_ids: list[int], *, lock: bool = False) -> list[TicketClocks]:
    """The clocks of the tickets with their resolution pauses: two queries."""
    rows = SlaClock.objects.filter(ticket_id__in=ticket_ids).order_by("ticket_id", "pk")
    if lock:
        rows = rows.select_for_update(of=("self",))
    by_ticket: dict[int, list[SlaClock]] = defaultdict(list)
    for clock in rows:
        by_ticket[clock.ticket_id].append(clock)
    pauses: dict[int, list] = defaultdict(list)
    for ticket_id, begin, end in (
        SlaPause.objects.filter(clock__ticket_id__in=ticket_ids, clock__metric=Metric.RESOLUTION)
        .order_by("clock__ticket_id", "started_at", "pk")
        .values_list("clock__ticket_id", "started_at", "ended_at")
    ):
        pauses[ticket_id].append((begin, end))
    return [TicketClocks.of(by_ticket[pk], pauses[pk]) for pk in ticket_ids if pk in by_ticket]


def _recompute_chunk(ticket_ids: list[int], calendar: WorkCalendar, now: dt.datetime) -> int:
    """Lock the tickets' clocks and settle those not frozen meanwhile."""
    groups = [
        g for g in load_groups(ticket_ids, lock=True) if not any(c.frozen for c in g.clocks())
    ]
    settle(groups, now)
    batch = [c for g in groups for c in g.clocks()]
    for clock in batch:
        if clock.calendar_id == calendar.pk:
            clock.calendar_version = calendar.version
    SlaClock.objects.bulk_update(batch, [*SETTLED_FIELDS, "calendar_version"], batch_size=1000)
    clocks_were_written(SlaClock, ticket_ids={c.ticket_id for c in batch})
    return sum(1 for c in batch if c.calendar_id == calendar.pk)


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
    """A ticket meets SLA when every metric that counts is met; breached if any is; else
    pending. Callers pass the first-response and resolution statuses (`SLA_METRICS`)."""
    statuses = list(statuses)
    if ClockStatus.BREACHED in statuses:
        return ClockStatus.BREACHED
    if not statuses or ClockStatus.PENDING in statuses:
        return ClockStatus.PENDING
    return ClockStatus.MET
