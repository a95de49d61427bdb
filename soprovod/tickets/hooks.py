"""What this app tells the apps above it when a ticket is written (architecture.md «Upward
reactions»): `routing` listens in its ``AppConfig.ready`` and applies its rules to a ticket
just created or changed, through these same actions. Tickets know nothing of it.

A listener is called inside the writing action's transaction, after the ticket is saved and
audited, with ``(ticket, event, actor)``: ``event`` is ``"created"`` or ``"updated"``. It
returns True when it changed the ticket (the action then reads the ticket again, so its
caller sees what the listener did)."""

from __future__ import annotations

from collections.abc import Callable

CREATED = "created"
UPDATED = "updated"

TicketListener = Callable[[object, str, object], bool]

_listeners: dict[str, TicketListener] = {}


def register_ticket_listener(name: str, listener: TicketListener) -> None:
    """Call ``listener`` after every ticket write; registering ``name`` again replaces it."""
    _listeners[name] = listener


def unregister_ticket_listener(name: str) -> None:
    _listeners.pop(name, None)


def ticket_written(ticket, event: str, actor) -> bool:
    """Tell every listener; True when any of them changed the ticket."""
    changed = False
    for listener in list(_listeners.values()):
        changed = bool(listener(ticket, event, actor)) or changed
    return changed
