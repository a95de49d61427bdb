"""Every write to a macro, and using one on a ticket (architecture.md «A write»).

Using a macro sets its fields through the ticket actions (`soprovod.tickets.actions`), the
same audited writes as the ticket page: a type change recomputes the SLA clocks, «waiting
for the client» pauses them, a resolution stops them and tells the client. Callers check
permissions first (`macros.permissions`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record, save_audited, snapshot
from soprovod.core.errors import StaleObjectError
from soprovod.macros import placeholders
from soprovod.macros.models import Macro
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Ticket, TicketStatus

FIELDS = (
    "title",
    "body",
    "shared",
    "set_status",
    "set_type",
    "set_category",
    "set_assignee",
    "assign_to_me",
    "set_priority",
    "add_tags",
)


class MacroError(ValueError):
    """A macro the rules refuse; the message says why."""


def _check(macro: Macro) -> None:
    if not macro.title.strip():
        raise MacroError(_("Give the macro a title."))
    unknown = placeholders.unknown_names(macro.body)
    if unknown:
        raise MacroError(
            _("Unknown placeholders: %(names)s. Known: %(known)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "known": ", ".join(f"{{{{ {name} }}}}" for name in placeholders.PLACEHOLDERS),
            }
        )
    if macro.set_assignee_id and not macro.set_assignee.is_support_staff:
        raise MacroError(_("Tickets can only be assigned to support staff."))
    if macro.set_assignee_id and macro.assign_to_me:
        raise MacroError(_("Choose one: a named assignee or whoever uses the macro."))
    if not macro.body.strip() and not macro.sets_fields:
        raise MacroError(_("A macro needs a reply text or a field to set."))


@transaction.atomic
def do_save_macro(actor, macro: Macro | None = None, **values) -> Macro:
    """Create a macro (``macro`` None; the actor owns it) or change one."""
    if macro is None:
        macro = Macro(owner=actor)
        before = None
    else:
        macro = Macro.objects.select_for_update().get(pk=macro.pk)
        before = snapshot(macro, FIELDS)
    for name, value in values.items():
        if name not in FIELDS:
            raise TypeError(name)
        setattr(macro, name, value)
    macro.title = macro.title.strip()[:120]
    macro.add_tags = ", ".join(ticket_actions.tag_names(macro.add_tags))
    _check(macro)
    save_audited(actor, macro, FIELDS, before)
    return macro


@transaction.atomic
def do_delete_macro(actor, macro: Macro) -> None:
    record(actor, macro, AuditEvent.Action.DELETED, {"title": [macro.title, None]})
    macro.delete()


@dataclass(frozen=True)
class Used:
    text: str  # the reply text, placeholders filled
    ticket: Ticket  # the ticket as it is now
    changed: bool  # the macro set fields on the ticket


def _field_values(macro: Macro, actor) -> dict:
    values = {}
    if macro.set_type:
        values["type"] = macro.set_type
    if macro.set_category_id:
        values["category"] = macro.set_category
    if macro.assign_to_me:
        values["assignee"] = actor
    elif macro.set_assignee_id:
        values["assignee"] = macro.set_assignee
    if macro.set_priority:
        values["priority"] = macro.set_priority
    if macro.add_tags.strip():
        values["add_tags"] = macro.add_tags
    return values


@transaction.atomic
def do_use_macro(
    actor, macro: Macro, ticket: Ticket, *, expected_version: int | None = None
) -> Used:
    """Use ``macro`` on ``ticket``: set its fields (type, category, assignee, priority,
    tags, then status) through the ticket actions, count the use, and return the reply
    text with the placeholders filled for the ticket as it now is. All or nothing: a change
    the ticket rules refuse (e.g. resolving without a category) refuses the whole use."""
    version_before = Ticket.objects.filter(pk=ticket.pk).values_list("version", flat=True).get()
    if expected_version is not None and expected_version != version_before:
        raise StaleObjectError(Ticket.objects.get(pk=ticket.pk))
    values = _field_values(macro, actor)
    if values:
        ticket = ticket_actions.do_update_ticket(actor, ticket, **values)
    if macro.set_status:
        current = Ticket.objects.get(pk=ticket.pk)
        if macro.set_status != current.status:
            if current.status == TicketStatus.RESOLVED and macro.set_status == TicketStatus.OPEN:
                ticket_actions.do_reopen(actor, current, reason=macro.title)
            else:
                ticket_actions.do_change_status(
                    actor, current, macro.set_status, reason=macro.title, require_category=True
                )
    ticket = Ticket.objects.select_related("client", "contact").get(pk=ticket.pk)
    changed = ticket.version != version_before
    if changed:
        record(actor, ticket, AuditEvent.Action.OTHER, {"macro": [None, macro.title]})
    Macro.objects.filter(pk=macro.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )
    return Used(placeholders.render(macro.body, ticket, actor), ticket, changed)
