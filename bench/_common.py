"""What every PostgreSQL bench shares: its own database, dropped and recreated on each run, and
Django set up on it. Not a bench itself (``make bench`` runs ``bench/[a-z]*.py``)."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def log(message: str) -> None:
    """Progress and absolute times go to stderr; stdout carries only the ``NAME: 1.2x`` lines."""
    print(message, file=sys.stderr, flush=True)


def bench_url(default: str) -> str:
    """``BENCH_DATABASE_URL`` when set (PostgreSQL only), else the bench's own ``default``."""
    raw = os.environ.get("BENCH_DATABASE_URL", "")
    if raw and not raw.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"BENCH_DATABASE_URL={raw!r}: expected postgres://user@host:port/db")
    return raw or default


def database_name(url: str, bench: str) -> str:
    """The database ``url`` names; refused unless it is a plain identifier (it is interpolated
    into DROP/CREATE DATABASE)."""
    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"{bench}: database name {name!r}: letters, digits and _ only")
    return name


def on_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin(url: str, sql: str) -> None:
    """Run ``sql`` on the server's maintenance database (for CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(on_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def recreate(url: str, bench: str) -> None:
    """Drop the bench's database (even with sessions left over) and create it empty."""
    name = database_name(url, bench)
    admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(url, f'CREATE DATABASE "{name}"')


def setup_django(url: str, data_dir: str) -> None:
    """Django on ``url``, with a throwaway data folder (static files, the embedded broker) and
    DEBUG on (plain static files storage, no collected manifest, for rendered pages)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["SOPROVOD_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "soprovod.settings"
    os.environ["DEBUG"] = "1"
    import django

    django.setup()


def report_failure(bench: str, error: BaseException) -> None:
    """A bench that fails prints why (with the traceback) and exits non-zero, never a ratio."""
    import traceback

    traceback.print_exc()
    log(f"{bench}: failed: {error}")


def tear_down(url: str, bench: str, data_dir: str | None, *, keep: bool) -> None:
    """Close Django's connections (when Django got set up), drop the bench's database unless
    ``keep`` (``--keep`` leaves it for a look), and remove the throwaway data folder."""
    import shutil

    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
        pass
    if not keep:
        admin(url, f'DROP DATABASE IF EXISTS "{database_name(url, bench)}" WITH (FORCE)')
    if data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)
