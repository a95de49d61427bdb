"""The main menu, per role: each role sees only the sections it can use."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import can_see_portfolio, can_see_projects


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (url name, label, who sees it). Sections register here as they are built.
SECTIONS = [
    ("home", _("Home"), lambda u: u.is_staff_member),
    ("tickets:queue", _("Tickets"), lambda u: u.is_support_staff or u.has_role("ceo")),
    ("clients:list", _("Clients"), can_see_portfolio),
    ("projects:list", _("Projects"), can_see_projects),
    ("kpi:dashboard", _("KPI"), lambda u: u.has_role("head", "ceo") or u.is_superuser),
    ("reports:archive", _("Reports"), lambda u: u.has_role("head", "ceo") or u.is_superuser),
    ("sla:calendars", _("SLA and calendar"), lambda u: u.is_support_staff),
    ("portal:home", _("My tickets"), lambda u: u.is_client_contact),
]


def menu_for(user, path: str) -> list[NavItem]:
    items = []
    for name, label, allowed in SECTIONS:
        if not allowed(user):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # section not installed yet
        active = path == url if url == "/" else path.startswith(url)
        items.append(NavItem(str(label), url, active))
    return items
