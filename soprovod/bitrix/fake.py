"""A local fake Bitrix24 portal for the tests and the demo (issue 13): an HTTP server on
127.0.0.1 and a free port, serving the REST shapes the sync reads, as the documentation
gives them.

- ``crm.company.list`` / ``crm.company.get`` / ``crm.company.update``, ``crm.deal.list`` /
  ``crm.deal.get``, ``crm.requisite.list`` (``ENTITY_TYPE_ID=4`` for companies, ``RQ_INN``);
- ``order``, ``filter`` (``>ID``, ``>=DATE_MODIFY``, plain equality, ``@FIELD`` for a list),
  ``select``; pages of 50 by ``start`` with ``total`` and ``next``, and ``start=-1`` for no
  count; ``batch`` of at most 50 commands (``result``, ``result_error``, ``result_total``,
  ``result_next``, ``result_time``);
- the leaky bucket (``503 QUERY_LIMIT_EXCEEDED`` past the burst), and scripted faults:
  ``503 QUERY_LIMIT_EXCEEDED``, ``503 OPERATION_TIME_LIMIT``, a malformed answer (HTML, JSON
  cut short, or JSON of the wrong shape), a 500, a network error (the connection closed with no answer),
  and a call held until released (``hold``: a worker can be killed while it waits);
- ``outbound_event()``: the form Bitrix24 posts to an outbound webhook handler
  (``auth[application_token]`` included, right or wrong).

Nothing here is mocked at the function level: the client speaks real HTTP to it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MSK = dt.timezone(dt.timedelta(hours=3))
PAGE = 50


def stamp(moment: dt.datetime) -> str:
    """Bitrix24's date-time format: ISO 8601 with the portal's offset."""
    return moment.astimezone(MSK).replace(microsecond=0).isoformat()


def parse_php_query(query: str) -> dict:
    """``filter[ENTITY_ID]=1&select[0]=ID`` → ``{"filter": {"ENTITY_ID": "1"}, "select": ["ID"]}``."""
    out: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(out)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


@dataclass
class Fault:
    kind: str  # query_limit, time_limit, html, broken_json, bad_shape, server_error, drop, hold
    method: str | None = None  # None: any method
    times: int = 1  # -1: until repaired
    after: int = 0  # let this many matching calls through first


@dataclass
class FakeBitrix24:
    code: str = "test-webhook-code"
    user: int = 1
    burst: int = 50
    leak_per_second: float = 2.0
    companies: dict[int, dict] = field(default_factory=dict)
    requisites: list[dict] = field(default_factory=list)
    deals: dict[int, dict] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    rejected: int = 0  # answers of 503 QUERY_LIMIT_EXCEEDED from the bucket
    application_token: str = "test-application-token"  # noqa: S105 - the fake's own

    def __post_init__(self) -> None:
        self.held = threading.Event()  # a call reached a ``hold`` fault
        self.released = threading.Event()  # and may go on
        self._lock = threading.Lock()
        self._bucket: deque[float] = deque()
        self._level = 0.0
        self._drained_at = time.monotonic()
        self._server: ThreadingHTTPServer | None = None
        self._clock = dt.datetime(2026, 1, 1, 9, 0, tzinfo=MSK)

    # ---- data --------------------------------------------------------------------------

    def _tick(self) -> str:
        self._clock += dt.timedelta(minutes=1)
        return stamp(self._clock)

    def add_company(
        self, title: str, inn: str | None = None, *, inns: tuple[str, ...] = (), **fields
    ) -> int:
        company_id = max(self.companies, default=0) + 1
        when = fields.pop("DATE_MODIFY", None) or self._tick()
        self.companies[company_id] = {
            "ID": str(company_id),
            "TITLE": title,
            "COMPANY_TYPE": "CUSTOMER",
            "ASSIGNED_BY_ID": "1",
            "DATE_CREATE": when,
            "DATE_MODIFY": when,
            **fields,
        }
        for value in (inn, *inns) if inn is not None else inns:
            self.add_requisite(company_id, value)
        return company_id

    def add_requisite(self, company_id: int, inn: str, entity_type_id: int = 4) -> None:
        self.requisites.append(
            {
                "ID": str(len(self.requisites) + 1),
                "ENTITY_TYPE_ID": str(entity_type_id),
                "ENTITY_ID": str(company_id),
                "PRESET_ID": "1",
                "NAME": "Организация",
                "RQ_INN": inn,
            }
        )

    def update_company(self, company_id: int, **fields) -> None:
        self.companies[company_id].update(fields, DATE_MODIFY=self._tick())

    def add_deal(self, company_id: int, title: str, *, won: bool = True, **fields) -> int:
        deal_id = max(self.deals, default=0) + 1
        when = self._tick()
        self.deals[deal_id] = {
            "ID": str(deal_id),
            "TITLE": title,
            "COMPANY_ID": str(company_id),
            "STAGE_ID": "WON" if won else "NEW",
            "STAGE_SEMANTIC_ID": "S" if won else "P",
            "OPPORTUNITY": "120000.00",
            "CURRENCY_ID": "RUB",
            "BEGINDATE": when,
            "CLOSEDATE": when,
            "DATE_MODIFY": when,
            "COMMENTS": "",
            "ASSIGNED_BY_ID": "1",
            **fields,
        }
        return deal_id

    def win_deal(self, deal_id: int) -> None:
        self.deals[deal_id].update(STAGE_ID="WON", STAGE_SEMANTIC_ID="S", DATE_MODIFY=self._tick())

    def fail(self, kind: str, method: str | None = None, *, times: int = 1, after: int = 0):
        """Script a fault: the next ``times`` calls of ``method`` (any, if None) after
        ``after`` good ones answer ``kind``; ``times=-1`` until ``repair()``."""
        self.faults.append(Fault(kind, method, times, after))

    def repair(self) -> None:
        self.faults.clear()
        self.released.set()

    def hold(self, method: str, *, after: int = 0) -> threading.Event:
        """Hold the call of ``method`` after ``after`` good ones until ``release()`` (then it
        is answered as usual, to whoever still listens); the event is set when it arrives."""
        self.held.clear()
        self.released.clear()
        self.fail("hold", method, after=after)
        return self.held

    def release(self) -> None:
        self.released.set()

    def methods_called(self) -> list[str]:
        return [method for method, _ in self.calls]

    def outbound_event(self, event: str, entity_id: int, *, token: str | None = None) -> dict:
        """The form Bitrix24 posts to an outbound webhook handler."""
        return {
            "event": event,
            "event_handler_id": "7",
            "data[FIELDS][ID]": str(entity_id),
            "ts": str(int(self._clock.timestamp())),
            "auth[domain]": "fake.bitrix24.ru",
            "auth[client_endpoint]": "https://fake.bitrix24.ru/rest/",
            "auth[server_endpoint]": "https://oauth.bitrix.info/rest/",
            "auth[member_id]": "0123456789abcdef",
            "auth[application_token]": self.application_token if token is None else token,
        }

    # ---- the server --------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/rest/{self.user}/{self.code}/"

    def start(self) -> FakeBitrix24:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = parse_php_query(body)
                status, payload, content_type = fake.handle(urlsplit(self.path).path, params)
                if status == 0:  # a network error: the connection closes with no answer
                    self.close_connection = True
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the caller went away (a killed worker, after a ``hold``)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # serve_forever notices within its poll interval
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeBitrix24:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- answering ---------------------------------------------------------------------

    def handle(self, path: str, params: dict) -> tuple[int, Any, str]:
        as_json = "application/json; charset=utf-8"
        match = re.fullmatch(r"/rest/(\d+)/([^/]+)/([a-z0-9_.]+?)(?:\.json)?", path)
        if not match:
            return 404, {"error": "ERROR_METHOD_NOT_FOUND"}, as_json
        user, code, method = match.groups()
        if user != str(self.user) or code != self.code:
            return 401, {"error": "NO_AUTH_FOUND", "error_description": "Wrong webhook"}, as_json
        with self._lock:
            self.calls.append((method, params))
            if not self._take_from_bucket():
                self.rejected += 1
                return 503, _error("QUERY_LIMIT_EXCEEDED", "Too many requests"), as_json
            fault = self._fault_for(method)
        if fault == "drop":
            return 0, b"", ""
        if fault == "hold":
            self.held.set()
            self.released.wait(timeout=120)
            fault = None
        if fault == "query_limit":
            return 503, _error("QUERY_LIMIT_EXCEEDED", "Too many requests"), as_json
        if fault == "time_limit":
            return (
                503,
                _error("OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."),
                as_json,
            )
        if fault == "server_error":
            return 500, _error("INTERNAL_SERVER_ERROR", "Internal server error"), as_json
        if fault == "html":
            return 200, b"<html><body>502 Bad Gateway</body></html>", "text/html"
        if fault == "broken_json":
            return 200, b'{"result": [{"ID": "1", "TITLE": "', as_json
        if fault == "bad_shape":
            return 200, {"result": "oops", "time": _time()}, as_json
        with self._lock:
            try:
                if method == "batch":
                    return 200, self._batch(params), as_json
                return 200, {**self._method(method, params), "time": _time()}, as_json
            except LookupError as error:
                return 400, _error("ERROR_CORE", str(error)), as_json
            except ValueError as error:
                return 400, _error("INVALID_ARG_VALUE", str(error)), as_json

    def _take_from_bucket(self) -> bool:
        now = time.monotonic()
        self._level = max(0.0, self._level - (now - self._drained_at) * self.leak_per_second)
        self._drained_at = now
        if self._level + 1 > self.burst:
            return False
        self._level += 1
        return True

    def _fault_for(self, method: str) -> str | None:
        for fault in self.faults:
            if fault.method not in (None, method) or fault.times == 0:
                continue
            if fault.after > 0:
                fault.after -= 1
                return None
            if fault.times > 0:
                fault.times -= 1
            return fault.kind
        return None

    def _batch(self, params: dict) -> dict:
        commands = params.get("cmd") or {}
        if len(commands) > 50:
            raise ValueError("Max batch length exceeded")
        result, errors, totals, nexts, times = {}, {}, {}, {}, {}
        for name, command in commands.items():
            method, _, query = command.partition("?")
            try:
                answer = self._method(method, parse_php_query(query))
            except (LookupError, ValueError) as error:
                errors[name] = {"error": "ERROR_CORE", "error_description": str(error)}
                continue
            result[name] = answer["result"]
            if "total" in answer:
                totals[name] = answer["total"]
            if "next" in answer:
                nexts[name] = answer["next"]
            times[name] = _time()
        return {
            "result": {
                "result": result,
                "result_error": errors or [],
                "result_total": totals or [],
                "result_next": nexts or [],
                "result_time": times or [],
            },
            "time": _time(),
        }

    def _method(self, method: str, params: dict) -> dict:
        tables = {
            "crm.company": self.companies,
            "crm.deal": self.deals,
        }
        if method == "crm.requisite.list":
            return self._list(self.requisites, params)
        entity, _, action = method.rpartition(".")
        if entity not in tables:
            raise LookupError(f"Method {method} not found")
        table = tables[entity]
        if action == "list":
            return self._list(list(table.values()), params)
        entity_id = int(params.get("id") or params.get("ID") or 0)
        if action == "get":
            if entity_id not in table:
                raise LookupError("Not found")
            return {"result": dict(table[entity_id])}
        if action == "update" and entity == "crm.company":
            if entity_id not in table:
                raise LookupError("Not found")
            fields = params.get("fields") or {}
            table[entity_id].update({k: str(v) for k, v in fields.items()})
            table[entity_id]["DATE_MODIFY"] = self._tick()
            return {"result": True}
        raise LookupError(f"Method {method} not found")

    def _list(self, rows: list[dict], params: dict) -> dict:
        conditions = params.get("filter") or {}
        selected = [row for row in rows if all(_matches(row, k, v) for k, v in conditions.items())]
        order = params.get("order") or {"ID": "ASC"}
        for key, direction in reversed(list(order.items())):
            selected.sort(key=lambda row, k=key: _sort_key(row.get(k)))
            if str(direction).upper() == "DESC":
                selected.reverse()
        select = params.get("select") or []
        if select and "*" not in select:
            keep = {*select, "ID"}
            selected = [
                {
                    k: v
                    for k, v in row.items()
                    if k in keep or ("UF_*" in keep and k.startswith("UF_"))
                }
                for row in selected
            ]
        start = int(params.get("start", 0) or 0)
        if start == -1:
            return {"result": selected[:PAGE]}
        page = selected[start : start + PAGE]
        answer: dict[str, Any] = {"result": page, "total": len(selected)}
        if start + PAGE < len(selected):
            answer["next"] = start + PAGE
        return answer


def _matches(row: dict, key: str, wanted: Any) -> bool:
    match = re.fullmatch(r"(>=|<=|>|<|!|@|=)?(.+)", key)
    assert match
    op, name = match.group(1) or "=", match.group(2)
    value = row.get(name)
    if op == "@":
        return str(value) in {str(w) for w in (wanted or [])}
    if op == "!":
        return str(value) != str(wanted)
    if op == "=":
        return str(value) == str(wanted)
    left, right = _comparable(value), _comparable(wanted)
    if left is None or right is None:
        return False
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]


def _comparable(value: Any) -> Any:
    if value is None or value == "":
        return None
    text = str(value)
    if text.lstrip("-").isdigit():
        return int(text)
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _sort_key(value: Any) -> tuple:
    text = "" if value is None else str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _error(code: str, description: str) -> dict:
    return {"error": code, "error_description": description}


def _time() -> dict:
    now = time.time()
    return {
        "start": now,
        "finish": now,
        "duration": 0.001,
        "processing": 0.0005,
        "operating": 0.0005,
        "date_start": stamp(dt.datetime.now(MSK)),
        "date_finish": stamp(dt.datetime.now(MSK)),
    }
