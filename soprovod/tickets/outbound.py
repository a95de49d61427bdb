"""Channels other than mail that carry a ticket's public staff messages to the client.

Mail is the tickets' own channel (`tickets.mail`). A channel of a higher app (the Telegram
bot) registers here from its ``AppConfig.ready``; the one outbound job
(`tickets.tasks.send_message`) hands every public staff message to mail and to each
registered channel, so a reply goes out through the same queue whatever carries it.

A channel's ``deliver(message_id)`` sends what it has for the message (nothing when the
client is not reachable on it, or it went out already: it must be idempotent) and raises
`RetryLater` when the far side asked it to wait (Telegram's 429 with ``retry_after``); the
job then runs again after that many seconds, and mail, sent once already, is not sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


class RetryLater(Exception):  # noqa: N818 - a request, not an error
    """The channel was told to wait ``seconds`` before it tries again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry in {seconds} s")
        self.seconds = max(1.0, float(seconds))


Deliver = Callable[[int], object]
_channels: dict[str, Deliver] = {}


def register_channel(name: str, deliver: Deliver) -> None:
    """Add (or replace, under the same name) a channel that carries public staff messages."""
    _channels[name] = deliver


def deliver(message_id: int) -> float | None:
    """Hand one message to every registered channel. Returns the longest wait a channel
    asked for (None when none did); another channel's failure is logged and left to that
    channel's own sweep, so one channel never holds back the others or the mail."""
    wait = None
    for name, channel in list(_channels.items()):
        try:
            channel(message_id)
        except RetryLater as later:
            wait = max(wait or 0.0, later.seconds)
        except Exception:
            logger.exception("Channel %s could not deliver message %s", name, message_id)
    return wait
