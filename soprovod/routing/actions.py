"""Every write to the routing rules (architecture.md «A write»): audited. Applying the rules
to tickets is `engine.py`, through the ticket actions. Callers check permissions first."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record, record_saved, snapshot
from soprovod.routing.models import Assign, Rule

FIELDS = (
    "name",
    "is_active",
    "on_create",
    "on_update",
    "stop_processing",
    "channels",
    "client",
    "tariff",
    "segment",
    "category",
    "ticket_type",
    "words",
    "business_hours",
    "assign",
    "assign_person",
    "assign_role",
    "reassign",
    "set_type",
    "set_category",
    "set_priority",
)
MANY = ("add_watchers", "notify_users")


class RuleError(ValueError):
    """A rule the checks refuse; the message says why."""


def _check(rule: Rule) -> None:
    if not rule.name.strip():
        raise RuleError(_("Give the rule a name."))
    if rule.assign == Assign.PERSON:
        if rule.assign_person is None:
            raise RuleError(_("Choose the person to assign to."))
        if not rule.assign_person.is_support_staff:
            raise RuleError(_("Tickets can only be assigned to support staff."))
    if not (rule.on_create or rule.on_update):
        raise RuleError(_("Choose when the rule runs: on create, on change or both."))


def _many(rule: Rule) -> dict:
    return {name: sorted(str(u) for u in getattr(rule, name).all()) for name in MANY}


@transaction.atomic
def do_save_rule(actor, rule: Rule | None = None, **values) -> Rule:
    """Create a rule (last in the order) or change one."""
    creating = rule is None
    if creating:
        rule = Rule(position=(Rule.objects.aggregate(m=Max("position"))["m"] or 0) + 10)
        before = {}
    else:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        before = {**snapshot(rule, FIELDS), **_many(rule)}
    many = {name: values.pop(name) for name in MANY if name in values}
    for name, value in values.items():
        if name not in FIELDS:
            raise TypeError(name)
        setattr(rule, name, value)
    rule.name = rule.name.strip()[:120]
    _check(rule)
    rule.save()
    for name, users in many.items():
        getattr(rule, name).set(users)
    record_saved(actor, rule, before, {**snapshot(rule, FIELDS), **_many(rule)}, created=creating)
    return rule


@transaction.atomic
def do_delete_rule(actor, rule: Rule) -> None:
    record(actor, rule, AuditEvent.Action.DELETED, {"name": [rule.name, None]})
    rule.delete()


@transaction.atomic
def do_move_rule(actor, rule: Rule, direction: int) -> None:
    """Move ``rule`` one place up (-1) or down (+1) in the order; the order is renumbered."""
    rules = list(Rule.objects.select_for_update().order_by("position", "pk"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    target = index + (1 if direction > 0 else -1)
    if not 0 <= target < len(rules):
        return
    rules[index], rules[target] = rules[target], rules[index]
    for position, item in enumerate(rules, start=1):
        if item.position != position * 10:
            Rule.objects.filter(pk=item.pk).update(position=position * 10)
    record(actor, rule, AuditEvent.Action.UPDATED, {"order": [index + 1, target + 1]})
