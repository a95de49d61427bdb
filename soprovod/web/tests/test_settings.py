"""Settings come from the environment; bad values stop start-up with a clear message."""

import os
import subprocess
import sys

import pytest


def run_django(args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    base.update(DJANGO_SETTINGS_MODULE="soprovod.settings", **env)
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        capture_output=True,
        text=True,
        env=base,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="x" * 64 + "production-secret-key-long-and-random",
        ALLOWED_HOSTS="support.example.com",
        SOPROVOD_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_in_production_is_refused(tmp_path):
    result = run_django(["check"], SOPROVOD_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "DATABASE_URL",
            "mysql://x@y/z",
            "DATABASE_URL='mysql://x@y/z': expected sqlite:///path or postgres://",
        ),
        (
            "REDIS_URL",
            "localhost:6379",
            "REDIS_URL='localhost:6379': expected redis://host:port/db",
        ),
        ("DEBUG", "maybe", "DEBUG='maybe': expected one of"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT='twenty-five': expected a whole number"),
    ],
)
def test_bad_environment_value_names_the_variable(tmp_path, name, value, message):
    env = {"SECRET_KEY": "k" * 60, "SOPROVOD_DATA_DIR": str(tmp_path), name: value}
    result = run_django(["check"], **env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_postgres_connections_turn_jit_off(monkeypatch):
    from soprovod.env import env_database

    monkeypatch.setenv("SOPROVOD_TEST_DB", "postgres://u@db:5432/soprovod")
    assert env_database("SOPROVOD_TEST_DB", "")["OPTIONS"]["options"] == "-c jit=off"
    # An operator's own jit choice in the URL wins.
    monkeypatch.setenv("SOPROVOD_TEST_DB", "postgres://u@db:5432/soprovod?options=-c%20jit%3Don")
    assert env_database("SOPROVOD_TEST_DB", "")["OPTIONS"]["options"] == "-c jit=on"


@pytest.mark.django_db
def test_the_live_postgres_session_has_jit_off():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is a PostgreSQL setting; this run is on SQLite")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
