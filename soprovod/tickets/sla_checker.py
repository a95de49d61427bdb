"""The SLA checker (sla.md «Warnings and escalations»), run every minute by the task
`sla.check`. It lives with the tickets because it escalates them; the clock rules it applies
are `soprovod.sla.clocks` and `soprovod.sla.queries`.

For every running clock of an open ticket:

- at the policy's warning ratio (80 % by default) of its allowed time, warn the assignee and
  the support managers;
- at breach, tell the support managers and the head and raise an `Escalation` to the head;
  an emergency target marked «escalate to the CEO», or any ticket past both its resolution
  ceiling and its resolution due time, is escalated to the CEO as well.

Exactly once: each notice is keyed by (clock, threshold, due time) — the `SlaNotification`
unique row, written in the same transaction as the notices and escalations it stands for.
Every clock is handled in a transaction of its own, so a worker that dies mid-run leaves the
clocks it finished finished and the rest untouched; the next run does the rest. An extension
gives a new due time and therefore new notices.

The warning instant is computed, not stored: a running clock has spent
``between(started, t) - paused_seconds`` business seconds at ``t``, so it reaches
``ratio × allowed`` at ``add(started, ceil(ratio × allowed) + paused_seconds)``. Only clocks
that are running, not yet due and not yet warned are candidates; their warning instants are
computed in one vectorised call per calendar.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for, users_with_role
from soprovod.accounts.roles import Role
from soprovod.core.notify import notify
from soprovod.sla import clocks
from soprovod.sla import queries as sla_queries
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import (
    ClockStatus,
    Metric,
    SlaClock,
    SlaNotification,
    SlaPolicy,
    SlaTarget,
    WorkCalendar,
)
from soprovod.tickets import actions
from soprovod.tickets.models import Escalation

logger = logging.getLogger(__name__)

WARNING = SlaNotification.Threshold.WARNING
BREACH = SlaNotification.Threshold.BREACH

# Sent once per notice (a clock's warning or breach for a due time), inside the transaction
# that records it, with ``clock`` (its ticket loaded), ``threshold``, ``due_at`` and ``key``
# (the notice's natural key). A part above the tickets adds its own way of telling people
# (the Telegram channel: the colleague on duty hears of an emergency ticket's warnings);
# what it writes commits or rolls back with the notice.
sla_notice = Signal()


@dataclass
class CheckResult:
    """What one run did (counts)."""

    marked_breached: int = 0  # clocks whose status turned to breached
    candidates: int = 0  # clocks that were due a notice when the run looked
    warnings: int = 0  # warning notices sent (one per clock and due time)
    breaches: int = 0  # breach notices sent
    escalations: int = 0  # escalations raised (head and CEO counted separately)
    failed: int = 0  # clocks that raised an error; the next run tries them again


@dataclass(frozen=True)
class _Rules:
    """The policies' warning ratios and CEO escalation flags, read once per run."""

    default_policy_id: int | None
    ratios: dict[int, Decimal]
    to_ceo: frozenset[tuple[int, str, str]]  # (policy, ticket type, metric)

    @classmethod
    def load(cls) -> _Rules:
        policies = list(SlaPolicy.objects.values_list("pk", "warning_ratio", "is_default"))
        return cls(
            default_policy_id=next((pk for pk, _ratio, default in policies if default), None),
            ratios={pk: Decimal(ratio) for pk, ratio, _default in policies},
            to_ceo=frozenset(
                SlaTarget.objects.filter(escalate_to_ceo=True).values_list(
                    "policy_id", "ticket_type", "metric"
                )
            ),
        )

    def policy_of(self, ticket) -> int | None:
        return ticket.policy_id or self.default_policy_id

    def ratio(self, policy_id: int | None) -> Decimal:
        return self.ratios.get(policy_id, Decimal("0.80"))

    def escalates_to_ceo(self, clock: SlaClock) -> bool:
        if clock.metric == Metric.RESOLUTION_CEILING:
            return True  # sla.md: any ticket past its ceiling
        return (self.policy_of(clock.ticket), clock.ticket.type, clock.metric) in self.to_ceo


def warning_budget(allowed_seconds: int, ratio: Decimal) -> int:
    """Business seconds after which a clock is at its warning threshold."""
    return math.ceil(Decimal(allowed_seconds) * ratio)


def warn_at(clock: SlaClock, ratio: Decimal) -> dt.datetime:
    """The instant a running clock reaches ``ratio`` of its allowed time."""
    seconds = warning_budget(clocks.allowed_seconds(clock), ratio) + clock.paused_seconds
    cal = clocks.engine(clock)
    if cal is None:
        return clock.started_at + dt.timedelta(seconds=seconds)
    return cal.add_seconds(clock.started_at, seconds)


def _is_overdue(clock: SlaClock, now: dt.datetime) -> bool:
    """sla_queries.overdue(now) for one clock that has not stopped."""
    return clocks.evaluate(clock, now) == ClockStatus.BREACHED


def _past_resolution_due(ceiling: SlaClock, now: dt.datetime) -> bool:
    """sla.md «Target and ceiling»: the ceiling escalates a ticket past both its ceiling and
    its (possibly extended) resolution due time. The ceiling is never earlier than the
    target, so this holds whenever the clocks are settled; it is checked, not assumed."""
    resolution = (
        SlaClock.objects.select_related("calendar")
        .filter(ticket_id=ceiling.ticket_id, metric=Metric.RESOLUTION)
        .first()
    )
    return resolution is not None and _is_overdue(resolution, now)


# ---- finding the clocks that are due a notice ------------------------------------------


def _live_clocks():
    return sla_queries.open_clocks().filter(stopped_at__isnull=True, due_at__isnull=False)


def _without_notice(queryset, threshold: str):
    sent = SlaNotification.objects.filter(
        clock=OuterRef("pk"), threshold=threshold, due_at=OuterRef("due_at")
    )
    return queryset.exclude(Exists(sent))


def _breach_candidates(now: dt.datetime) -> list[tuple[int, str, dt.datetime]]:
    rows = (
        _without_notice(_live_clocks().filter(sla_queries.overdue(now)), BREACH)
        .order_by("due_at", "pk")
        .values_list("pk", "due_at")
    )
    return [(pk, BREACH, due) for pk, due in rows]


def _warning_candidates(now: dt.datetime, rules: _Rules) -> list[tuple[int, str, dt.datetime]]:
    rows = list(
        _without_notice(_live_clocks().filter(paused_since__isnull=True, due_at__gte=now), WARNING)
        .order_by("due_at", "pk")
        .values_list(
            "pk",
            "calendar_id",
            "started_at",
            "target_seconds",
            "extension_seconds",
            "paused_seconds",
            "ticket__policy_id",
            "due_at",
        )
    )
    by_calendar: dict[int | None, list[tuple]] = defaultdict(list)
    for row in rows:
        by_calendar[row[1]].append(row)
    calendars = WorkCalendar.objects.in_bulk([pk for pk in by_calendar if pk is not None])
    due_now = []
    for calendar_id, group in by_calendar.items():
        starts = np.array([row[2].timestamp() for row in group], dtype=np.float64)
        budgets = np.array(
            [
                warning_budget(row[3] + row[4], rules.ratio(row[6] or rules.default_policy_id))
                + row[5]
                for row in group
            ],
            dtype=np.int64,
        )
        if calendar_id is None:
            instants = starts + budgets
        else:
            instants = business_calendar(calendars[calendar_id]).add_many(starts, budgets)
        limit = now.timestamp()
        due_now += [
            (row[0], WARNING, row[7])
            for row, at in zip(group, instants, strict=True)
            if float(at) <= limit
        ]
    return sorted(due_now, key=lambda item: (item[2], item[0]))


# ---- one clock, one transaction --------------------------------------------------------


def _ticket_url(ticket_id: int) -> str:
    return reverse("tickets:detail", args=[ticket_id])


def _users(*roles: str):
    return list(users_with_role(*roles))


def _key(clock: SlaClock, due_at: dt.datetime, suffix: str) -> str:
    return f"sla:{clock.pk}:{int(due_at.timestamp())}:{suffix}"


def _describe(clock: SlaClock, due_at: dt.datetime) -> dict[str, object]:
    return {
        "number": clock.ticket_id,
        "metric": Metric(clock.metric).label,
        "due": timezone.localtime(due_at).strftime("%d.%m.%Y %H:%M"),
        "subject": clock.ticket.subject,
    }


def _announce_warning(clock: SlaClock, due_at: dt.datetime) -> None:
    ticket = clock.ticket
    notify(
        [*acting_for(ticket.assignee), *_users(Role.SUPPORT_MANAGER)]
        if ticket.assignee
        else _users(Role.SUPPORT_MANAGER),
        key=_key(clock, due_at, WARNING),
        text=_("SLA warning: ticket #%(number)s, %(metric)s due %(due)s: %(subject)s")
        % _describe(clock, due_at),
        url=_ticket_url(ticket.pk),
    )


def _escalate(clock: SlaClock, due_at: dt.datetime, level: str, now: dt.datetime) -> bool:
    ticket = clock.ticket
    ceiling = clock.metric == Metric.RESOLUTION_CEILING
    reason = (
        _("Ticket #%(number)s is past its resolution ceiling (%(due)s).")
        if ceiling
        else _("SLA breached: %(metric)s of ticket #%(number)s was due %(due)s.")
    ) % _describe(clock, due_at)
    raised = actions.do_auto_escalate(
        ticket,
        level=level,
        source=Escalation.Source.CEILING if ceiling else Escalation.Source.SLA_BREACH,
        reason=reason,
        key=_key(clock, due_at, level),
        at=now,
    )
    return raised is not None


def _announce_breach(clock: SlaClock, due_at: dt.datetime, now: dt.datetime, rules: _Rules):
    """Tell the managers and the head; escalate to the head, and to the CEO when the rules
    say so. Returns how many escalations were raised."""
    ticket = clock.ticket
    details = _describe(clock, due_at)
    notify(
        [*_users(Role.SUPPORT_MANAGER), *acting_for(Role.HEAD, now)],
        key=_key(clock, due_at, BREACH),
        text=_("SLA breached: ticket #%(number)s, %(metric)s was due %(due)s: %(subject)s")
        % details,
        url=_ticket_url(ticket.pk),
    )
    raised = int(_escalate(clock, due_at, Escalation.Level.HEAD, now))
    if rules.escalates_to_ceo(clock):
        raised += int(_escalate(clock, due_at, Escalation.Level.CEO, now))
        notify(
            acting_for(Role.CEO, now),
            key=_key(clock, due_at, Escalation.Level.CEO),
            text=_(
                "Escalated to the CEO: ticket #%(number)s, %(metric)s was due %(due)s: %(subject)s"
            )
            % details,
            url=_ticket_url(ticket.pk),
        )
    return raised


def _handle_clock(
    clock_id: int, threshold: str, due_at: dt.datetime, now: dt.datetime, rules: _Rules
) -> int | None:
    """One notice for one clock, in its own transaction. Returns None when there was nothing
    (left) to do, else the number of escalations raised."""
    with transaction.atomic():
        clock = (
            SlaClock.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__assignee", "calendar")
            .filter(pk=clock_id)
            .first()
        )
        # The clock may have stopped, paused or moved since the candidates were read.
        if (
            clock is None
            or clock.stopped_at is not None
            or clock.frozen
            or clock.due_at != due_at
            or not clock.ticket.is_open
        ):
            return None
        if threshold == WARNING and (
            clock.paused_since is not None
            or _is_overdue(clock, now)
            or warn_at(clock, rules.ratio(rules.policy_of(clock.ticket))) > now
        ):
            return None
        if threshold == BREACH and not _is_overdue(clock, now):
            return None
        if clock.metric == Metric.RESOLUTION_CEILING and not _past_resolution_due(clock, now):
            return None
        try:
            with transaction.atomic():
                SlaNotification.objects.create(
                    clock=clock,
                    threshold=threshold,
                    due_at=due_at,
                    created_at=now,
                    delivered_at=now,
                )
        except IntegrityError:
            return None  # another run got there first
        sla_notice.send(
            sender=SlaClock,
            clock=clock,
            threshold=threshold,
            due_at=due_at,
            key=_key(clock, due_at, threshold),
        )
        if threshold == WARNING:
            _announce_warning(clock, due_at)
            return 0
        return _announce_breach(clock, due_at, now, rules)


def check_sla(now: dt.datetime | None = None) -> CheckResult:
    """Mark overdue clocks breached, then send every warning and breach notice that is due
    and not sent yet (sla.md «Warnings and escalations»)."""
    now = now or timezone.now()
    result = CheckResult()
    with translation.override(settings.LANGUAGE_CODE):
        result.marked_breached = clocks.refresh_statuses(now)
        rules = _Rules.load()
        # Breach first: a clock past due is not warned any more (the breach says more).
        todo = _breach_candidates(now) + _warning_candidates(now, rules)
        result.candidates = len(todo)
        for clock_id, threshold, due_at in todo:
            try:
                raised = _handle_clock(clock_id, threshold, due_at, now, rules)
            except Exception:
                logger.exception("SLA check failed for clock %s (%s)", clock_id, threshold)
                result.failed += 1
                continue
            if raised is None:
                continue
            if threshold == WARNING:
                result.warnings += 1
            else:
                result.breaches += 1
                result.escalations += raised
    return result
