"""The one module that talks to Bitrix24, over the maintained ``fast-bitrix24`` package.

Why that package: it takes the inbound webhook URL as it is (any scheme and host, so the tests
point it at a local fake portal), throttles every call with a leaky bucket (a burst of 50,
then 2 requests a second: Bitrix24's own limits), watches each method's operating time, and
retries a 5xx answer with a growing pause, which covers ``503 QUERY_LIMIT_EXCEEDED`` and
``503 OPERATION_TIME_LIMIT``. The official ``b24pysdk`` builds every URL as
``https://<domain>/rest``, so it cannot be pointed at a local server without TLS.

Everything else in the app calls ``Portal``: it pages lists by ``start`` or by the ``>ID``
cursor with ``start=-1``, splits batches into at most 50 commands, checks each answer's shape
and turns every failure into ``BitrixError`` whose message never carries the webhook URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from django.conf import settings
from fast_bitrix24 import BitrixAsync
from fast_bitrix24.server_response import ErrorInServerResponseException
from fast_bitrix24.srh import ServerError, ServerRequestHandler
from fast_bitrix24.utils import http_build_query

from soprovod.core import aio

PAGE = 50  # Bitrix24 lists answer 50 rows a page
BATCH_LIMIT = 50  # and `batch` takes at most 50 commands
BURST = 50
REQUESTS_PER_SECOND = 2.0
# A 503 (QUERY_LIMIT_EXCEEDED, OPERATION_TIME_LIMIT), a 5xx, a dropped connection or a
# timeout is retried this many times, with the library's growing pause (about 17 s for the
# ten), before the run stops on the error and keeps its checkpoint.
RETRIES = 10
# One request that takes longer than this is a network error (and retried): a portal that
# hangs must not hang the worker (aiohttp's own default is five minutes).
TIMEOUT = 60.0

# The library logs every call's arguments at INFO; keep the worker's log to what matters.
logging.getLogger("fast_bitrix24").setLevel(logging.WARNING)


class BitrixError(Exception):
    """Bitrix24 could not be read or refused a call; the message is safe to show and log."""


class NotConfigured(BitrixError):
    pass


def scrub(text: str) -> str:
    """``text`` with the configured webhook URL, or its secret code alone, masked: for any
    message that might quote a request (an exception from below, a library's words)."""
    url = settings.BITRIX24_WEBHOOK_URL
    if not url or not text:
        return text
    text = text.replace(url.rstrip("/"), masked(url).rstrip("/"))
    code = _code(url)
    return text.replace(code, "•••") if code else text


def _code(url: str) -> str:
    path = [p for p in urlsplit(url).path.split("/") if p]
    return path[2] if len(path) > 2 else ""


def is_configured() -> bool:
    return bool(settings.BITRIX24_WEBHOOK_URL)


def masked(url: str) -> str:
    """The webhook URL with its secret code hidden: https://portal/rest/1/•••/."""
    if not url:
        return ""
    parts = urlsplit(url)
    path = [p for p in parts.path.split("/") if p]
    user = path[1] if len(path) > 1 else "?"
    return f"{parts.scheme}://{parts.netloc}/rest/{user}/•••/"


def portal_address(url: str) -> str:
    """The portal's own address (for links to a company's card), without the secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


@dataclass
class Page:
    items: list[dict]
    next: int | None = None
    total: int | None = None


class Portal:
    """One Bitrix24 portal reached through its inbound webhook. Calls are synchronous; the
    throttle's state lives as long as the object, so keep one per sync run."""

    def __init__(
        self,
        webhook_url: str,
        *,
        burst: int = BURST,
        requests_per_second: float = REQUESTS_PER_SECOND,
        retries: int = RETRIES,
        timeout: float = TIMEOUT,
    ) -> None:
        if not webhook_url:
            raise NotConfigured("Bitrix24 is not configured: set BITRIX24_WEBHOOK_URL")
        self.address = portal_address(webhook_url)
        self.retries = retries
        self._bitrix = BitrixAsync(
            webhook_url,
            verbose=False,
            request_pool_size=burst,
            requests_per_second=float(requests_per_second),
            batch_size=BATCH_LIMIT,
        )
        # The library's request handler, with our retry budget and timeout (its own are
        # module constants: ten retries, no timeout but aiohttp's five minutes).
        self._bitrix.srh.__class__ = _Requests
        self._bitrix.srh.retries, self._bitrix.srh.timeout = retries, timeout

    @classmethod
    def from_settings(cls) -> Portal:
        return cls(settings.BITRIX24_WEBHOOK_URL)

    # ---- plumbing ----------------------------------------------------------------------

    def _run(self, make: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return aio.run(make)
        except aiohttp.ContentTypeError:
            raise BitrixError("Bitrix24 answered with something that is not JSON") from None
        except aiohttp.ClientResponseError as error:
            # str(error) names the URL, and the URL holds the webhook's secret code.
            raise BitrixError(f"Bitrix24 answered HTTP {error.status} {error.message}") from None
        except json.JSONDecodeError:
            raise BitrixError("Bitrix24 answered with broken JSON") from None
        except ErrorInServerResponseException as error:
            raise BitrixError(f"Bitrix24 refused a batch command: {_short(error.args)}") from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise BitrixError(f"Bitrix24 could not be reached: {type(error).__name__}") from None
        except _Exhausted as error:
            raise BitrixError(
                f"Bitrix24 kept failing ({self.retries} retries): {_cause(error.__cause__)}"
            ) from None
        except (TypeError, KeyError, IndexError, AttributeError) as error:
            # the library reading an answer of another shape than Bitrix24's (a proxy's JSON)
            raise BitrixError(
                f"Bitrix24 answered in an unexpected shape ({type(error).__name__})"
            ) from None
        except Exception as error:
            # Anything else the library or aiohttp raises: its words may quote the request
            # (the URL holds the secret), so they are scrubbed and the chain is cut.
            raise BitrixError(
                f"Bitrix24 call failed: {type(error).__name__}: {_short(scrub(str(error)))}"
            ) from None

    def call(self, method: str, params: dict | None = None) -> dict:
        """One call; the whole answer (``result``, ``total``, ``next``, ``time``)."""
        answer = self._run(lambda: self._bitrix.call(method, params or {}, raw=True))
        if not isinstance(answer, dict):
            raise BitrixError(f"{method}: the answer is not an object")
        if "error" in answer:
            raise BitrixError(
                f"{method}: {answer['error']} {_short(answer.get('error_description', ''))}"
            )
        if "result" not in answer:
            raise BitrixError(f"{method}: the answer has no result")
        return answer

    # ---- reading -----------------------------------------------------------------------

    def list_page(
        self,
        method: str,
        *,
        start: int = 0,
        filter: dict | None = None,  # noqa: A002 - Bitrix24's own word
        select: list[str] | None = None,
    ) -> Page:
        """One page of 50 by ``start``, in ID order, with the ``total`` and the ``next``
        start (None on the last page)."""
        answer = self.call(
            method,
            {
                "order": {"ID": "ASC"},
                "filter": filter or {},
                "select": select or [],
                "start": start,
            },
        )
        items = _rows(method, answer["result"])
        total = answer.get("total")
        following = answer.get("next")
        return Page(
            items,
            next=int(following) if following is not None else None,
            total=int(total) if total is not None else None,
        )

    def list_after(
        self,
        method: str,
        *,
        after_id: int,
        filter: dict | None = None,  # noqa: A002
        select: list[str] | None = None,
    ) -> list[dict]:
        """The next up to 50 rows with an ID above ``after_id``: the ``>ID`` cursor with
        ``start=-1`` (no count is made, so deep pages cost nothing more than the first)."""
        answer = self.call(
            method,
            {
                "order": {"ID": "ASC"},
                "filter": {**(filter or {}), ">ID": after_id},
                "select": select or [],
                "start": -1,
            },
        )
        rows = _rows(method, answer["result"])
        for row in rows:
            if not str(row.get("ID", "")).isdigit():
                raise BitrixError(f"{method}: a row without a numeric ID")
        return rows

    def count(self, method: str, *, filter: dict | None = None) -> int | None:  # noqa: A002
        """How many rows a list would give (one page of IDs read for it)."""
        return self.list_page(method, filter=filter, select=["ID"]).total

    def get(self, method: str, entity_id: int) -> dict:
        answer = self.call(method, {"id": entity_id})
        if not isinstance(answer["result"], dict):
            raise BitrixError(f"{method}: the answer is not a record")
        return answer["result"]

    def batch(self, commands: dict[str, tuple[str, dict]]) -> dict[str, Any]:
        """Run ``{name: (method, params)}`` as ``batch`` calls of at most 50 commands each;
        ``{name: result}``. A command Bitrix24 refuses fails the whole call."""
        results: dict[str, Any] = {}
        names = list(commands)
        for first in range(0, len(names), BATCH_LIMIT):
            chunk = names[first : first + BATCH_LIMIT]
            cmd = {
                name: f"{commands[name][0]}?{http_build_query(commands[name][1]).rstrip('&')}"
                for name in chunk
            }
            answer = self._run(lambda cmd=cmd: self._bitrix.call_batch({"halt": 0, "cmd": cmd}))
            if not isinstance(answer, dict) or set(chunk) - set(answer):
                raise BitrixError("batch: the answer lacks some commands' results")
            results.update({name: answer[name] for name in chunk})
        return results

    # ---- writing -----------------------------------------------------------------------

    def update_companies(self, fields_by_id: dict[int, dict]) -> None:
        """Write user fields to companies, 50 updates a batch."""
        self.batch(
            {
                f"u{company_id}": ("crm.company.update", {"id": company_id, "fields": fields})
                for company_id, fields in fields_by_id.items()
            }
        )


class _Exhausted(RuntimeError):
    """The retries are spent; ``__cause__`` is the last failure."""


class _Requests(ServerRequestHandler):
    """fast-bitrix24's request handler with a retry budget and a request timeout of the
    ``Portal``'s: the library keeps both as module constants. Everything else (the leaky
    bucket, the pause that grows with each failure, the per-method operating time) is the
    library's own."""

    retries: int = RETRIES
    timeout: float = TIMEOUT

    def failure(self, err: Exception) -> None:
        self.successive_results = min(self.successive_results - 1, -1)
        if self.successive_results < -self.retries:
            raise _Exhausted("All attempts to get data from server exhausted") from err

    async def run_async(self, coroutine):
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                raise_for_status=True, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return await super().run_async(coroutine)


def _cause(error: BaseException | None) -> str:
    """What the last failure was, in words that never quote the URL."""
    if isinstance(error, ServerError) and isinstance(error.__cause__, aiohttp.ClientResponseError):
        return f"HTTP {error.__cause__.status} {error.__cause__.message}"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return type(error).__name__ if error is not None else "unknown"


def _rows(method: str, result: Any) -> list[dict]:
    if not isinstance(result, list) or not all(isinstance(row, dict) for row in result):
        raise BitrixError(f"{method}: the answer is not a list of records")
    return result


def _short(value: Any) -> str:
    return str(value)[:300]
