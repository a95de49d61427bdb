"""The page crawl (issue 16, «Small screens and accessibility»): every page a role reaches from
its menu, and the first record of each list the menu leads to, opened at a desk's width and at
a phone's, each checked for

- horizontal overflow: the document is no wider than the viewport (``scrollWidth`` against
  ``clientWidth``, so a vertical scrollbar does not hide an overflow);
- JavaScript errors: console errors and uncaught exceptions;
- accessibility: no *serious* or *critical* violation reported by axe-core (installed from npm,
  ``node_modules/axe-core``; injected into the page, never served to users).

The crawl follows the top bar (the main menu, its groups included, and the user's profile), so a
section that another app adds to ``soprovod.web.navigation`` is crawled without a line here.

Used by ``test_page_crawl.py`` against the live server, and runnable by hand against any
server that has the demo data, which is quicker when fixing what it finds::

    .venv/bin/python -m soprovod.tests_browser.crawl http://127.0.0.1:8000 head support
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desk": (1440, 900), "phone": (390, 844)}
SERIOUS = ("serious", "critical")
# Links the crawl never follows: downloads and anything that changes state on GET.
SKIPPED_PATH = re.compile(r"(\.(xlsx|csv|pdf|ics|json|zip)$)|/(export|download|logout)/", re.I)

# Every anchor of the top bar, the closed dropdowns' too: (href, text).
_MENU_LINKS_JS = """() => Array.from(document.querySelectorAll('header.topbar a[href]'))
  .map(a => a.href)"""

# The first link of a list page that leads to one record: below the list's own address, with a
# digit in the rest of the path (an id or a number), not in a table head (sorting links).
_FIRST_RECORD_JS = """(listPath) => {
  for (const a of document.querySelectorAll('main a[href]')) {
    if (a.closest('thead, nav, .pagination, .filters')) continue;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) continue;
    const path = url.pathname;
    if (!path.startsWith(listPath) || path === listPath) continue;
    if (!/\\d/.test(path.slice(listPath.length))) continue;
    return url.pathname;
  }
  return null;
}"""

# What overflows: the document's width and the widest elements sticking out of the viewport.
_OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const result = {scrollWidth: root.scrollWidth, clientWidth: width, culprits: []};
  if (root.scrollWidth <= width) return result;
  const seen = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 0.5 || box.width === 0) continue;
    if (seen.some(parent => parent.contains(el))) continue;
    seen.push(el);
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    result.culprits.push(`${name} right=${Math.round(box.right)}`);
    if (result.culprits.length >= 5) break;
  }
  return result;
}"""

_NEXT_FRAMES_JS = """() => new Promise(done =>
  requestAnimationFrame(() => requestAnimationFrame(() => done())))"""

_HAS_AXE_JS = "() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"

_AXE_RUN_JS = """async (withContrast) => {
  const rules = withContrast ? {} : {'color-contrast': {enabled: false}};
  const result = await axe.run(document, {resultTypes: ['violations'], rules});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}));
}"""

# The part of a page that depends on what it shows, not on who looks: the main content with
# the per-request tokens taken out. Two roles that get the same main content at the same width
# see the same page (the top bar is checked on every role's first page).
_MAIN_HTML_JS = """() => { const main = document.querySelector('main');
  return main ? main.outerHTML : document.body.outerHTML; }"""
_TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
_DIGITS = re.compile(r"\d+")  # timers, counts and dates change as the clock runs, not the page


@dataclass
class Problem:
    username: str
    width: str
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.username} @ {self.width} {self.path}: {self.what}"


@dataclass
class CrawlReport:
    checked: list[tuple[str, str, str]] = field(default_factory=list)  # (user, width, path)
    visited: dict[str, list[str]] = field(default_factory=dict)  # user → paths opened
    skipped_same: int = 0  # pages another role already had checked with the same content
    problems: list[Problem] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)  # fingerprints of the pages checked


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"{username} could not sign in")


def menu_paths(page, base_url: str) -> list[str]:
    """The addresses the top bar leads to on the current page, in their order, this site only."""
    origin = urlsplit(base_url)
    paths: list[str] = []
    for href in page.evaluate(_MENU_LINKS_JS):
        url = urlsplit(href)
        if url.netloc != origin.netloc or SKIPPED_PATH.search(url.path):
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if path not in paths:
            paths.append(path)
    return paths


def check_page(
    page, report: CrawlReport, username: str, path: str, errors: list[str], *, first: bool = False
) -> bool:
    """Open ``path`` once and check it at every width of WIDTHS (the page is resized, not
    reloaded: the server renders the same page for every width). False when it did not open."""
    errors.clear()
    report.visited.setdefault(username, []).append(path)
    _resize(page, next(iter(WIDTHS)))
    response = page.goto(path, wait_until="load")
    status = response.status if response is not None else 0
    if status != 200:
        report.problems.append(Problem(username, "-", path, f"HTTP {status}"))
        return False
    html = _DIGITS.sub("0", _TOKENS.sub(r"\1", page.evaluate(_MAIN_HTML_JS)))
    # A role's first page is always checked: it is where its top bar is checked.
    fingerprint = hashlib.sha256(((username if first else "") + html).encode()).hexdigest()
    if fingerprint in report._seen:
        report.skipped_same += 1
        return True
    report._seen.add(fingerprint)
    for width in WIDTHS:
        report.checked.append((username, width, path))
    for width, what in problems_at_widths(page):
        report.problems.append(Problem(username, width, path, what))
    for line in errors:
        report.problems.append(Problem(username, "-", path, f"JavaScript: {line}"))
    errors.clear()
    return True


def problems_at_widths(page) -> list[tuple[str, str]]:
    """(width, what is wrong) for the page open in ``page``, resized to each width of WIDTHS:
    horizontal overflow and axe-core's serious and critical violations. Colour contrast, the
    slowest rule, is checked at the first width only: the stylesheet changes the layout for a
    phone, never the colours. axe-core is injected unless the page has it (``with_axe``)."""
    problems: list[tuple[str, str]] = []
    if not page.evaluate(_HAS_AXE_JS):
        page.add_script_tag(path=str(AXE_JS))
    for index, width in enumerate(WIDTHS):
        _resize(page, width)
        page.evaluate(_NEXT_FRAMES_JS)  # the page's own resize handlers have run
        overflow = page.evaluate(_OVERFLOW_JS)
        if overflow["scrollWidth"] > overflow["clientWidth"]:
            problems.append(
                (
                    width,
                    f"overflow: {overflow['scrollWidth']} px wide in "
                    f"{overflow['clientWidth']} px ({'; '.join(overflow['culprits'])})",
                )
            )
        for violation in page.evaluate(_AXE_RUN_JS, index == 0):
            nodes = " | ".join(violation["nodes"])
            problems.append(
                (
                    width,
                    f"axe {violation['impact']} {violation['id']}: {violation['help']} [{nodes}]",
                )
            )
    return problems


def crawl_role(context, base_url: str, username: str, password: str, report: CrawlReport) -> None:
    """Sign ``username`` in within ``context`` and check every page of their menu, with each
    list's first record, at every width of WIDTHS."""
    errors: list[str] = []
    with_axe(context)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            errors.append(f"console.error: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"uncaught {error.name}: {error.message}"))
    try:
        _resize(page, next(iter(WIDTHS)))
        sign_in(page, username, password)
        records: list[str] = []
        for index, path in enumerate(menu_paths(page, base_url)):
            if not check_page(page, report, username, path, errors, first=index == 0):
                continue
            list_path = urlsplit(path).path
            if list_path != "/":
                _resize(page, next(iter(WIDTHS)))
                record = page.evaluate(_FIRST_RECORD_JS, list_path)
                if record and record not in records:
                    records.append(record)
        for record in records:
            check_page(page, report, username, record, errors)
    finally:
        page.close()


def with_axe(context) -> None:
    """axe-core in every page ``context`` opens, from the page's start: sent to the browser
    once per context instead of once per page checked (its half megabyte was a third of the
    crawl's time). It only defines ``window.axe``; nothing runs it but the checks."""
    context.add_init_script(path=str(AXE_JS))


def _size(width: str) -> dict[str, int]:
    w, h = WIDTHS[width]
    return {"width": w, "height": h}


def _resize(page, width: str) -> None:
    """The viewport at ``width``; nothing sent to the browser when it is so already."""
    if page.viewport_size != _size(width):
        page.set_viewport_size(_size(width))


def main(argv: list[str]) -> int:
    """Crawl a running server as the given demo logins and print what is wrong."""
    from playwright.sync_api import sync_playwright

    from soprovod.tests_browser.conftest import CHROMIUM, CHROMIUM_ARGS

    base_url, *usernames = argv
    report = CrawlReport()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        for username in usernames:
            context = browser.new_context(base_url=base_url, locale="ru-RU")
            crawl_role(context, base_url, username, "demo", report)
            context.close()
        browser.close()
    for problem in report.problems:
        print(problem)
    print(f"{len(report.checked)} pages checked, {report.skipped_same} the same as already checked")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
