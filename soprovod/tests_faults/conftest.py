"""Fault tests (issue 14, «Faults»): real services started by the tests, then broken — a
PostgreSQL backend terminated and a server restarted, Redis killed, a Celery worker killed
mid-batch, an IMAP connection cut mid-fetch, a disk that fills up — each test asserting that
nothing was lost or doubled. docs/operations.md «Faults and recovery» says what each does.

The mail servers are the ticket tests' own (soprovod/tickets/tests/conftest.py, docs:
test-services.md): a throwaway Dovecot and an aiosmtpd sink.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from soprovod.lib.polling import poll_until
from soprovod.tickets.tests.conftest import (  # noqa: F401 - fixtures used by these tests
    _smtp_server,
    dovecot,
    free_port,
    imap_mailbox,
    smtp_sink,
)


def wait_for(condition: Callable[[], object], *, seconds: float = 30.0, what: str = "") -> object:
    """Poll ``condition`` until it returns something true; fail after ``seconds``."""
    value = poll_until(condition, seconds=seconds, every=0.05)
    if not value:
        pytest.fail(f"timed out after {seconds} s waiting for {what or condition}")
    return value


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """The test's database, reachable by other processes (a worker, a web server): yields
    the DATABASE_URL they use. PostgreSQL: the test database itself. SQLite: the in-memory
    test database copied to a file, which the test's own connection then uses too."""
    import sqlite3

    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "sqlite":
        params = connection.settings_dict
        credentials = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
        yield (
            f"postgres://{credentials}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
            f"/{params['NAME']}"
        )
        return
    connection.ensure_connection()
    path = tmp_path / "shared.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    saved_connection, saved_name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved_name
        connection.connection = saved_connection
