"""Screenshots of each role's home page and of the queue (issue 16, «Done when»), rendered
from the demo data of a fixed seed at a stopped clock (soprovod.tests_browser.screenshot).

Each page must render sensibly: the picture is not blank, nothing is wider than the screen,
its key blocks are there. The committed picture of every page must exist and be a 1440×900
PNG. The pictures are not compared pixel by pixel — a template edit must not break this test;
`python -m soprovod.tests_browser.screenshot` writes them anew (SOPROVOD_SCREENSHOTS)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from soprovod.core.demo import DEMO_PASSWORD
from soprovod.tests_browser.crawl import sign_in
from soprovod.tests_browser.screenshot import DEFAULT_OUTPUT, DEMO, MOMENT, OUTPUT_ENV, SHOTS, SIZE
from soprovod.web.demo import build_demo

pytestmark = pytest.mark.django_db(transaction=True)


def _is_sane_picture(png: bytes) -> str | None:
    """Why the picture is not a page someone could read, or None."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.size != (SIZE["width"], SIZE["height"]):
        return f"size {image.size}"
    colours = image.getcolors(maxcolors=1_000_000) or []
    if len(colours) < 50:
        return f"only {len(colours)} colours: a blank or unstyled page"
    if max(ImageStat.Stat(image.convert("L")).stddev) < 10:
        return "no contrast: a blank page"
    return None


@pytest.mark.parametrize("shot", SHOTS, ids=[shot.name for shot in SHOTS])
def test_the_committed_screenshot_exists(shot):
    picture = DEFAULT_OUTPUT / f"{shot.name}.png"
    assert picture.exists(), f"{picture} is missing: python -m soprovod.tests_browser.screenshot"
    with Image.open(picture) as image:
        assert image.format == "PNG"
        assert image.size == (SIZE["width"], SIZE["height"])


def test_readme_shows_the_heads_home_page():
    readme = (DEFAULT_OUTPUT.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "](docs/screenshots/home-head.png)" in readme


def test_home_pages_and_queue_render_for_the_screenshots(chromium, live_server, time_machine):
    time_machine.move_to(MOMENT, tick=False)
    build_demo(today=MOMENT.date(), **DEMO)
    write_to = os.environ.get(OUTPUT_ENV)
    browser = chromium.browser()
    problems: list[str] = []
    for shot in SHOTS:
        context = browser.new_context(
            base_url=live_server.url, locale="ru-RU", viewport=SIZE, timezone_id="Europe/Moscow"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error, e=errors: e.append(error.message))
        try:
            sign_in(page, shot.username, DEMO_PASSWORD)
            response = page.goto(shot.path, wait_until="load")
            where = f"{shot.name} ({shot.username} {shot.path})"
            if response.status != 200:
                problems.append(f"{where}: HTTP {response.status}")
                continue
            page.evaluate("document.fonts.ready.then(() => null)")
            width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            if width[0] > width[1]:
                problems.append(f"{where}: {width[0]} px wide in {width[1]} px")
            if not page.locator("main h1").first.is_visible():
                problems.append(f"{where}: no heading")
            blocks = page.locator(shot.key_blocks).filter(visible=True).count()
            if blocks < shot.min_blocks:
                problems.append(
                    f"{where}: {blocks} of «{shot.key_blocks}», {shot.min_blocks} wanted"
                )
            png = page.screenshot()
            if reason := _is_sane_picture(png):
                problems.append(f"{where}: {reason}")
            problems.extend(f"{where}: JavaScript: {line}" for line in errors)
            if write_to:
                Path(write_to, f"{shot.name}.png").write_bytes(png)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
