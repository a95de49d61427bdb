"""Waiting for something another process does: ask again until it is there or time is up."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(condition: Callable[[], T], *, seconds: float, every: float) -> T | None:
    """Call ``condition`` every ``every`` seconds until it gives something true, and return
    that; ``None`` when ``seconds`` have passed without it (the caller says what it waited
    for)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(every)
