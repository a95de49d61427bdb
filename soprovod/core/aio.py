"""Running a client library's coroutine from synchronous code (the Bitrix24 and Telegram
clients are asynchronous; Soprovod's views, jobs and commands are not).

`run` takes a function that makes the coroutine, not the coroutine itself, so the coroutine
is created where it is awaited: where an event loop already runs in the calling thread (an
async caller, Playwright's sync API in the browser tests), ``asyncio.run`` would refuse it
and leave a coroutine never awaited; there the call gets a thread and a loop of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Await ``make()`` to the end and give its result (or raise its exception)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
