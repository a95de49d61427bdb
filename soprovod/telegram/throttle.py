"""How many wrong link codes a chat, and all chats together, may send (django-ratelimit's
fixed windows in the «limits» cache: Redis, or files when there is no Redis).

A code is 8 characters of 32 (2^40) and lives up to 72 hours, so guessing one is hopeless
only while guesses are few: a chat gets ``TELEGRAM_LINK_ATTEMPTS`` wrong codes per
``TELEGRAM_LINK_WINDOW_MINUTES``, and all chats together ``TELEGRAM_LINK_ATTEMPTS_PER_HOUR``
(a run from many accounts). While a limit holds no code is even looked at, a right one
neither; the chat is told how long to wait. Only wrong codes count.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

CHAT_GROUP = "telegram.link.chat"
ALL_GROUP = "telegram.link.all"


def _limits(chat_id: int) -> list[tuple[str, str, int, int]]:
    """(group, key, limit, window in seconds) of each limit that applies to ``chat_id``."""
    return [
        (
            CHAT_GROUP,
            str(chat_id),
            settings.TELEGRAM_LINK_ATTEMPTS,
            settings.TELEGRAM_LINK_WINDOW_MINUTES * 60,
        ),
        (ALL_GROUP, "all", settings.TELEGRAM_LINK_ATTEMPTS_PER_HOUR, 3600),
    ]


def _usage(group: str, key: str, limit: int, period: int, *, increment: bool) -> dict | None:
    return get_usage(
        None,
        group=group,
        key=lambda _group, _request: key,
        rate=(limit, period),
        increment=increment,
    )


def _wait(usage: dict | None) -> int | None:
    """Seconds until the window ends when its limit is reached (0: unknown, the cache
    failed and the library refuses), else None."""
    if usage is None or usage["count"] < usage["limit"]:
        return None
    return max(usage["time_left"], 0)


def wait_for(chat_id: int) -> int | None:
    """How long ``chat_id`` must wait before a code is looked at (None: it need not)."""
    waits = [
        wait
        for group, key, limit, period in _limits(chat_id)
        if (wait := _wait(_usage(group, key, limit, period, increment=False))) is not None
    ]
    return max(waits) if waits else None


def count_wrong(chat_id: int) -> int | None:
    """Count a wrong code from ``chat_id``; returns the wait that starts now, if any."""
    waits = []
    for group, key, limit, period in _limits(chat_id):
        usage = _usage(group, key, limit, period, increment=True)
        if usage is not None and group == ALL_GROUP and usage["count"] == usage["limit"]:
            logger.warning(
                "Telegram: %s wrong link codes within the hour from all chats; linking by code "
                "pauses for %s s",
                usage["count"],
                usage["time_left"],
            )
        if (wait := _wait(usage)) is not None:
            waits.append(wait)
    return max(waits) if waits else None
