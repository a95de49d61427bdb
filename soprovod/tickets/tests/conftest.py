"""Real mail servers for the mail tests (docs: test-services.md), on loopback only:

- ``dovecot``: a throwaway Dovecot IMAP server for the whole session; ``imap_mailbox`` empties
  its INBOX for each test and points the IMAP settings at it. Skipped when Dovecot is not
  installed (`.ci/system-packages` installs it in CI).
- ``smtp_sink``: an aiosmtpd server that keeps what it receives, for the SMTP tests.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

IMAP_USER = "support@example.test"
IMAP_PASSWORD = "secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )


def _wait_for_port(port: int, process_log: Path, seconds: float = 15.0) -> None:
    """Bounded wait for the freshly started server to accept connections."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    log = process_log.read_text() if process_log.exists() else "(no log)"
    raise RuntimeError(f"Dovecot did not start on port {port}:\n{log}")


@pytest.fixture(scope="session")
def dovecot():
    binary = _dovecot_binary()
    if binary is None:
        pytest.skip("the dovecot binary is missing (apt-get install -y dovecot-imapd)")
    # A short path: Dovecot's UNIX sockets live under base_dir (108-byte limit).
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o711)  # Dovecot's auth process (user dovecot) reads the passwd file in it
    for sub in ("mail", "run", "state"):
        (root / sub).mkdir()
    owner = pwd.getpwnam("dovecot")
    os.chown(root / "mail", owner.pw_uid, owner.pw_gid)
    port = free_port()
    (root / "passwd").write_text(
        f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::{root}/mail/support\n"
    )
    config = root / "dovecot.conf"
    config.write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
"""
    )
    subprocess.run([binary, "-c", str(config)], check=True)
    try:
        _wait_for_port(port, root / "dovecot.log")
        yield SimpleNamespace(
            host="127.0.0.1", port=port, user=IMAP_USER, password=IMAP_PASSWORD, root=root
        )
    finally:
        subprocess.run([binary, "-c", str(config), "stop"], check=False)
        shutil.rmtree(root, ignore_errors=True)


class Mailbox:
    """The test's view of the IMAP INBOX: put mail in, read the flags back."""

    def __init__(self, server):
        self.server = server

    def _connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.server.host, self.server.port, timeout=10)
        imap.login(self.server.user, self.server.password)
        imap.select("INBOX")
        return imap

    def empty(self) -> None:
        imap = self._connect()
        try:
            imap.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
            imap.expunge()
        finally:
            imap.logout()

    def append(self, raw: bytes) -> None:
        imap = self._connect()
        try:
            status, _data = imap.append("INBOX", "", None, raw)
            assert status == "OK"
        finally:
            imap.logout()

    def flags(self) -> list[set[str]]:
        """The flags of every message in the INBOX, in arrival order."""
        imap = self._connect()
        try:
            _status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
        finally:
            imap.logout()
        found = []
        for line in data:
            if isinstance(line, bytes) and (match := re.search(rb"FLAGS \(([^)]*)\)", line)):
                found.append(set(match.group(1).decode().split()))
        return found


@pytest.fixture
def imap_mailbox(dovecot, settings):
    settings.IMAP_HOST = dovecot.host
    settings.IMAP_PORT = dovecot.port
    settings.IMAP_SSL = False
    settings.IMAP_USER = dovecot.user
    settings.IMAP_PASSWORD = dovecot.password
    settings.IMAP_FOLDER = "INBOX"
    mailbox = Mailbox(dovecot)
    mailbox.empty()
    return mailbox


class _Sink:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def _smtp_server():
    controller_module = pytest.importorskip(
        "aiosmtpd.controller", reason="aiosmtpd is not installed (pip install -e '.[test]')"
    )
    handler = _Sink()
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SimpleNamespace(host="127.0.0.1", port=controller.port, handler=handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_sink(_smtp_server):
    _smtp_server.handler.received.clear()
    return SimpleNamespace(
        host=_smtp_server.host, port=_smtp_server.port, received=_smtp_server.handler.received
    )
