"""Throwaway servers the fault tests start, break and start again, on loopback only."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

from soprovod.tests_faults.conftest import port_open, wait_for
from soprovod.tickets.tests.conftest import free_port


class RedisServer:
    """A redis-server of the test's own on a free port, persisting to an append-only file
    (as production should: docs/operations.md), so a job queued before a crash is still
    there after the restart."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), seconds=15, what="redis-server to start")

    def kill(self) -> None:
        """SIGKILL: Redis dies as in a crash, no shutdown save."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None
