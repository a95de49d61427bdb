"""What this app tells the apps above it (architecture.md «Upward reactions»): a person read
and understood a version of an internal rule. `team` listens in its ``AppConfig.ready`` and
records the training item whose link names the article as completed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

ReadListener = Callable[[object, object, int, dt.date], None]

_listeners: dict[str, ReadListener] = {}


def register_read_listener(name: str, listener: ReadListener) -> None:
    """Call ``listener(person, article, version, read_on)`` inside the marking's
    transaction; registering ``name`` again replaces it."""
    _listeners[name] = listener


def rule_read(person, article, version: int, read_on: dt.date) -> None:
    for listener in _listeners.values():
        listener(person, article, version, read_on)
