"""The rules at work: which rules match a ticket (`matches`), what each would change
(`plan`), and applying them through the ticket actions (`on_ticket_written`, the listener
`tickets.hooks` calls on every create and update). `plan` writes nothing, so the dry run is
the same code as the real thing.

Rules run in their order; each matching rule's actions apply on top of the previous ones;
a matching rule with «stop here» ends the run. An assignment never replaces an assignee a
ticket already has unless the rule says so (`reassign`). A rule fires — and is recorded —
only when it changes something or notifies someone."""

from __future__ import annotations

import contextvars
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.models import User
from soprovod.accounts.queries import absences_on, users_with_role
from soprovod.accounts.roles import SUPPORT_STAFF
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.core.notify import notify
from soprovod.routing.models import Assign, BusinessHours, Firing, Rule
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import TicketType, WorkCalendar
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets import hooks
from soprovod.tickets.models import OPEN_STATUSES, Priority, Ticket, TicketMessage

# Set while the rules write: their own updates do not start another run.
_applying: contextvars.ContextVar[bool] = contextvars.ContextVar("routing_applying", default=False)


def _fold(text: str) -> str:
    return (text or "").lower().replace("ё", "е")


def first_text(ticket: Ticket) -> str:
    """The client's first message (the request's text)."""
    cached = getattr(ticket, "_routing_text", None)
    if cached is not None:
        return cached
    return (
        TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.PUBLIC)
        .order_by("created_at", "pk")
        .values_list("body", flat=True)
        .first()
        or ""
    )


def in_business_hours(at: dt.datetime) -> bool:
    """Within the department's working hours (the default work calendar of the SLA)."""
    calendar = WorkCalendar.objects.filter(is_default=True).first() or WorkCalendar.objects.first()
    if calendar is None:
        return True
    return business_calendar(calendar).is_working(at)


@dataclass
class State:
    """What a run keeps between tickets: the round robin's cursors and open-ticket counts
    (the dry run moves them in memory only)."""

    cursors: dict[int, int | None] = field(default_factory=dict)
    load: Counter | None = None
    pools: dict[str, list[User]] = field(default_factory=dict)

    def pool(self, role: str, at: dt.datetime) -> list[User]:
        if role not in self.pools:
            roles = [role] if role else list(SUPPORT_STAFF)
            away = set(absences_on(at).values_list("person_id", flat=True))
            self.pools[role] = [
                user
                for user in users_with_role(*roles).filter(is_active=True).order_by("pk")
                if user.pk not in away
            ]
        return self.pools[role]

    def open_load(self) -> Counter:
        if self.load is None:
            rows = (
                Ticket.objects.filter(status__in=OPEN_STATUSES, assignee__isnull=False)
                .values("assignee_id")
                .annotate(n=Count("pk"))
            )
            self.load = Counter({row["assignee_id"]: row["n"] for row in rows})
        return self.load


def matches(rule: Rule, ticket: Ticket, at: dt.datetime, text: str | None = None) -> bool:
    if rule.channels and ticket.channel not in rule.channels:
        return False
    if rule.client_id and ticket.client_id != rule.client_id:
        return False
    client = ticket.client if ticket.client_id else None
    if rule.tariff and (client is None or _fold(client.tariff) != _fold(rule.tariff)):
        return False
    if rule.segment and (client is None or _fold(client.segment) != _fold(rule.segment)):
        return False
    if rule.category_id and ticket.category_id != rule.category_id:
        return False
    if rule.ticket_type and ticket.type != rule.ticket_type:
        return False
    words = [_fold(w).strip() for w in rule.words.split(",") if w.strip()]
    if words:
        haystack = (
            _fold(ticket.subject) + "\n" + _fold(first_text(ticket) if text is None else text)
        )
        if not any(word in haystack for word in words):
            return False
    if rule.business_hours != BusinessHours.ANY:
        inside = in_business_hours(at)
        if inside != (rule.business_hours == BusinessHours.INSIDE):
            return False
    return True


@dataclass
class Plan:
    """What one rule would do to one ticket."""

    rule: Rule
    values: dict  # for tickets.actions.do_update_ticket
    changes: dict  # {label key: [old, new]} for the history and the dry run
    watchers: list[User]
    notify: list[User]

    @property
    def fires(self) -> bool:
        return bool(self.values or self.watchers or self.notify)


def _label(value) -> str | None:
    return None if value in (None, "") else str(value)


def _pick_assignee(rule: Rule, ticket: Ticket, at: dt.datetime, state: State) -> User | None:
    if rule.assign == Assign.PERSON:
        return rule.assign_person
    if rule.assign == Assign.SUCCESS_MANAGER:
        manager = ticket.client.success_manager if ticket.client_id else None
        return manager if manager is not None and manager.is_support_staff else None
    pool = state.pool(rule.assign_role, at)
    if not pool:
        return None
    if rule.assign == Assign.ROUND_ROBIN:
        last = state.cursors.get(rule.pk, rule.last_assigned_id)
        later = [user for user in pool if last is None or user.pk > last]
        chosen = (later or pool)[0]
        state.cursors[rule.pk] = chosen.pk
        return chosen
    if rule.assign == Assign.LEAST_LOADED:
        load = state.open_load()
        return min(pool, key=lambda user: (load[user.pk], user.pk))
    return None


def plan(rule: Rule, ticket: Ticket, at: dt.datetime, state: State) -> Plan:
    """What ``rule`` would change on ``ticket`` as it stands (no writes)."""
    values, changes = {}, {}
    if rule.assign and (ticket.assignee_id is None or rule.reassign):
        person = _pick_assignee(rule, ticket, at, state)
        if person is not None and person.pk != ticket.assignee_id:
            values["assignee"] = person
            changes["assignee"] = [_label(ticket.assignee), str(person)]
    if rule.set_type and rule.set_type != ticket.type:
        values["type"] = rule.set_type
        changes["type"] = [str(TicketType(ticket.type).label), str(TicketType(rule.set_type).label)]
    if rule.set_category_id and rule.set_category_id != ticket.category_id:
        values["category"] = rule.set_category
        changes["category"] = [_label(ticket.category), str(rule.set_category)]
    if rule.set_priority and rule.set_priority != ticket.priority:
        values["priority"] = rule.set_priority
        changes["priority"] = [
            str(Priority(ticket.priority).label),
            str(Priority(rule.set_priority).label),
        ]
    watching = {user.pk for user in ticket.watchers.all()} if ticket.pk else set()
    watchers = [user for user in rule.add_watchers.all() if user.pk not in watching]
    if watchers:
        changes["watchers"] = [None, ", ".join(str(user) for user in watchers)]
    to_notify = list(rule.notify_users.all())
    if to_notify:
        changes["notified"] = [None, ", ".join(str(user) for user in to_notify)]
    return Plan(rule, values, changes, watchers, to_notify)


def _simulate(ticket: Ticket, item: Plan, state: State) -> None:
    """Carry a plan's changes on the in-memory ticket, so the next rule sees them."""
    for name, value in item.values.items():
        if name == "assignee":
            if state.load is not None:
                if ticket.assignee_id:
                    state.load[ticket.assignee_id] -= 1
                state.load[value.pk] += 1
            ticket.assignee = value
        else:
            setattr(ticket, name, value)


ACTIVE_KEY = "routing:active-rules"


def any_active_rules() -> bool:
    """Whether any rule is on (cached: a ticket write with no rules costs no query). Saving
    or deleting a rule clears it (`signals` in apps.py)."""
    cached = cache.get(ACTIVE_KEY)
    if cached is None:
        cached = Rule.objects.filter(is_active=True).exists()
        cache.set(ACTIVE_KEY, cached, 3600)
    return bool(cached)


def forget_active_rules(**_kwargs) -> None:
    cache.delete(ACTIVE_KEY)


def rules_for(event: str) -> list[Rule]:
    flag = Q(on_create=True) if event == hooks.CREATED else Q(on_update=True)
    return list(
        Rule.objects.filter(flag, is_active=True)
        .select_related("assign_person", "set_category")
        .prefetch_related("add_watchers", "notify_users")
        .order_by("position", "pk")
    )


def run(ticket: Ticket, event: str, at: dt.datetime, rules: list[Rule], state: State) -> list[Plan]:
    """The plans of the rules that match, in order, each seeing the ones before (in memory
    only); a matching rule with «stop here» ends the list."""
    plans = []
    for rule in rules:
        if not matches(rule, ticket, at):
            continue
        item = plan(rule, ticket, at, state)
        if item.fires:
            plans.append(item)
            _simulate(ticket, item, state)
        if rule.stop_processing:
            break
    return plans


def on_ticket_written(ticket: Ticket, event: str, actor) -> bool:
    """The `tickets.hooks` listener: apply the matching rules to a ticket just written.
    Returns True when a rule changed the ticket."""
    if _applying.get() or not any_active_rules():
        return False
    rules = rules_for(event)
    if not rules:
        return False
    token = _applying.set(True)
    try:
        return apply(ticket, event, rules)
    finally:
        _applying.reset(token)


def apply(ticket: Ticket, event: str, rules: list[Rule], at: dt.datetime | None = None) -> bool:
    now = timezone.now()
    at = at or (ticket.created_at if event == hooks.CREATED else now)
    fresh = Ticket.objects.select_related("client__success_manager", "assignee", "category").get(
        pk=ticket.pk
    )
    state = State()
    plans = run(fresh, event, at, rules, state)
    changed = False
    for item in plans:
        current = Ticket.objects.get(pk=ticket.pk)
        if item.values:
            ticket_actions.do_update_ticket(None, current, **item.values)
            changed = True
        if item.watchers:
            ticket_actions.do_add_watchers(None, current, item.watchers, audit=False)
            changed = True
        if item.notify:
            notify(
                item.notify,
                key=f"routing:{item.rule.pk}:{ticket.pk}:{event}:{now.isoformat()}",
                text=_("Rule «%(rule)s»: ticket #%(number)s %(subject)s")
                % {"rule": item.rule.name, "number": ticket.pk, "subject": fresh.subject},
                url=reverse("tickets:detail", args=[ticket.pk]),
                email=False,
            )
        record(
            None,
            current,
            AuditEvent.Action.OTHER,
            {"rule": [None, item.rule.name], **item.changes},
            reason=_("Routing rule «%(rule)s» (%(event)s)")
            % {
                "rule": item.rule.name,
                "event": _("on create") if event == hooks.CREATED else _("on change"),
            },
        )
        Firing.objects.create(
            rule=item.rule, ticket_id=ticket.pk, event=event, at=now, changes=item.changes
        )
        update = {"fired_count": F("fired_count") + 1, "last_fired_at": now}
        if item.rule.pk in state.cursors and "assignee" in item.values:
            update["last_assigned"] = item.values["assignee"]
        Rule.objects.filter(pk=item.rule.pk).update(**update)
    return changed


@dataclass(frozen=True)
class DryRow:
    ticket: Ticket
    matched: bool
    changes: dict


def dry_run(rule: Rule, limit: int = 100) -> list[DryRow]:
    """What ``rule`` alone would have done to the last ``limit`` tickets, each as it is now,
    at its creation time (business hours). Writes nothing."""
    tickets = list(
        Ticket.objects.select_related("client__success_manager", "assignee", "category")
        .prefetch_related("watchers")
        .order_by("-created_at", "-pk")[:limit]
    )
    texts = {}
    for ticket_id, body in (
        TicketMessage.objects.filter(
            ticket_id__in=[t.pk for t in tickets], kind=TicketMessage.Kind.PUBLIC
        )
        .order_by("created_at", "pk")
        .values_list("ticket_id", "body")
    ):
        texts.setdefault(ticket_id, body)
    state = State()
    rows = []
    for ticket in tickets:
        ticket._routing_text = texts.get(ticket.pk, "")
        if not matches(rule, ticket, ticket.created_at):
            rows.append(DryRow(ticket, False, {}))
            continue
        item = plan(rule, ticket, ticket.created_at, state)
        _simulate(ticket, item, state)
        rows.append(DryRow(ticket, True, item.changes))
    return rows
