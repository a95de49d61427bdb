"""PostgreSQL under a running app (gunicorn, DEBUG off, its own process): the app's backend
is terminated in the middle of a request, and the server is stopped and started again.

The app talks to a throwaway PostgreSQL of the test's own (initdb into a temporary folder,
pg_ctl on a free port, loaded from the test database by pg_dump), never the shared server.
While the database is gone, requests fail cleanly — the Russian «Сервис временно недоступен»
page in the site's frame, 503 with Retry-After — and nothing half-written is kept; the first
request once it is back succeeds by itself (CONN_HEALTH_CHECKS drops the dead persistent
connection, CONN_MAX_AGE keeps the new one), and a reply sent again is saved once."""

from __future__ import annotations

import contextlib
import glob
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from soprovod.tests_faults.conftest import port_open, wait_for
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketMessage, TicketType
from soprovod.tickets.tests.conftest import free_port
from soprovod.tickets.tests.factories import CategoryFactory

BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL faults: run with DATABASE_URL set (the PostgreSQL + Redis CI run)",
    ),
    pytest.mark.skipif(
        BIN is None or not Path(BIN, "initdb").exists(),
        reason="the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing",
    ),
]


class Cluster:
    """A PostgreSQL cluster in a temporary folder, run as the postgres user."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        self._as_postgres(
            [f"{BIN}/initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"]
        )

    def _as_postgres(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, timeout=120, **kwargs)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._as_postgres(
            [
                f"{BIN}/pg_ctl",
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres([f"{BIN}/pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"])

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def cluster():
    # Not under pytest's tmp_path: its folders are root's alone, the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="soprovod-faults-pg-"))
    own = Cluster(root)
    own.start()
    yield own
    with contextlib.suppress(subprocess.CalledProcessError):
        own.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)


class App:
    """gunicorn serving Soprovod with DEBUG off, one worker, against ``database_url``."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.log = log
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "soprovod.settings_test",  # plain static files storage
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "test-only-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
        }
        env.pop("REDIS_URL", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "soprovod.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "1",
                "--timeout",
                "60",
            ],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: port_open(self.port), seconds=90, what=f"gunicorn (log: {log})")
        self.cookies: dict[str, str] = {}

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body)
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        request.add_header("Accept-Language", "ru")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                self._keep_cookies(response.headers)
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self._keep_cookies(error.headers)
            return error.code, error.read().decode()

    def _keep_cookies(self, headers) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            name, _sep, value = header.split(";")[0].partition("=")
            self.cookies[name.strip()] = value

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def app(shared_database, cluster, staff, companies, client, tmp_path):
    """The ticket of company A and the support manager signed in, copied with the whole
    test database into the throwaway cluster; gunicorn serving it."""
    ticket = actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум на въезде не реагирует на пропуск.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=CategoryFactory(),
    )
    client.force_login(staff.support)
    session = client.cookies["sessionid"].value
    subprocess.run(
        [f"{BIN}/createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "app"],
        check=True,
    )
    dump = subprocess.run(
        [f"{BIN}/pg_dump", "--no-owner", shared_database], check=True, capture_output=True
    ).stdout
    subprocess.run(
        [f"{BIN}/psql", "-q", "-v", "ON_ERROR_STOP=1", cluster.url("app")],
        input=dump,
        check=True,
        capture_output=True,
    )
    server = App(cluster.url("app"), tmp_path / "gunicorn.log")
    server.cookies["sessionid"] = session
    server.ticket = ticket
    yield server
    server.stop()


def sql(cluster: Cluster, query: str, *params):
    with psycopg.connect(cluster.url("app"), autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def is_unavailable_page(status: int, page: str) -> bool:
    with translation.override("ru"):
        title = gettext("Service temporarily unavailable")
    return (
        status == 503
        and title != "Service temporarily unavailable"  # the Russian text, not the msgid
        and html.escape(title) in page
        and '<html lang="ru">' in page
        and 'class="topbar"' in page  # inside the site's frame
        and "Traceback" not in page
    )


def reply_form(app) -> dict:
    status, page = app.request(f"/tickets/{app.ticket.pk}/")
    assert status == 200, page[-2000:]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert "csrftoken" in app.cookies  # set by the page the form is on
    return {"csrfmiddlewaretoken": token, "version": version, "kind": "public"}


def test_the_backend_terminated_mid_request(app, cluster):
    assert app.request("/tickets/")[0] == 200
    # Hold the session table so the next request waits inside the database, then end the
    # app's backend while it waits.
    with psycopg.connect(cluster.url("app")) as holder:
        holder.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
        outcome = {}
        request = threading.Thread(target=lambda: outcome.update(r=app.request("/tickets/")))
        request.start()
        waiting = wait_for(
            lambda: sql(
                cluster,
                "SELECT pid FROM pg_stat_activity WHERE datname = 'app' AND wait_event_type = 'Lock'",
            ),
            seconds=30,
            what="the request to wait in the database",
        )
        assert sql(cluster, "SELECT pg_terminate_backend(%s)", waiting[0][0]) == [(True,)]
        request.join(timeout=60)
        holder.rollback()
    assert is_unavailable_page(*outcome["r"]), outcome["r"][1][-2000:]
    assert app.request("/tickets/")[0] == 200  # the next request reconnects by itself


def test_the_server_restarts_while_the_app_runs(app, cluster):
    form = reply_form(app)
    body = "Перезагрузите контроллер, пожалуйста"
    cluster.stop()
    status, page = app.request(f"/tickets/{app.ticket.pk}/reply/", {**form, "body": body})
    assert is_unavailable_page(status, page), page[-2000:]
    assert is_unavailable_page(*app.request("/tickets/"))

    cluster.start()
    assert app.request("/tickets/")[0] == 200  # no restart of the app needed
    assert sql(cluster, "SELECT count(*) FROM tickets_ticketmessage WHERE body = %s", body) == [
        (0,)
    ]  # the reply sent during the outage was not half-saved

    status, _page = app.request(f"/tickets/{app.ticket.pk}/reply/", {**form, "body": body})
    assert status == 302
    assert sql(cluster, "SELECT count(*) FROM tickets_ticketmessage WHERE body = %s", body) == [
        (1,)
    ]
    assert TicketMessage.objects.filter(body=body).count() == 0  # the shared server untouched
