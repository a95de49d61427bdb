"""The screenshots in docs/screenshots/: each role's home page and the support manager's
queue, at 1440×900 in Chromium, in Russian, with the demo data of a fixed seed on a fixed date
and a stopped clock. The README shows the head's home page.

They are taken by ``test_screenshots.py``, which checks every page renders sensibly (not blank,
no horizontal overflow, its key blocks there) and that a committed picture exists for each;
this script runs that test with SOPROVOD_SCREENSHOTS set, so the pictures are written from the
very pages the test checks::

    .venv/bin/python -m soprovod.tests_browser.screenshot [-o docs/screenshots]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / "docs" / "screenshots"
OUTPUT_ENV = "SOPROVOD_SCREENSHOTS"  # the directory the test writes the pictures to
SIZE = {"width": 1440, "height": 900}
# Wednesday morning in the middle of a month: open tickets, timers running, a closed month.
MOMENT = dt.datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("Europe/Moscow"))
DEMO = {"clients": 40, "months": 4, "seed": 42}


@dataclass(frozen=True)
class Shot:
    name: str  # the file's name without .png
    username: str  # the demo login
    path: str
    key_blocks: str  # a CSS selector that must match at least ``min_blocks`` visible elements
    min_blocks: int = 1


HOME_BLOCKS = "main section, main .card"
SHOTS = [
    Shot("home-head", "head", "/", HOME_BLOCKS),
    Shot("home-support", "support", "/", HOME_BLOCKS),
    Shot("home-csm", "csm", "/", HOME_BLOCKS),
    Shot("home-implementation", "implementation", "/", HOME_BLOCKS),
    Shot("home-engineer", "engineer", "/", HOME_BLOCKS),
    Shot("home-sales", "sales", "/", HOME_BLOCKS),
    Shot("home-dev", "dev", "/", HOME_BLOCKS),
    Shot("home-ceo", "ceo", "/", HOME_BLOCKS),
    Shot("home-client", "client1", "/", "main table tbody tr, main section, main .card"),
    Shot("queue", "support", "/tickets/", "main table tbody tr", min_blocks=5),
]


def regenerate(output: Path | str = DEFAULT_OUTPUT) -> Path:
    """Run the screenshot test with the pictures written to ``output``."""
    output = Path(output).resolve()
    output.mkdir(parents=True, exist_ok=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env[OUTPUT_ENV] = str(output)
    test = Path(__file__).with_name("test_screenshots.py")
    render = f"{test}::test_home_pages_and_queue_render_for_the_screenshots"
    done = subprocess.run(  # noqa: S603 - this Python's pytest on our own test
        [
            sys.executable,
            "-m",
            "pytest",
            render,
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
    )
    if done.returncode:
        raise SystemExit(f"the screenshot test failed (exit status {done.returncode})")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    options = parser.parse_args(argv)
    saved = regenerate(options.output)
    for shot in SHOTS:
        picture = saved / f"{shot.name}.png"
        print(f"saved {picture} ({picture.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
