"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server
(docs: test-services.md, «Browser»; interfaces.md «Web»: every page works without JavaScript
errors in a current Chromium).

- ``chromium`` (session): one headless Chromium for the browser tests. Skipped, with the reason,
  only when /usr/bin/chromium is missing; `.ci/system-packages` installs it in CI.
- ``page``: a fresh browser context reading the interface in Russian, with every console error
  and uncaught page error collected in ``js_errors``; a test that leaves an error there fails.
- The live server runs over plain http, so the cookies are not ``Secure`` here (production sets
  them when DEBUG is off) — otherwise the browser would drop the session and CSRF cookies.

Playwright's sync API keeps an asyncio loop running in the main thread while it is started, and
Django refuses ORM calls from a thread with a running loop. Tests here touch the database only
between browser calls, never concurrently, so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while the
browser runs — and the browser is stopped after the last browser test in a row, so the rest of
the suite runs without the loop and without that setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "secret-pass-42"  # noqa: S105 - the shared staff/companies fixtures' password
TIMEOUT_MS = 15_000
HERE = Path(__file__).resolve().parent


class Chromium:
    """Playwright with one launched Chromium, started on first use and stopped explicitly."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None
        self._saved_env: str | None = None

    def browser(self):
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._saved_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        return self._browser

    def stop(self) -> None:
        if self._playwright is None:
            return
        try:
            self._browser.close()
        finally:
            self._playwright.stop()
            self._playwright = self._browser = None
            if self._saved_env is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._saved_env


_chromium = Chromium()


def _is_browser_test(item) -> bool:
    return item is not None and HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the test's own fixtures are torn down (the live server's database flush included),
    stop the browser if the next test is not a browser test."""
    try:
        return (yield)
    finally:
        if not _is_browser_test(nextitem):
            _chromium.stop()


@pytest.fixture(scope="session")
def chromium():
    """The session's headless Chromium (a ``playwright.sync_api.Browser`` via ``.browser()``)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
            "CI does it through .ci/system-packages)"
        )
    yield _chromium
    _chromium.stop()


@pytest.fixture(autouse=True)
def _browser_friendly_settings(settings, transactional_db):
    """Plain-http cookies (the default SLA policy comes back via soprovod/conftest.py)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0


@dataclass
class JsErrors:
    """Console errors and uncaught exceptions of one page, as readable lines."""

    lines: list[str] = field(default_factory=list)
    # Console errors about these URLs are expected (a page that answers 403/404 on purpose).
    expected_failures: set[str] = field(default_factory=set)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and url in self.expected_failures:
            return
        self.lines.append(f"console.error at {url or '?'}: {message.text}")

    def on_page_error(self, error) -> None:
        self.lines.append(f"uncaught {error.name}: {error.message}")

    def assert_none(self) -> None:
        found, self.lines = self.lines, []
        assert not found, "JavaScript errors:\n" + "\n".join(found)


@pytest.fixture
def js_errors() -> JsErrors:
    return JsErrors()


@pytest.fixture
def page(chromium, live_server, js_errors):
    """A page in a fresh context (Russian, 1280×900) with its JavaScript errors collected; the
    test fails if any is left unchecked at the end."""
    context = chromium.browser().new_context(
        base_url=live_server.url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", js_errors.on_console)
    tab.on("pageerror", js_errors.on_page_error)
    yield tab
    context.close()
    js_errors.assert_none()


def url_of(name: str, *args) -> str | None:
    """The path of a named URL, or None when its section is not built yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page, as a person would."""
    page.goto("/accounts/login/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def log_out(page) -> None:
    """The «Sign out» button of the top bar."""
    with page.expect_navigation():
        page.locator(f"form[action='{reverse('logout')}'] button[type=submit]").click()
    assert "/accounts/login/" in page.url


def menu_link(page, href: str):
    """The main menu's link to ``href``, its group opened first when it sits in one (the
    groups are dropdowns, soprovod.web.navigation)."""
    link = page.locator(f"nav.mainnav a[href='{href}']")
    group = page.locator("nav.mainnav details", has=page.locator(f"a[href='{href}']"))
    if group.count() and not link.is_visible():
        group.locator("summary").click()
    return link
