"""Panels that a higher app adds to a lower app's page (architecture.md «Upward
reactions»): the ticket page shows the development requests linked to the ticket without
`tickets` knowing `devrequests` exists.

A page names its slot (``"ticket"``, ``"client"``) and calls `render_panels` with the request
and its object; an app registers a provider for a slot from its ``AppConfig.ready`` with
`register_panel`. A provider returns the panel's HTML, or an empty string when it has
nothing to show that user; it must cost a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

PanelProvider = Callable[[HttpRequest, object], str]

_providers: dict[str, dict[str, PanelProvider]] = {}


def register_panel(page: str, name: str, provider: PanelProvider) -> None:
    """Show ``provider``'s panel on ``page``; registering ``name`` again replaces it."""
    _providers.setdefault(page, {})[name] = provider


def render_panels(page: str, request: HttpRequest, obj) -> list[SafeString]:
    """The panels registered for ``page``, rendered for ``request``'s user and ``obj``, in
    the order they were registered; empty ones left out."""
    rendered = (provider(request, obj) for provider in _providers.get(page, {}).values())
    return [mark_safe(html) for html in rendered if html]  # noqa: S308 - providers render templates
