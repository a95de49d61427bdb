"""The client page a higher app may take over (architecture.md «Upward reactions»): the
success app renders the client 360 at /clients/<id>/ without `clients` knowing it exists.

`clients.views.client_detail` checks who may read the client, builds what the page has
always shown (``context``: the client, `queries.client_page`, ``can_edit``, the panels) and
hands it to the registered renderer; without one it renders ``clients/detail.html`` itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

ClientPageRenderer = Callable[[HttpRequest, object, dict], HttpResponse]

_renderer: ClientPageRenderer | None = None


def register_client_page(renderer: ClientPageRenderer | None) -> None:
    """Render the client page with ``renderer(request, client, context)`` (None: the plain
    page again)."""
    global _renderer  # noqa: PLW0603 - the one registry of a hook, as core.panels
    _renderer = renderer


def client_page_renderer() -> ClientPageRenderer | None:
    return _renderer
