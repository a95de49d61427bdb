"""The main menu, per role: each role sees only the sections it can use. A section is its
page's URL name, its label and the capability (soprovod.accounts.permissions) that opens it;
an app adds its line here when its pages exist, and its URL name to a group of GROUP_OF.

Twenty-odd sections do not fit one line, so the top bar shows them in a few groups (work,
clients, team, reports, settings), each a dropdown that opens by keyboard too; a group the user
has one section of is shown as that section's own link."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import (
    can_link_telegram,
    can_manage_bitrix,
    can_manage_security,
    can_read_knowledge,
    can_read_queue,
    can_read_reports,
    can_read_sla,
    can_see_budget,
    can_see_churn_cases,
    can_see_claims,
    can_see_dev_requests,
    can_see_duty_rota,
    can_see_handoffs,
    can_see_health,
    can_see_home,
    can_see_kpi,
    can_see_meetings,
    can_see_portfolio,
    can_see_projects,
    can_see_strategic_kpis,
    can_see_surveys,
    can_see_team,
    can_use_portal,
)
from soprovod.incidents.permissions import can_see_incidents
from soprovod.macros.permissions import can_use_macros
from soprovod.problems.permissions import can_see_problems
from soprovod.quality.permissions import can_see_quality
from soprovod.routing.permissions import can_see_rules
from soprovod.tickets.permissions import can_see_escalation_inbox
from soprovod.tickets.queries import escalation_inbox_count


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    count: int | None = None  # a figure beside the entry (open items waiting for the user)


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: tuple[NavItem, ...]

    @property
    def active(self) -> bool:
        return any(item.active for item in self.items)

    @property
    def count(self) -> int:
        return sum(item.count or 0 for item in self.items)


# (url name, label, who sees it)
SECTIONS = [
    ("home", _("Home"), can_see_home),
    ("tickets:queue", _("Tickets"), can_read_queue),
    ("knowledge:list", _("Knowledge base"), can_read_knowledge),
    ("incidents:list", _("Mass incidents"), can_see_incidents),
    ("macros:list", _("Macros"), can_use_macros),
    ("problems:list", _("Problems"), can_see_problems),
    ("quality:home", _("Quality review"), can_see_quality),
    ("clients:list", _("Clients"), can_see_portfolio),
    ("health:portfolio", _("Client health"), can_see_health),
    ("projects:list", _("Projects"), can_see_projects),
    ("devrequests:list", _("Development"), can_see_dev_requests),
    ("surveys:campaigns", _("Surveys"), can_see_surveys),
    ("handoffs:list", _("Hand-offs"), can_see_handoffs),
    ("success:claims", _("Claims"), can_see_claims),
    ("success:churn", _("Clients who are leaving"), can_see_churn_cases),
    ("escalations:inbox", _("Escalations"), can_see_escalation_inbox),
    ("team:people", _("Team"), can_see_team),
    ("meetings:list", _("Meetings"), can_see_meetings),
    ("kpi:dashboard", _("KPI"), can_see_kpi),
    ("budget:home", _("Budget"), can_see_budget),
    ("strategic:home", _("Strategy"), can_see_strategic_kpis),
    ("reports:archive", _("Reports"), can_read_reports),
    ("sla:calendars", _("SLA and calendar"), can_read_sla),
    ("routing:rules", _("Routing"), can_see_rules),
    ("bitrix:log", _("Bitrix24"), can_manage_bitrix),
    ("telegram:duty", _("Duty rota"), can_see_duty_rota),
    ("portal:home", _("My tickets"), can_use_portal),
    ("telegram:home", _("Telegram"), can_link_telegram),
    ("portal:articles", _("Help articles"), can_use_portal),
    ("portal:sla", _("Service terms"), can_use_portal),
    ("twofactor:security", _("Security"), can_manage_security),
]


# The menu's groups, in their order, and the group of each section (its URL name). A section
# left out of GROUP_OF shows under MORE, and a test says so.
WORK, CLIENTS, TEAM, REPORTS, SETTINGS, MORE = (
    "work",
    "clients",
    "team",
    "reports",
    "settings",
    "more",
)
GROUPS = [
    (WORK, _("Work")),
    (CLIENTS, _("Clients")),
    (TEAM, _("Team")),
    (REPORTS, _("Reports")),
    (SETTINGS, _("Settings")),
    (MORE, _("More")),
]
GROUP_OF = {
    "tickets:queue": WORK,
    "escalations:inbox": WORK,
    "devrequests:list": WORK,
    "projects:list": WORK,
    "handoffs:list": WORK,
    "portal:home": WORK,
    "clients:list": CLIENTS,
    "health:portfolio": CLIENTS,
    "surveys:campaigns": CLIENTS,
    "success:claims": CLIENTS,
    "success:churn": CLIENTS,
    "team:people": TEAM,
    "meetings:list": TEAM,
    "kpi:dashboard": REPORTS,
    "strategic:home": REPORTS,
    "budget:home": REPORTS,
    "reports:archive": REPORTS,
    "sla:calendars": SETTINGS,
    "twofactor:security": SETTINGS,
    # Sections of apps being built this session, placed ahead (a name not in SECTIONS is unused).
    "knowledge:list": WORK,
    "portal:articles": WORK,
    "portal:sla": WORK,
    "incidents:list": WORK,
    "problems:list": WORK,
    "macros:list": WORK,
    "quality:home": TEAM,
    "telegram:duty": TEAM,
    "routing:rules": SETTINGS,
    "bitrix:log": SETTINGS,
    "telegram:home": SETTINGS,
}
# Shown on their own, before the groups: the home page, and the portal's few sections (a
# client contact sees plain links, never a dropdown).
UNGROUPED = {"home", "portal:home", "portal:articles", "portal:sla"}

# Entries that show a count: url name → count(user), asked only of users who see the entry.
COUNTS = {
    "escalations:inbox": escalation_inbox_count,
}


def _entries(user, path: str) -> list[tuple[str, NavItem]]:
    """(url name, entry) for every section ``user`` may open, in SECTIONS' order."""
    entries = []
    for name, label, allowed in SECTIONS:
        if not allowed(user):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        count = COUNTS[name](user) if name in COUNTS else None
        entries.append((name, NavItem(str(label), url, active, count)))
    return entries


def menu_for(user, path: str) -> list[NavItem]:
    """The sections ``user`` may open, as one flat list (the home page's tiles)."""
    return [item for _name, item in _entries(user, path)]


def grouped_menu(items: list[tuple[str, NavItem]]) -> list[NavItem | NavGroup]:
    """The top bar's entries: the ungrouped sections, then each group with its sections in
    their SECTIONS order; a group with a single section becomes that section's link."""
    ungrouped = [item for name, item in items if name in UNGROUPED]
    by_group: dict[str, list[NavItem]] = {}
    for name, item in items:
        if name not in UNGROUPED:
            by_group.setdefault(GROUP_OF.get(name, MORE), []).append(item)
    menu: list[NavItem | NavGroup] = list(ungrouped)
    for key, label in GROUPS:
        members = by_group.get(key, [])
        if len(members) == 1:
            menu.append(members[0])
        elif members:
            menu.append(NavGroup(str(label), tuple(members)))
    return menu


def navigation_for(user, path: str) -> tuple[list[NavItem], list[NavItem | NavGroup]]:
    """The flat list of sections and the top bar's grouped menu, from one pass of checks."""
    entries = _entries(user, path)
    return [item for _name, item in entries], grouped_menu(entries)
