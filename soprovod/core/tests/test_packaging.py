"""`pip install` builds the wheel quietly and the wheel carries every data file the app reads."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_wheel_builds_without_warnings_and_ships_package_data(tmp_path):
    # The build backend that pip runs, called directly: pip's own output would mix in the
    # machine's index configuration, which is not the project's to fix.
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            f"from hatchling.build import build_wheel; print(build_wheel({str(tmp_path)!r}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert "warning" not in result.stdout.lower(), result.stdout

    wheel = tmp_path / result.stdout.strip().splitlines()[-1]
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        "soprovod/templates/base.html",
        "soprovod/locale/ru/LC_MESSAGES/django.mo",
        "soprovod/sla/data/ru/2026.csv",
        "soprovod/web/management/commands/backup.py",
    ]
    for name in expected:
        assert name in names, f"{name} missing from the wheel"
    assert any(n.startswith("soprovod/core/static/") for n in names)
    assert not any("__pycache__" in n for n in names)
