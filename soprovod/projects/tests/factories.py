"""Projects for tests: opened through the real action from the shipped templates."""

from __future__ import annotations

import datetime as dt

from soprovod.projects.actions import do_open_project
from soprovod.projects.models import Project


def open_project(client, owner, *, start: dt.date = dt.date(2026, 10, 5), actor=None) -> Project:
    """A project for ``client`` planned from ``start`` with the template of its tariff."""
    return do_open_project(actor or owner, client, owner=owner, start=start)
