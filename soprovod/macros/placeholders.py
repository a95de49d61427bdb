"""The placeholders of a macro's text: ``{{ клиент }}``, ``{{ номер }}``… replaced by plain
substitution, never through the template engine, so a macro's text cannot run template code
(``{% … %}`` or a filter stays text) and a value is inserted as it is (the page escapes it).

The one syntax, shown on the macro form: a Russian name in double braces, spaces inside
optional, case ignored. An unknown name is refused when the macro is saved and left as it
is when rendering."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from soprovod.sla.models import Metric, SlaClock
from soprovod.tickets.templatetags.tickets_ui import department_time

PATTERN = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def _client(ticket, agent) -> str:
    return ticket.client.name if ticket.client_id else ""


def _contact(ticket, agent) -> str:
    if ticket.contact_id:
        return ticket.contact.full_name
    return ticket.requester_email


def _due(ticket, agent) -> str:
    clock = SlaClock.objects.filter(ticket=ticket, metric=Metric.RESOLUTION).only("due_at").first()
    return department_time(clock.due_at) if clock and clock.due_at else ""


def _agent(ticket, agent) -> str:
    if agent is None:
        return ""
    return agent.get_full_name() or agent.get_username()


# name → (what it is, how to get it)
PLACEHOLDERS: dict[str, tuple[object, Callable]] = {
    "клиент": (_("client's name"), _client),
    "контакт": (_("contact's name"), _contact),
    "номер": (_("ticket number"), lambda ticket, agent: str(ticket.pk)),
    "тема": (_("ticket subject"), lambda ticket, agent: ticket.subject),
    "срок": (_("resolution due time (Moscow time)"), _due),
    "агент": (_("your name"), _agent),
}


def unknown_names(text: str) -> list[str]:
    """The placeholder names in ``text`` that are not known (to refuse on save)."""
    names = (match.group(1).lower() for match in PATTERN.finditer(text or ""))
    return sorted({name for name in names if name not in PLACEHOLDERS})


def render(text: str, ticket, agent) -> str:
    """``text`` with every known placeholder replaced by its value for ``ticket`` and
    ``agent`` (each value computed once)."""
    values: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name = match.group(1).lower()
        if name not in PLACEHOLDERS:
            return match.group(0)
        if name not in values:
            values[name] = PLACEHOLDERS[name][1](ticket, agent)
        return values[name]

    return PATTERN.sub(replace, text or "")


def help_text() -> str:
    """The placeholders for the form's help: «{{ клиент }} — имя клиента, …»."""
    return ", ".join(
        f"{{{{ {name} }}}} — {label}" for name, (label, _getter) in PLACEHOLDERS.items()
    )
