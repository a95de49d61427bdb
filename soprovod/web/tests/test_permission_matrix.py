"""The permission matrix (issue 14): every role, and a client contact of another company,
against every page, every API operation and every export, each cell the answer expected.

The table is ``permission_matrix.txt`` next to this file (its header says how to read it);
the objects its paths name are built once by ``matrix_world.build_world``.

- ``test_every_url_and_operation_has_a_row``: a URL name in the resolver or an operation of
  the OpenAPI document without a row fails, so nothing is added unreviewed (and a row whose
  URL or operation is gone fails too).
- ``test_pages_and_exports`` / ``test_api_operations``: every cell is requested (pages with
  GET, API operations with their method, a minimal valid body and the column's Bearer
  token); each cell's writes are rolled back and its cookies restored. All differences are
  listed together, as ``row × column: expected, got``.

``MATRIX_DRAFT=1`` prints the answers actually given as a table in the file's format, rows
missing from the table included (with a guessed path to check): a way to draft rows, never
a way to make the test pass — each answer must be read and judged before it goes in.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from soprovod.web.tests.matrix_world import COLUMNS, build_world

TABLE = Path(__file__).with_name("permission_matrix.txt")
DRAFT = os.environ.get("MATRIX_DRAFT") == "1"
# While drafting: only the rows whose key or path matches this regular expression.
ONLY = os.environ.get("MATRIX_ONLY", "")
LOGIN = "/accounts/login/"

# Resolver entries that are not Soprovod's own pages, with why they have no row.
SKIPPED_NAMESPACES = {
    "admin": "Django's admin site: superusers only, guarded by the admin itself, not by roles",
}
# The API's operations are rows of their own (method + OpenAPI path); its URL names are
# skipped here, except the documents that are not operations of the schema.
API_NAMESPACE = "api"
# Rows whose 302 for a visitor is not "sign in first": choosing the language sends anyone back.
NOT_TO_LOGIN = {"set_language"}
API_DOCUMENT_NAMES = {"api:openapi-json", "api:openapi-view"}


@dataclass(frozen=True)
class Row:
    kind: str  # page | export | api
    key: str  # URL name, or the HTTP method for api rows
    path: str  # with {placeholders} of the world
    cells: dict  # column -> expected status (str)
    line: int

    @property
    def label(self) -> str:
        return f"{self.key} {self.path}"


def read_table(text: str | None = None) -> list[Row]:
    rows = []
    text = TABLE.read_text(encoding="utf-8") if text is None else text
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        kind, key, path, cells = parts[0], parts[1], parts[2], parts[3:]
        assert kind in {"page", "post", "export", "api"}, f"line {number}: unknown kind {kind!r}"
        assert len(cells) == len(COLUMNS), (
            f"line {number}: {len(cells)} cells for {len(COLUMNS)} columns ({' '.join(COLUMNS)})"
        )
        for cell in cells:
            # "?" marks a cell still to be drafted (MATRIX_DRAFT=1); it never passes.
            assert re.fullmatch(r"[1-5]\d\d", cell) or (DRAFT and cell == "?"), (
                f"line {number}: {cell!r} is not a status"
            )
        rows.append(Row(kind, key, path, dict(zip(COLUMNS, cells, strict=True)), number))
    return rows


def url_names() -> dict[str, str]:
    """Every URL name in the resolver (namespaced) with its route, except the skipped ones;
    a pattern without a name is keyed by its route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                if inner in SKIPPED_NAMESPACES:
                    continue
                full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), full)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if namespace == API_NAMESPACE and name not in API_DOCUMENT_NAMES:
                    continue
                found[name or route] = route

    walk(get_resolver().url_patterns, "/", None)
    return found


def api_operations() -> set[tuple[str, str]]:
    from soprovod.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_url_and_operation_has_a_row():
    rows = read_table()
    page_keys = {row.key for row in rows if row.kind != "api"}
    api_keys = {(row.key, row.path) for row in rows if row.kind == "api"}
    names = url_names()
    operations = api_operations()
    problems = [f"URL {name} ({route}) has no row" for name, route in names.items()]
    problems = [p for p, name in zip(problems, names, strict=True) if name not in page_keys]
    problems += [f"API {m} {p} has no row" for m, p in sorted(operations - api_keys)]
    problems += [
        f"line {row.line}: {row.key} is not a URL name any more"
        for row in rows
        if row.kind != "api" and row.key not in names
    ]
    problems += [
        f"line {row.line}: {row.key} {row.path} is not an API operation any more"
        for row in rows
        if row.kind == "api" and (row.key, row.path) not in operations
    ]
    # A page row's path must be a path of its own URL name (a placeholder stands for an id).
    for row in rows:
        if row.kind == "api":
            continue
        sample = re.sub(r"\{[a-z_]+\}", "1", row.path.split("?", 1)[0])
        try:
            match = resolve(sample)
        except Exception:  # noqa: BLE001 - any failure to resolve is the finding
            problems.append(f"line {row.line}: {row.path} does not resolve")
            continue
        if (match.view_name or match.route) != row.key and f"/{match.route}" != row.key:
            problems.append(f"line {row.line}: {row.path} is {match.view_name}, not {row.key}")
    seen = set()
    for row in rows:
        if (row.kind, row.key, row.path) in seen:
            problems.append(f"line {row.line}: {row.key} {row.path} is listed twice")
        seen.add((row.kind, row.key, row.path))
    assert not problems, "\n".join(problems)


def test_every_api_answer_of_the_table_is_in_the_document():
    """The schemathesis run calls the API as the head only; the table's cells are every
    role's answers, so each must be a code its operation declares (a client integrating
    from the OpenAPI document learns every answer it can get)."""
    from soprovod.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    problems = []
    for row in read_table():
        if row.kind != "api":
            continue
        declared = set(schema["paths"][row.path][row.key.lower()]["responses"])
        declared = {str(code) for code in declared}
        for column, cell in row.cells.items():
            if cell not in declared:
                problems.append(f"line {row.line} {row.label} × {column}: {cell} not declared")
    assert not problems, "\n".join(problems)


# ---- the cells ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the module, inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


def fill(path: str, params: dict) -> str:
    def value(match):
        name = match.group(1)
        assert name in params, f"the world has no {{{name}}}"
        return str(params[name])

    return re.sub(r"\{([a-z_]+)\}", value, path)


def run_cell(client: Client, method: str, path: str, **extra):
    """One request whose writes are rolled back and whose cookies are put back after."""
    saved = SimpleCookie()
    saved.load(client.cookies.output(header="", sep=";"))
    try:
        with transaction.atomic():
            response = getattr(client, method.lower())(path, **extra)
            transaction.set_rollback(True)
    finally:
        client.cookies = saved
    return response


def describe(response) -> str:
    status = str(response.status_code)
    if response.status_code in (301, 302):
        status += f"→{response.get('Location', '')}"
    return status


def check(row: Row, column: str, response, expected: str) -> str | None:
    got = response.status_code
    if str(got) != expected:
        return (
            f"line {row.line} {row.label} × {column}: expected {expected}, got {describe(response)}"
        )
    if got == 302 and column == "anon" and row.key not in NOT_TO_LOGIN:
        location = response.get("Location", "")
        if not location.startswith(LOGIN):
            return f"line {row.line} {row.label} × anon: 302 not to the login page but {location}"
    if got == 200 and row.kind == "export":
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            return f"line {row.line} {row.label} × {column}: an export answered an HTML page"
    return None


def staff_clients(world) -> dict[str, Client]:
    clients = {}
    for column in COLUMNS:
        client = Client()
        if column != "anon":
            client.force_login(world.users[column])
        clients[column] = client
    return clients


def draft(rows: list[Row], answers: dict, extra_rows: list[tuple[str, str, str]]) -> None:
    """Print the answers given as table lines (MATRIX_DRAFT=1)."""
    lines = []
    for kind, key, path in [(r.kind, r.key, r.path) for r in rows] + extra_rows:
        cells = answers.get((kind, key, path))
        if cells is None:
            continue
        lines.append(
            f"{kind:<7}{key:<32} {path:<58} " + " ".join(f"{cells[c]:<4}" for c in COLUMNS)
        )
    print("\n" + "\n".join(lines))  # noqa: T201 - the draft is for a human to read


def _chosen(row: Row) -> bool:
    return not ONLY or bool(re.search(ONLY, f"{row.key} {row.path}"))


def _guess_path(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@pytest.mark.django_db
def test_pages_and_exports(world):
    rows = [row for row in read_table() if row.kind != "api" and _chosen(row)]
    extra = []
    if DRAFT and not ONLY:
        covered = {row.key for row in rows}
        extra = [
            ("page", name, _guess_path(route))
            for name, route in url_names().items()
            if name not in covered
        ]
    clients = staff_clients(world)
    failures, answers = [], {}
    targets = [(r.kind, r.key, r.path, r) for r in rows] + [(*e, None) for e in extra]
    for kind, key, path, row in targets:
        try:
            url = fill(path, world.params)
        except AssertionError as exc:
            failures.append(f"{key} {path}: {exc}")
            continue
        cells = {}
        for column in COLUMNS:
            try:
                method = "post" if kind == "post" else "get"
                response = run_cell(clients[column], method, url)
            except Exception as exc:  # noqa: BLE001 - a crash is a cell's answer too
                cells[column] = "EXC"
                failures.append(f"{key} {path} × {column}: {type(exc).__name__}: {exc}")
                continue
            cells[column] = str(response.status_code)
            if row is not None:
                problem = check(row, column, response, row.cells[column])
                if problem:
                    failures.append(problem)
        answers[(kind, key, path)] = cells
    if DRAFT:
        draft(rows, answers, extra)
    assert not failures, f"{len(failures)} cells differ:\n" + "\n".join(failures)


# ---- API bodies: the minimal valid one for each write ----------------------------------------


def api_bodies(world) -> dict[tuple[str, str], dict]:
    p = world.params
    from soprovod.handoffs.checklist import ITEM_KEYS
    from soprovod.sla.models import SlaClock

    clock = SlaClock.objects.filter(ticket=world.ticket, metric="resolution").first()
    later = (clock.due_at + dt.timedelta(hours=1)).isoformat()
    return {
        ("POST", "/api/v1/clients"): {
            "name": "ООО «Новая»",
            "inn": "7736207543",
            "contract_start": "2026-01-01",
        },
        ("PATCH", "/api/v1/clients/{client_id}"): {"name": "ООО «Матрица-2»"},
        ("POST", "/api/v1/sites"): {"client": p["client"], "name": "Склад"},
        ("PATCH", "/api/v1/sites/{site_id}"): {"name": "Склад 2"},
        ("POST", "/api/v1/contacts"): {"client": p["client"], "full_name": "Пётр Петров"},
        ("PATCH", "/api/v1/contacts/{contact_id}"): {"full_name": "Пётр Иванов"},
        ("POST", "/api/v1/tickets"): {
            "client": p["client"],
            "subject": "Не работает",
            "body": "Шлагбаум не открывается.",
        },
        ("PATCH", "/api/v1/tickets/{number}"): {"subject": "Шлагбаум не открывается"},
        ("POST", "/api/v1/tickets/{number}/status"): {"status": "waiting_client"},
        ("POST", "/api/v1/tickets/{number}/reopen"): {},
        ("POST", "/api/v1/tickets/{number}/rating"): {"score": 5},
        ("POST", "/api/v1/tickets/{number}/extension"): {"due_at": later, "reason": "Запчасть"},
        ("POST", "/api/v1/tickets/{number}/escalations"): {
            "level": "head",
            "reason": "Клиент недоволен",
        },
        ("POST", "/api/v1/tickets/{number}/messages"): {"body": "Ответ"},
        ("POST", "/api/v1/escalations"): {
            "level": "head",
            "reason": "Клиент грозит уйти",
            "client": p["client"],
        },
        ("POST", "/api/v1/escalations/{escalation_id}/acknowledge"): {},
        ("POST", "/api/v1/escalations/{escalation_id}/resolve"): {"decision": "Решили"},
        ("POST", "/api/v1/projects/{project_id}/tasks/{task_id}/complete"): {},
        ("POST", "/api/v1/projects/{project_id}/go-live"): {},
        ("POST", "/api/v1/projects/{project_id}/blockers"): {"reason": "Нет доступа"},
        ("POST", "/api/v1/handoffs"): {"client_name": "ООО «Дельта»"},
        ("PATCH", "/api/v1/handoffs/{handoff_id}"): {"client_name": "ООО «Гамма-2»"},
        ("POST", "/api/v1/handoffs/{handoff_id}/submit"): {},
        ("POST", "/api/v1/handoffs/{handoff_id}/return"): {"reasons": {ITEM_KEYS[0]: "Нет"}},
        ("POST", "/api/v1/handoffs/{handoff_id}/accept"): {"success_manager_id": p["csm"]},
        ("POST", "/api/v1/dev-requests"): {"kind": "bug", "title": "Ошибка печати"},
        ("POST", "/api/v1/dev-requests/{request_id}/accept"): {"planned_release": "5.1"},
        ("POST", "/api/v1/dev-requests/{request_id}/decline"): {"decision": "Не будем"},
        ("POST", "/api/v1/dev-requests/{request_id}/start"): {},
        ("POST", "/api/v1/dev-requests/{request_id}/release"): {"released_in": "5.1"},
        ("POST", "/api/v1/dev-requests/{request_id}/wont-do"): {"decision": "Не будем"},
        ("POST", "/api/v1/dev-requests/{request_id}/submit"): {},
        ("POST", "/api/v1/dev-requests/{request_id}/merge"): {"into": p["devrequest2"]},
        ("POST", "/api/v1/claims"): {"client_id": p["client"], "basis": "Простой"},
        ("PATCH", "/api/v1/claims/{claim_id}"): {"basis": "Простой системы"},
    }


# Query strings a GET needs to be valid (required filters).
API_QUERIES = {
    ("GET", "/api/v1/kpi"): "from=2026-10-01&to=2026-10-31",
    ("GET", "/api/v1/search"): "q=шлагбаум",
}


@pytest.mark.django_db
def test_api_operations(world):
    rows = [row for row in read_table() if row.kind == "api" and _chosen(row)]
    extra = []
    if DRAFT and not ONLY:
        covered = {(row.key, row.path) for row in rows}
        extra = [("api", m, p) for m, p in sorted(api_operations() - covered)]
    bodies = api_bodies(world)
    client = Client()
    failures, answers = [], {}
    targets = [(r.kind, r.key, r.path, r) for r in rows] + [(*e, None) for e in extra]
    for kind, method, path, row in targets:
        url = fill(path, world.params)
        body = bodies.get((method, path))
        if (method, path) in API_QUERIES:
            url += "?" + API_QUERIES[(method, path)]
        if method in {"POST", "PUT", "PATCH"} and body is None:
            failures.append(f"{method} {path}: no body in api_bodies()")
            body = {}
        cells = {}
        for column in COLUMNS:
            extra_headers = {}
            if column != "anon":
                extra_headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[column]}"
            if body is not None:
                extra_headers.update(data=json.dumps(body), content_type="application/json")
            try:
                response = run_cell(client, method, url, **extra_headers)
            except Exception as exc:  # noqa: BLE001 - a crash is a cell's answer too
                cells[column] = "EXC"
                failures.append(f"{method} {path} × {column}: {type(exc).__name__}: {exc}")
                continue
            cells[column] = str(response.status_code)
            if row is not None:
                problem = check(row, column, response, row.cells[column])
                if problem:
                    detail = response.content[:200].decode(errors="replace")
                    failures.append(f"{problem} {detail}")
        answers[(kind, method, path)] = cells
    if DRAFT:
        draft(rows, answers, extra)
    assert not failures, f"{len(failures)} cells differ:\n" + "\n".join(failures)
