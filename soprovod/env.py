"""Settings helpers that read environment variables and refuse bad values at start-up.

Each helper raises ``ImproperlyConfigured`` naming the variable and what it expected, so a
typo in production stops the process with one clear line instead of a surprise later.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    """Parse a database URL (``sqlite:///path`` or ``postgres://user@host:port/db``)."""
    import dj_database_url

    raw = os.environ.get(name) or default
    if not raw.startswith(("sqlite:", "postgres:", "postgresql:", "pgsql:")):
        raise ImproperlyConfigured(
            f"{name}={raw!r}: expected sqlite:///path or postgres://user:password@host:port/db"
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r}: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    else:
        config["OPTIONS"] = _without_jit(config.get("OPTIONS", {}))
    return config


def _without_jit(options: dict) -> dict:
    """PostgreSQL connection options with JIT compilation off for Soprovod's own sessions.

    The queue and KPI queries are short; JIT compiles any query its planner estimates as
    costly and adds 0.1–2 s to them (bench/kpi.py). A ``jit`` setting already given in the
    URL's ``options`` wins, so an operator can still turn it on."""
    given = options.get("options", "")
    if "jit" in given:
        return options
    return {**options, "options": f"{given} -c jit=off".strip()}


def env_redis(name: str) -> str:
    raw = os.environ.get(name, "").strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}={raw!r}: expected redis://host:port/db")
    return raw
