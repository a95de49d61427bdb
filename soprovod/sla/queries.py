"""Which clocks are running, breached and open: one home for each rule, shared by the queue,
the SLA checker, the KPI engine and the API (sla.md «Clocks»).

``running()`` and ``breached(now)`` are conditions (``Q``) on `SlaClock`, so they serve as
filters, in ``Exists`` subqueries and in ``Case``/``When`` alike. ``breached(now)`` agrees
with `clocks.evaluate` (a test holds them together): a stopped or paused clock's stored status
is the rules' verdict, a running one is judged against ``now``.

Whether a ticket is open is the ticket workflow's to say, and sla sits below tickets: the
tickets app tells it once at start-up with `connect_tickets` (from its ``AppConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from soprovod.sla.models import ClockStatus, Metric, PolicyRule, SlaClock, SlaPolicy


@dataclass(frozen=True)
class TicketRules:
    """What sla needs to know about tickets, given by the tickets app."""

    open_clock: Q  # a condition on SlaClock: its ticket is open
    open_tickets_on: Callable[[SlaPolicy], QuerySet]  # the open tickets following a policy
    # the open tickets of the clients with these ids (None: of every client)
    open_tickets_of: Callable[[list[int] | None], QuerySet] | None = None


_tickets: TicketRules | None = None


def connect_tickets(rules: TicketRules) -> None:
    global _tickets
    _tickets = rules


def _ticket_rules() -> TicketRules:
    if _tickets is None:
        raise ImproperlyConfigured("soprovod.tickets is not installed: no ticket is ever open")
    return _tickets


def running() -> Q:
    """A clock that is ticking now: not stopped, not paused."""
    return Q(stopped_at__isnull=True, paused_since__isnull=True)


def breached(now: dt.datetime) -> Q:
    """sla.md: a clock is breached when it stopped after its due time or is still running past
    it. The stored status says so for stopped and paused clocks (set by the clock rules); a
    running clock is judged against ``now``, since the stored status is refreshed only by the
    periodic checker."""
    return Q(status=ClockStatus.BREACHED) | Q(running(), due_at__lt=now)


def counts_for_sla() -> Q:
    """A clock that decides whether its ticket meets SLA: first response and resolution
    (sla.md «Target and ceiling»: the ceiling never turns a ticket into a breach)."""
    return Q(metric__in=[Metric.FIRST_RESPONSE, Metric.RESOLUTION])


def breaches_sla(now: dt.datetime) -> Q:
    """A clock that makes its ticket breach SLA at ``now``: `breached` among the clocks that
    count for SLA. The queue, the ticket's status and the KPI engine use this one."""
    return counts_for_sla() & breached(now)


def overdue(now: dt.datetime) -> Q:
    """A clock not stopped that is past its due time: running past it, or paused after it
    (`clocks.evaluate` for a clock that has not stopped)."""
    return Q(stopped_at__isnull=True) & (
        Q(paused_since__isnull=True, due_at__lt=now)
        | Q(paused_since__isnull=False, paused_since__gt=F("due_at"))
    )


def open_clocks() -> QuerySet[SlaClock]:
    """Clocks that may still change: not frozen, of an open ticket."""
    return SlaClock.objects.filter(_ticket_rules().open_clock, frozen=False)


def open_tickets_on(policy: SlaPolicy) -> QuerySet:
    """The open tickets that follow ``policy`` (those without a policy follow the default)."""
    return _ticket_rules().open_tickets_on(policy)


def open_tickets_of(client_ids: list[int] | None) -> QuerySet:
    """The open tickets of these clients (None: every open ticket with a client)."""
    rules = _ticket_rules()
    if rules.open_tickets_of is None:
        raise ImproperlyConfigured("soprovod.tickets did not say which tickets are open")
    return rules.open_tickets_of(client_ids)


# ---- which policy a client's tickets get (SLA по договору) ----------------------------------


def default_policy() -> SlaPolicy:
    """The shipped fallback (sla.md «Default policy»)."""
    policy = SlaPolicy.objects.filter(is_default=True).first()
    if policy is None:
        raise SlaPolicy.DoesNotExist(_("No default SLA policy is configured."))
    return policy


def _norm(value: str) -> str:
    return " ".join((value or "").split()).casefold()


class PolicyResolver:
    """`policy_for` with the rules read once, for callers that resolve many clients (the
    import replay, the recalculation after a rule change).

    The order: the client's own rule; then the tariff and segment rules in the head's order
    (the first that matches the client's tariff or segment wins); then the default policy.
    Rules of a retired policy are skipped (a retired policy is assigned to nothing)."""

    def __init__(self) -> None:
        self.default = default_policy()
        rules = list(
            PolicyRule.objects.filter(policy__retired_at__isnull=True)
            .select_related("policy")
            .order_by("position", "pk")
        )
        self.by_client = {r.client_id: r for r in rules if r.kind == PolicyRule.Kind.CLIENT}
        self.general = [r for r in rules if r.kind != PolicyRule.Kind.CLIENT]

    def rule_for(self, client) -> PolicyRule | None:
        """The rule that decides ``client``'s policy, or None (the default applies)."""
        if client is None:
            return None
        own = self.by_client.get(client.pk)
        if own is not None:
            return own
        tariff, segment = _norm(client.tariff), _norm(client.segment)
        for rule in self.general:
            wanted = _norm(rule.value)
            if rule.kind == PolicyRule.Kind.TARIFF and wanted == tariff:
                return rule
            if rule.kind == PolicyRule.Kind.SEGMENT and wanted == segment:
                return rule
        return None

    def __call__(self, client) -> SlaPolicy:
        rule = self.rule_for(client)
        return rule.policy if rule is not None else self.default


def policy_for(client) -> SlaPolicy:
    """The SLA policy a new ticket of ``client`` gets (None: a ticket without a client gets
    the default). The one place that decides it: ticket creation, the import replay and the
    recalculation after a rule change all ask here."""
    return PolicyResolver()(client)


def rule_for(client) -> PolicyRule | None:
    """The assignment rule that gives ``client`` its policy (None: the default applies)."""
    return PolicyResolver().rule_for(client)
