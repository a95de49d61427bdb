"""The one door to the Telegram Bot API: python-telegram-bot's `Bot`, configured from
settings (``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL``), called from synchronous code.

Every other module of the app talks to Telegram through the functions here, so the library
(asynchronous) stays in one place: each call opens the bot, makes its request and closes it
(`core.aio.run`). Updates come back as plain dicts (the Bot API's own JSON), which is what the
webhook receives too, so both ways in share one handler.

Errors: `RetryAfter` (429, with ``retry_after`` seconds) and the library's `TelegramError`s
propagate; `NotConfigured` when the token is not set.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from django.conf import settings
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from soprovod.core import aio

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NetworkError",
    "NotConfigured",
    "RetryAfter",
    "TelegramError",
    "answer_callback",
    "delete_webhook",
    "download_file",
    "enabled",
    "get_updates",
    "retry_seconds",
    "send_message",
    "set_webhook",
]

T = TypeVar("T")

# The library's time periods (``RetryAfter.retry_after``) become timedeltas in its next major
# version and it warns on every 429 until told to use them now; this module is the only reader.
os.environ.setdefault("PTB_TIMEDELTA", "1")


class NotConfigured(RuntimeError):
    """TELEGRAM_BOT_TOKEN is not set: the channel is off."""


def enabled() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds (a timedelta with ``PTB_TIMEDELTA`` set above; an int if an
    operator's environment says otherwise)."""
    value = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def _run(work: Callable[[Bot], Awaitable[T]], poll_timeout: int = 0) -> T:
    """Open a bot, run ``work`` with it, close its connections. The bot is not initialised
    (that would ask getMe on every call): its request objects are ready once built."""
    if not enabled():
        raise NotConfigured("TELEGRAM_BOT_TOKEN is not set")
    base = settings.TELEGRAM_API_BASE_URL.rstrip("/")

    async def main() -> T:
        requests = (
            HTTPXRequest(connect_timeout=10, read_timeout=30, write_timeout=30),
            HTTPXRequest(connect_timeout=10, read_timeout=poll_timeout + 15),
        )
        bot = Bot(
            settings.TELEGRAM_BOT_TOKEN,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=requests[0],
            get_updates_request=requests[1],
        )
        try:
            return await work(bot)
        finally:
            for request in requests:
                await request.shutdown()

    return aio.run(main)


def _markup(buttons: list[list[list[str]]] | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )


def get_updates(offset: int, timeout: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """Updates from ``offset`` on (asking with it acknowledges every update below it)."""

    async def work(bot: Bot) -> list[dict[str, Any]]:
        updates: tuple[Update, ...] = await bot.get_updates(
            offset=offset,
            timeout=timeout,
            limit=limit,
            allowed_updates=["message", "callback_query"],
        )
        return [update.to_dict() for update in updates]

    return _run(work, poll_timeout=timeout)


def send_message(chat_id: int, text: str, buttons=None) -> int:
    """Send a text; returns Telegram's message id."""

    async def work(bot: Bot) -> int:
        sent = await bot.send_message(chat_id, text[:4096], reply_markup=_markup(buttons))
        return sent.message_id

    return _run(work)


def send_document(chat_id: int, content: bytes, filename: str, caption: str = "") -> int:
    """Send a file (a staff reply's attachment); returns Telegram's message id."""

    async def work(bot: Bot) -> int:
        sent = await bot.send_document(
            chat_id, document=content, filename=filename, caption=caption[:1024] or None
        )
        return sent.message_id

    return _run(work)


def download_file(file_id: str) -> bytes:
    """The content of a file a user sent (getFile, then the file download URL)."""

    async def work(bot: Bot) -> bytes:
        file = await bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())

    return _run(work)


def answer_callback(callback_id: str, text: str = "") -> None:
    async def work(bot: Bot) -> None:
        await bot.answer_callback_query(callback_id, text=text[:200] or None)

    _run(work)


def set_webhook(url: str, secret_token: str) -> None:
    async def work(bot: Bot) -> None:
        await bot.set_webhook(
            url,
            secret_token=secret_token or None,
            allowed_updates=["message", "callback_query"],
        )

    _run(work)


def delete_webhook() -> None:
    async def work(bot: Bot) -> None:
        await bot.delete_webhook()

    _run(work)
