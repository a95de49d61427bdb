"""Fault tests (issue 14, «Faults»): real services started by the tests, then broken — a
PostgreSQL backend terminated and a server restarted, Redis killed, a Celery worker killed
mid-batch, an IMAP connection cut mid-fetch, a disk that fills up — each test asserting that
nothing was lost or doubled. docs/operations.md «Faults and recovery» says what each does.

The mail servers are the ticket tests' own (soprovod/tickets/tests/conftest.py, docs:
test-services.md): a throwaway Dovecot and an aiosmtpd sink.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from soprovod.tickets.tests.conftest import (  # noqa: F401 - fixtures used by these tests
    _smtp_server,
    dovecot,
    free_port,
    imap_mailbox,
    smtp_sink,
)


def wait_for(condition: Callable[[], object], *, seconds: float = 30.0, what: str = "") -> object:
    """Poll ``condition`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what or condition}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
