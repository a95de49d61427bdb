"""The top bar by keyboard (issue 16, «Small screens and accessibility»): the skip link leads
past the menu; the head's twenty sections sit in a few groups on one line at 1440 px; a group
opens with Enter, its links follow with Tab, Escape closes it and gives the focus back; the
focus is always visible; on a phone an open group's panel stays on the screen."""

from __future__ import annotations

import pytest

from soprovod.tests_browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

FOCUS_IS_VISIBLE = """() => { const el = document.activeElement;
  const style = getComputedStyle(el);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2; }"""
ACTIVE = "() => document.activeElement.id || document.activeElement.textContent.trim()"


def _tab_until(page, selector: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("width", [1440, 390])
def test_the_menu_works_by_keyboard_with_visible_focus(page, staff, width):
    height = 900 if width > 600 else 844
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, staff.head.username)
    page.goto("/tickets/")

    # The first Tab shows the skip link; Enter moves the focus to the page's content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0
    assert page.evaluate(FOCUS_IS_VISIBLE)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"

    # The groups: the head's menu is a handful of entries, on one line at a desk.
    page.goto("/tickets/")
    entries = page.locator("nav.mainnav .nav-entries > li")
    assert 4 <= entries.count() <= 7
    if width > 600:
        boxes = [entry.bounding_box() for entry in entries.all()]
        tops = [box["y"] for box in boxes]
        assert max(tops) - min(tops) < min(box["height"] for box in boxes), "the menu wraps"
    work = page.locator("nav.mainnav details:has(a[href='/tickets/'])")
    queue_link = work.locator("a[href='/tickets/']")
    assert not queue_link.is_visible()

    _tab_until(page, "nav.mainnav details:has(a[href='/tickets/']) > summary")
    assert page.evaluate(FOCUS_IS_VISIBLE)
    page.keyboard.press("Enter")
    assert queue_link.is_visible()
    panel = work.locator(".nav-panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= width, "the panel leaves the screen"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "/tickets/"
    assert page.evaluate(FOCUS_IS_VISIBLE)
    page.keyboard.press("Escape")
    assert not queue_link.is_visible()
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"

    # Opening another group closes the first; a click elsewhere closes it too.
    page.keyboard.press("Enter")
    clients = page.locator("nav.mainnav details:has(a[href='/clients/']) > summary")
    clients.click()
    assert not queue_link.is_visible()
    assert page.locator("nav.mainnav a[href='/clients/']").is_visible()
    page.mouse.click(width - 5, height - 5)  # the page's content, below any open panel
    assert page.locator("nav.mainnav details[open]").count() == 0

    # A link in a group leads to its page, and the group shows where the user is.
    clients.click()
    with page.expect_navigation():
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    assert page.url.endswith("/clients/")
    assert (
        page.locator("nav.mainnav details:has(a[href='/clients/']) > summary.active").count() == 1
    )
