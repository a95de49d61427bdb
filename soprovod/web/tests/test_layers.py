"""The declared layers hold: `make lint` runs import-linter on the contract in pyproject.toml,
and an import the wrong way fails it (docs/architecture.md «Layers»)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import soprovod

ROOT = Path(soprovod.__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


def lint(package_parent: Path) -> subprocess.CompletedProcess:
    """lint-imports on the package found first on PYTHONPATH, with the project's contract."""
    return subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-cache", "--no-logo", CONFIG],
        cwd=package_parent,
        env={**os.environ, "PYTHONPATH": str(package_parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    parent = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "soprovod", parent / "soprovod", ignore=shutil.ignore_patterns("__pycache__")
    )
    return parent


@pytest.fixture
def add_module(package_copy):
    """Write ``soprovod/<package>/<name>.py`` into the copy; removed after the test."""
    added: list[Path] = []

    def add(package: str, source: str, name: str = "wrong_way") -> str:
        folder = package_copy / "soprovod" / package
        if not folder.exists():
            folder.mkdir()
            (folder / "__init__.py").write_text("")
            added.append(folder)
        path = folder / f"{name}.py"
        path.write_text(source + "\n")
        added.append(path)
        return f"soprovod.{package}.{name}"

    yield add
    for path in reversed(added):
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def test_the_code_keeps_its_layers():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("package", "source", "imported"),
    [
        ("lib", "from soprovod.clients import models", "soprovod.clients.models"),
        ("accounts", "from soprovod.tickets import models", "soprovod.tickets.models"),
        ("audit", "from soprovod.accounts import models", "soprovod.accounts.models"),
        ("clients", "from soprovod.web import navigation", "soprovod.web.navigation"),
        # inside a function too: a deferred import is still an upward dependency
        ("sla", "def late():\n    from soprovod.kpi import engine", "soprovod.kpi.engine"),
        # siblings of one layer do not import each other
        ("core", "from soprovod.accounts import roles", "soprovod.accounts.roles"),
    ],
)
def test_a_wrong_way_import_fails_lint(package_copy, add_module, package, source, imported):
    module = add_module(package, source)
    result = lint(package_copy)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout
    assert f"{module} -> {imported}" in result.stdout


# Apps the contract already places between tickets and kpi, before they exist.
APPS_TO_COME = ("knowledge", "success", "handoffs", "devrequests", "budget")


def test_an_app_to_come_takes_its_declared_place(package_copy, add_module):
    """A future app only needs its package: it may use the layers below it, not above."""
    absent = [name for name in APPS_TO_COME if not (ROOT / "soprovod" / name).exists()]
    if not absent:
        pytest.skip("every app the contract lists exists now")
    app = absent[0]
    add_module(app, "from soprovod.tickets import models", name="models")
    result = lint(package_copy)
    assert result.returncode == 0, result.stdout
    module = add_module(app, "from soprovod.kpi import engine", name="kpi_use")
    result = lint(package_copy)
    assert result.returncode == 1
    assert f"{module} -> soprovod.kpi.engine" in result.stdout
