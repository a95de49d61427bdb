"""The main menu, per role: each role sees only the sections it can use. A section is its
page's URL name, its label and the capability (soprovod.accounts.permissions) that opens it;
an app adds its line here when its pages exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import (
    can_manage_security,
    can_read_queue,
    can_read_reports,
    can_read_sla,
    can_see_budget,
    can_see_churn_cases,
    can_see_claims,
    can_see_dev_requests,
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
from soprovod.tickets.permissions import can_see_escalation_inbox
from soprovod.tickets.queries import escalation_inbox_count


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    count: int | None = None  # a figure beside the entry (open items waiting for the user)


# (url name, label, who sees it)
SECTIONS = [
    ("home", _("Home"), can_see_home),
    ("tickets:queue", _("Tickets"), can_read_queue),
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
    ("portal:home", _("My tickets"), can_use_portal),
    ("twofactor:security", _("Security"), can_manage_security),
]


# Entries that show a count: url name → count(user), asked only of users who see the entry.
COUNTS = {
    "escalations:inbox": escalation_inbox_count,
}


def menu_for(user, path: str) -> list[NavItem]:
    items = []
    for name, label, allowed in SECTIONS:
        if not allowed(user):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        count = COUNTS[name](user) if name in COUNTS else None
        items.append(NavItem(str(label), url, active, count))
    return items
