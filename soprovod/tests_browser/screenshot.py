"""Regenerate the README's picture, docs/screenshot.png, from the demo data:

    .venv/bin/python -m soprovod.tests_browser.screenshot [-o docs/screenshot.png]

``regenerate()`` loads ``soprovod demo`` into a throwaway SQLite database, serves it on a free
loopback port, signs in through the login page and photographs the page at 1440×900 in
Chromium (Debian's /usr/bin/chromium, as in the browser tests), in Russian: the support
manager's ticket queue, as the README's caption says. ``take_screenshot()`` photographs any
page of a running server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented password of the demo users


def take_screenshot(
    base_url: str,
    output: Path | str = DEFAULT_OUTPUT,
    *,
    username: str = "support",
    path: str = "/tickets/",
    password: str = DEMO_PASSWORD,
    width: int = 1440,
    height: int = 900,
) -> Path:
    """Sign in as ``username`` on the server at ``base_url``, open ``path`` and save the
    visible part of the page (``width``×``height``, Russian) as a PNG at ``output``."""
    from playwright.sync_api import sync_playwright

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                base_url=base_url, locale="ru-RU", viewport={"width": width, "height": height}
            )
            page = context.new_page()
            page.goto("/accounts/login/")
            form = page.locator("form:has(input[name=password])")
            form.locator("input[name=username]").fill(username)
            form.locator("input[name=password]").fill(password)
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            if "/accounts/login/" in page.url:
                raise RuntimeError(f"could not sign in as {username!r}")
            page.goto(path, wait_until="networkidle")
            page.screenshot(path=str(output))
        finally:
            browser.close()
    return output


def _soprovod_command() -> list[str]:
    """The ``soprovod`` console script of this Python's environment."""
    script = Path(sys.executable).with_name("soprovod")
    if script.exists():
        return [str(script)]
    found = shutil.which("soprovod")
    if found is None:
        raise RuntimeError("the soprovod command is not installed (pip install -e .)")
    return [found]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit status {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {seconds:.0f} s")


def regenerate(
    output: Path | str = DEFAULT_OUTPUT, *, clients: int = 60, months: int = 6, seed: int = 42
) -> Path:
    """Demo data in a throwaway database, a local server, and the screenshot (see above)."""
    soprovod = _soprovod_command()
    with tempfile.TemporaryDirectory(prefix="soprovod-screenshot-") as data_dir:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(SOPROVOD_DATA_DIR=data_dir, DEBUG="1")

        def run(*args: str) -> None:
            done = subprocess.run(  # noqa: S603 - our own command, fixed arguments
                [*soprovod, *args], env=env, capture_output=True, text=True
            )
            if done.returncode:
                raise RuntimeError(f"soprovod {args[0]} failed:\n{done.stderr[-2000:]}")

        run("migrate", "--noinput", "-v", "0")
        run("demo", "--clients", str(clients), "--months", str(months), "--seed", str(seed))

        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [*soprovod, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_serving(f"{base_url}/accounts/login/", server)
            return take_screenshot(base_url, output)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--clients", type=int, default=60)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=42)
    options = parser.parse_args(argv)
    saved = regenerate(
        options.output, clients=options.clients, months=options.months, seed=options.seed
    )
    print(f"saved {saved} ({saved.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
