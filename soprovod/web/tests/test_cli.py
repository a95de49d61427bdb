"""The ``soprovod`` script: exit status 0/1/2, one-line errors saying what and where."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from soprovod.audit.models import AuditEvent
from soprovod.cli import configure_environment, main
from soprovod.clients.models import Client

HEADER = "external_id,name,inn,tariff,mrr_rub,status,contract_start"
GOOD = "CRM-1,ООО «Альфа»,7707083893,Бизнес,25000,active,2024-01-15"
BAD_INN = "CRM-2,АО «Бета»,7707083894,Старт,5000,active,2024-01-15"
BAD_DATE = "CRM-3,АО «Гамма»,7707083893,Старт,5000,active,вчера"


@pytest.fixture
def csv_file(tmp_path):
    def write(*lines: str, name: str = "clients.csv") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


def run(capsys, *args: str) -> tuple[int, str, str]:
    # main() closes the database connections when a command ends (as manage.py does), so
    # tests that touch the database use transactional_db rather than db.
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_import_succeeds_with_a_summary(transactional_db, capsys, csv_file):
    path = csv_file(HEADER, GOOD)

    status, out, err = run(capsys, "import", "clients", str(path))

    assert (status, err) == (0, "")
    assert out.strip() == "clients.csv: 1 created, 0 updated, 0 unchanged"
    assert Client.objects.get().name == "ООО «Альфа»"


def test_import_bad_row_is_one_line_naming_file_row_and_column(transactional_db, capsys, csv_file):
    path = csv_file(HEADER, GOOD, BAD_INN)

    status, out, err = run(capsys, "import", "clients", str(path))

    assert status == 1
    assert err.splitlines() == ["error: clients.csv: row 3, column inn: INN checksum is wrong"]
    assert not Client.objects.exists()


def test_import_lists_every_bad_row_then_the_summary(transactional_db, capsys, csv_file):
    path = csv_file(HEADER, BAD_INN, GOOD, BAD_DATE)

    status, out, err = run(capsys, "import", "clients", str(path))

    assert status == 1
    lines = err.splitlines()
    assert lines[0] == "clients.csv: row 2, column inn: INN checksum is wrong"
    assert lines[1].startswith("clients.csv: row 4, column contract_start: expected a date")
    assert lines[-1] == "error: clients.csv: 2 errors, nothing imported"
    assert "Traceback" not in err
    assert not Client.objects.exists()


def test_import_dry_run_writes_nothing(transactional_db, capsys, csv_file):
    path = csv_file(HEADER, GOOD)

    status, out, err = run(capsys, "import", "clients", str(path), "--dry-run")

    assert status == 0
    assert "dry run, nothing written: would be 1 created" in out
    assert not Client.objects.exists()
    assert not AuditEvent.objects.exists()


def test_import_shows_a_progress_bar_only_on_a_terminal(db, capsys, csv_file):
    from io import StringIO

    from django.core.management import call_command

    class Terminal(StringIO):
        def isatty(self):
            return True

    call_command("import", "clients", str(csv_file(HEADER, GOOD)), stdout=Terminal())
    on_terminal = capsys.readouterr().out
    call_command("import", "clients", str(csv_file(HEADER, GOOD)), stdout=StringIO())
    in_pipe = capsys.readouterr().out

    assert "row/s" in on_terminal
    assert in_pipe == ""


def test_import_as_a_user_records_the_author(transactional_db, capsys, csv_file):
    from soprovod.accounts.tests.factories import UserFactory

    head = UserFactory(username="head")

    status, *_ = run(capsys, "import", "clients", str(csv_file(HEADER, GOOD)), "--user", "head")

    assert status == 0
    assert AuditEvent.objects.get().actor == head


def test_import_unknown_user_is_a_user_error(transactional_db, capsys, csv_file):
    status, out, err = run(
        capsys, "import", "clients", str(csv_file(HEADER, GOOD)), "--user", "ghost"
    )

    assert status == 1
    assert err.strip() == "error: --user ghost: no active user with this username"


def test_import_missing_file(capsys, tmp_path):
    missing = tmp_path / "nope.csv"

    status, out, err = run(capsys, "import", "clients", str(missing))

    assert status == 1
    assert err.strip() == f"error: {missing}: no such file"


def test_import_unknown_column(transactional_db, capsys, csv_file):
    path = csv_file(HEADER + ",region", GOOD + ",Москва")

    status, out, err = run(capsys, "import", "clients", str(path))

    assert status == 1
    assert err.startswith("error: clients.csv: header: unknown columns: region")
    assert len(err.splitlines()) == 1


def test_import_excel_workbook_is_refused_in_one_line(transactional_db, capsys, tmp_path):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00binary")

    status, out, err = run(capsys, "import", "clients", str(path))

    assert status == 1
    assert err.strip() == (
        "error: clients.xlsx: the file is not CSV text (is it an Excel workbook? save it as CSV)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["import", "invoices", "x.csv"],
        ["import", "clients"],
        ["import", "clients", "x.csv", "--bogus"],
        ["demo", "--clients", "none"],
        ["demo", "--clients", "0"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_usage_exits_with_status_2(capsys, args):
    status, out, err = run(capsys, *args)

    assert status == 2
    assert err
    assert "Traceback" not in err


def test_help_exits_with_status_0(capsys):
    status, out, err = run(capsys, "import", "--help")

    assert status == 0
    assert "--dry-run" in out


@pytest.mark.parametrize("args", [["help"], ["--help"], ["help", "demo"]])
def test_help_lists_the_commands(capsys, args):
    status, out, err = run(capsys, *args)

    assert status == 0
    assert "demo" in out


@pytest.mark.parametrize(
    ("environ", "debug"),
    [
        ({}, "1"),
        ({"SECRET_KEY": "k"}, None),
        ({"DATABASE_URL": "postgres://db/x"}, None),
        ({"DEBUG": "0"}, "0"),
    ],
)
def test_embedded_mode_turns_debug_on_only_without_secret_key_and_database(environ, debug):
    configure_environment(environ)

    assert environ["DJANGO_SETTINGS_MODULE"] == "soprovod.settings"
    assert environ.get("DEBUG") == debug


def script_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(SOPROVOD_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def script() -> list[str]:
    installed = Path(sys.executable).parent / "soprovod"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "soprovod.cli"]


def test_installed_script_with_nothing_configured(tmp_path):
    """The console script works with no environment (embedded mode) and answers bad input
    with one line and status 1, bad usage with status 2."""
    env = script_env(tmp_path)
    bad = subprocess.run(
        [*script(), "import", "clients", "missing.csv"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    usage = subprocess.run(
        [*script(), "import", "clients"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )

    (tmp_path / "clients.csv").write_text(HEADER + "\n" + GOOD + "\n")
    unmigrated = subprocess.run(
        [*script(), "import", "clients", "clients.csv"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )

    assert (bad.returncode, bad.stderr.strip()) == (1, "error: missing.csv: no such file")
    assert unmigrated.returncode == 1
    assert unmigrated.stderr.startswith("error: ")
    assert "database migrations are not applied" in unmigrated.stderr
    assert unmigrated.stderr.strip().endswith("run: soprovod migrate")
    assert len(unmigrated.stderr.strip().splitlines()) == 1
    assert usage.returncode == 2
    assert "the following arguments are required: file" in usage.stderr


def test_configuration_error_is_one_line(tmp_path):
    env = script_env(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:1/none")

    result = subprocess.run(
        [*script(), "check"], capture_output=True, text=True, env=env, timeout=120
    )

    assert result.returncode == 1
    assert result.stderr.strip().startswith("soprovod: configuration error: SECRET_KEY is not set")


def test_serve_refuses_a_database_with_unapplied_migrations(monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.setattr("soprovod.core.management.unapplied_migrations", lambda: ["clients.0002_x"])

    with pytest.raises(CommandError, match=r"1 database migrations are not applied"):
        call_command("serve")


def test_serve_runs_runserver_when_debugging_and_gunicorn_otherwise(tmp_path):
    from soprovod.web.management.commands.serve import web_command, worker_command

    assert web_command(host="10.0.0.5", port=80, debug=True)[-3:] == [
        "runserver",
        "--noreload",
        "10.0.0.5:80",
    ]
    assert "gunicorn" in web_command(host="h", port=1, debug=False)
    worker = worker_command(concurrency=3, data_dir=tmp_path)
    assert worker[worker.index("-A") + 1 :][:3] == ["soprovod", "worker", "-B"]
    assert f"--schedule={tmp_path / 'celerybeat-schedule'}" in worker


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker")
def test_serve_runs_web_and_worker_and_stops_both(tmp_path):
    import signal
    import time
    import urllib.request

    env = script_env(tmp_path)
    subprocess.run([*script(), "migrate", "-v0"], env=env, check=True, timeout=300)
    port = _free_port()
    serve = subprocess.Popen(
        [*script(), "serve", "--port", str(port), "--concurrency", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    schedule = str(tmp_path / "data" / "celerybeat-schedule")
    try:
        status = None
        # A generous bound: on a loaded machine the server's start-up checks take a while.
        for _ in range(480):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
                    status = page.status
                break
            except OSError:
                time.sleep(0.25)
        assert status == 200
        assert _processes_mentioning(schedule), "the worker is not running"
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)

    assert _processes_mentioning(schedule) == []


# ---- backup and restore ---------------------------------------------------------------------


def dump_all() -> list[dict]:
    """Every row as dumpdata writes it, many-to-many lists sorted: the database returns
    those in no particular order, and a restore may insert them in another."""
    import json
    from io import StringIO

    from django.apps import apps
    from django.core.management import call_command

    out = StringIO()
    call_command(
        "dumpdata",
        # The search index is not in a backup: the restore rebuilds it from the rows.
        exclude=["contenttypes", "auth.permission", "sessions", "search"],
        natural_foreign=True,
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    for row in rows:
        for field in apps.get_model(row["model"])._meta.many_to_many:
            if field.name in row["fields"]:
                row["fields"][field.name] = sorted(row["fields"][field.name], key=json.dumps)
    return rows


@pytest.fixture
def demo_with_attachment(db, settings, tmp_path):
    from soprovod.web.demo import build_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "attachments").mkdir(parents=True)
    (tmp_path / "media" / "attachments" / "act.pdf").write_bytes(b"%PDF-1.4 act")
    build_demo(clients=10, months=1, seed=5)
    return tmp_path


def test_backup_then_restore_gives_back_the_same_data(demo_with_attachment):
    from django.core.management import call_command

    from soprovod.accounts.models import User

    backup = demo_with_attachment / "soprovod.zip"
    call_command("backup", output=str(backup))
    before = dump_all()
    Client.objects.filter(tickets__isnull=True).first().delete()
    User.objects.create_user("intruder")
    (demo_with_attachment / "media" / "attachments" / "act.pdf").unlink()

    call_command("restore", str(backup), replace=True)

    assert dump_all() == before
    assert (demo_with_attachment / "media" / "attachments" / "act.pdf").read_bytes() == (
        b"%PDF-1.4 act"
    )


def test_restore_asks_before_replacing_data(demo_with_attachment):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    backup = demo_with_attachment / "soprovod.zip"
    call_command("backup", output=str(backup))

    with pytest.raises(CommandError, match="add --replace"):
        call_command("restore", str(backup))


def _rewrite_backup(source: Path, target: Path, **replacements: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            new.writestr(item, replacements.get(item.filename, old.read(item)))


def test_restore_refuses_a_backup_of_another_schema(demo_with_attachment):
    import json
    import zipfile

    from django.core.management import call_command
    from django.core.management.base import CommandError

    backup = demo_with_attachment / "soprovod.zip"
    call_command("backup", output=str(backup))
    manifest = json.loads(zipfile.ZipFile(backup).read("manifest.json"))
    manifest["migrations"]["clients"].append("0099_future")
    other = demo_with_attachment / "future.zip"
    _rewrite_backup(backup, other, **{"manifest.json": json.dumps(manifest).encode()})

    with pytest.raises(CommandError, match=r"another database schema.*clients\.0099_future"):
        call_command("restore", str(other), replace=True)


def test_failed_restore_changes_nothing(demo_with_attachment):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    backup = demo_with_attachment / "soprovod.zip"
    call_command("backup", output=str(backup))
    broken = demo_with_attachment / "broken.zip"
    _rewrite_backup(backup, broken, **{"data.json": b'[{"model": "clients.client", "pk": 1'})
    before = dump_all()

    with pytest.raises(CommandError, match="could not be loaded, nothing was changed"):
        call_command("restore", str(broken), replace=True)

    assert dump_all() == before


def test_restore_of_a_file_that_is_not_a_backup(transactional_db, capsys, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(HEADER + "\n")

    status, out, err = run(capsys, "restore", str(path))

    assert (status, err.strip()) == (1, f"error: {path}: not a Soprovod backup (not a zip file)")
