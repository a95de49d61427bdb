"""``soprovod serve [--host H] [--port P]``: the web app and the background worker.

One command for the embedded mode and for a small production: it refuses to start on a
database with unapplied migrations, starts a Celery worker with its embedded beat
(``celery -A soprovod worker -B``) and the web server (Django's ``runserver --noreload``
when DEBUG, gunicorn otherwise), and stops the worker when the web server exits, on
Ctrl+C or on SIGTERM.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from soprovod.core.management import SoprovodCommand, positive_int

STOP_TIMEOUT_SECONDS = 15


def worker_command(*, concurrency: int, data_dir: Path) -> list[str]:
    """Celery worker with embedded beat; beat's schedule file lives in the data directory."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "soprovod",
        "worker",
        "-B",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        f"--schedule={data_dir / 'celerybeat-schedule'}",
    ]


def web_command(*, host: str, port: int, debug: bool) -> list[str]:
    address = f"{host}:{port}"
    if debug:
        return [sys.executable, "-m", "soprovod.cli", "runserver", "--noreload", address]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "soprovod.wsgi:application",
        f"--bind={address}",
        "--access-logfile=-",
    ]


class Command(SoprovodCommand):
    requires_migrations = True
    help = (
        "Run the web app and the background worker (Celery with embedded beat). Ctrl+C stops both."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=positive_int(65535), default=8000)
        parser.add_argument(
            "--concurrency",
            type=positive_int(64),
            default=2,
            help="background worker processes (default 2)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="web server only (a worker runs elsewhere)"
        )

    def handle(self, *, host: str, port: int, concurrency: int, no_worker: bool, **options):
        status = 0
        try:
            with running_app(
                host=host,
                port=port,
                concurrency=concurrency,
                worker=not no_worker,
                stderr=self.stderr,
            ) as web:
                status = web.wait()
        except KeyboardInterrupt:
            status = 0
        if status:
            raise CommandError(f"the web server exited with status {status}")


@contextlib.contextmanager
def running_app(
    *,
    host: str,
    port: int,
    concurrency: int = 2,
    worker: bool = True,
    stderr,
    output: IO[str] | None = None,
) -> Iterator[subprocess.Popen]:
    """The web server (yielded) and the worker running as child processes of this one, with
    its environment (their output into ``output`` when given); both stopped when the block
    ends, on Ctrl+C or on SIGTERM."""
    streams = {} if output is None else {"stdout": output, "stderr": subprocess.STDOUT}
    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # the children open their own

    # SIGTERM (systemd, docker stop) stops the children too, as Ctrl+C does.
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    worker_process = web = None
    try:
        if worker:
            data_dir = Path(settings.DATA_DIR)
            worker_process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                worker_command(concurrency=concurrency, data_dir=data_dir), **streams
            )
        web = subprocess.Popen(  # noqa: S603
            web_command(host=host, port=port, debug=settings.DEBUG), **streams
        )
        yield web
    finally:
        for name, process in (("web server", web), ("worker", worker_process)):
            _stop(process, name, stderr)
        signal.signal(signal.SIGTERM, previous)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop(process: subprocess.Popen | None, name: str, stderr) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        stderr.write(f"The {name} did not stop in {STOP_TIMEOUT_SECONDS} s; killing it.")
        process.kill()
        process.wait()
    except KeyboardInterrupt:  # a second Ctrl+C: do not wait any longer
        process.kill()
        process.wait()
