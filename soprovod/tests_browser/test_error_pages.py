"""The refusal and error pages as a browser shows them with DEBUG off (issue 16, «Errors and
empty states»): 403, 404 and 500 are Russian, inside the site's frame (the top bar with the
brand; the menu too where the user is known), lead back to the home page, fit a phone and pass
axe. soprovod/web/tests/test_refusals.py checks the same pages' HTML without a browser."""

from __future__ import annotations

import re

import pytest
from django.urls import clear_url_caches, path

from soprovod.tests_browser.conftest import log_in
from soprovod.tests_browser.crawl import problems_at_widths
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _boom(request):
    raise RuntimeError("secret detail of the bug")


urlpatterns: list = []
handler500 = "soprovod.web.views.server_error"


@pytest.fixture
def production_like(settings):
    """DEBUG off, and the site's URLs plus one that fails (/boom/)."""
    from soprovod import urls

    global urlpatterns
    urlpatterns = [path("boom/", _boom), *urls.urlpatterns]
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    yield
    clear_url_caches()


# (who, address, status); the exact words are pinned by web/tests/test_refusals.py.
CASES = [
    ("sales", "/kpi/", 403),
    ("client1", "/tickets/", 403),
    ("support", "/tickets/999999/", 404),
    (None, "/no-such-page/", 404),
    ("support", "/boom/", 500),
]
RUSSIAN = re.compile(r"^[^A-Za-z]*[А-Яа-яЁё][^A-Za-z]*$")  # Cyrillic words, no Latin ones


@pytest.mark.parametrize(("username", "address", "status"), CASES)
def test_error_pages_are_russian_in_the_frame_with_a_way_back(
    page, js_errors, live_server, staff, companies, production_like, username, address, status
):
    TicketFactory(client=companies.a)
    if username:
        log_in(page, username)
    url = live_server.url + address
    js_errors.expected_failures.add(url)  # the refusal itself is logged as a failed load
    response = page.goto(address)
    assert response.status == status
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("header.topbar .brand").inner_text() == "Сопровод"
    for text in (page.locator("main h1").inner_text(), page.locator("main p").first.inner_text()):
        assert RUSSIAN.match(text), f"not Russian: {text!r}"
    if username and status != 500:
        assert page.locator("nav.mainnav").count() == 1, "the menu stays on a refusal"
    assert "secret detail" not in page.content()
    problems = problems_at_widths(page)
    assert not problems, "\n".join(f"{width}: {what}" for width, what in problems)
    with page.expect_navigation():
        page.locator("main a[href='/']").first.click()  # the way back
    assert page.url != url
    assert page.locator("main h1").count() >= 1
    js_errors.assert_none()
