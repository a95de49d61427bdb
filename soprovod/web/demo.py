"""The demo orchestration (interfaces.md «Demo data»): ``soprovod demo``, and ``make run`` on
an empty database. DEMO_STEPS lists every app's demo step in the order of creation; what a
step receives is described in ``soprovod.core.demo``.
"""

from __future__ import annotations

import random
from datetime import date
from time import monotonic
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from faker import Faker

from soprovod.accounts.demo import STAFF
from soprovod.accounts.models import User
from soprovod.clients.models import Client
from soprovod.core.demo import DEMO_PASSWORD, PORTAL_USERNAMES, DemoContext

# (name, function): the order is the order of creation.
DEMO_STEPS: list[tuple[str, str]] = [
    ("users", "soprovod.accounts.demo.create_users"),
    ("clients", "soprovod.clients.demo.create_clients"),
    ("mrr", "soprovod.clients.demo.create_mrr_history"),
    ("tickets", "soprovod.tickets.demo.create_tickets"),
    ("sla_policies", "soprovod.sla.demo.create_policies"),
    ("knowledge", "soprovod.knowledge.demo.create_articles"),
    ("incidents", "soprovod.incidents.demo.create_incidents"),
    ("nps", "soprovod.surveys.demo.create_nps_answers"),
    ("surveys", "soprovod.surveys.demo.create_survey_campaigns"),
    ("dev_requests", "soprovod.devrequests.demo.create_dev_requests"),
    ("handoffs", "soprovod.handoffs.demo.create_handoffs"),
    ("success", "soprovod.success.demo.create_success"),
    ("team", "soprovod.team.demo.create_team_records"),
    ("escalations", "soprovod.team.demo.create_escalations"),
    ("telegram", "soprovod.telegram.demo.create_telegram"),
    ("health", "soprovod.health.demo.create_health_scores"),
    ("budget", "soprovod.budget.demo.create_budget"),
    ("strategic", "soprovod.strategic.demo.create_strategic_kpis"),
    ("reviews", "soprovod.reports.demo.create_review_commentary"),
    ("meetings", "soprovod.meetings.demo.create_meetings"),
    ("bitrix", "soprovod.bitrix.demo.create_bitrix_sync"),
    ("quality", "soprovod.quality.demo.create_quality_reviews"),
    ("problems", "soprovod.problems.demo.create_problems"),
    ("macros", "soprovod.macros.demo.create_macros"),
    ("routing", "soprovod.routing.demo.create_rules"),
    ("kpi_months", "soprovod.kpi.demo.store_month_facts"),
    # Last: the search indexes what every step before it wrote.
    ("search", "soprovod.search.demo.index_everything"),
]

DEMO_USERNAMES = (*(person.username for person in STAFF), *PORTAL_USERNAMES)


def build_demo(
    *,
    clients: int = 400,
    months: int = 12,
    seed: int = 42,
    stdout: TextIO | None = None,
    today: date | None = None,
) -> DemoContext:
    """Create the demo data in one transaction by running DEMO_STEPS in order."""
    ctx = DemoContext(
        seed=seed,
        client_count=clients,
        months=months,
        today=today or timezone.localdate(),
        stdout=stdout,
    )
    with transaction.atomic():
        for name, path in DEMO_STEPS:
            step = import_string(path)
            ctx.rng = random.Random(f"{seed}:{name}")
            ctx.fake = Faker("ru_RU")
            ctx.fake.seed_instance(random.Random(f"{seed}:{name}:faker").getrandbits(64))
            started = monotonic()
            step(ctx)
            ctx.log(f"  {name}: done in {monotonic() - started:.1f} s")
    return ctx


def demo_is_loaded() -> bool:
    return User.objects.filter(username__in=DEMO_USERNAMES).exists()


def database_is_empty() -> bool:
    return not User.objects.exists() and not Client.objects.exists()


def demo_logins() -> list[dict[str, str]]:
    """The demo logins present in the database, in DEMO_USERNAMES order."""
    users = (
        User.objects.filter(username__in=DEMO_USERNAMES)
        .prefetch_related("role_rows")
        .select_related("contact__client")
    )
    order = {username: index for index, username in enumerate(DEMO_USERNAMES)}
    rows = []
    for user in sorted(users, key=lambda u: order[u.username]):
        contact = getattr(user, "contact", None)
        rows.append(
            {
                "login": user.username,
                "password": DEMO_PASSWORD,
                "role": ", ".join(sorted(user.role_codes)),
                "name": user.get_full_name(),
                "company": contact.client.name if contact else "",
            }
        )
    return rows


def format_logins(rows: list[dict[str, str]]) -> str:
    """The logins as a plain-text table for the terminal."""
    columns = ["login", "password", "role", "name", "company"]
    widths = {c: max([len(c), *(len(row[c]) for row in rows)]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(row[c].ljust(widths[c]) for c in columns).rstrip() for row in rows]
    return "\n".join(lines)
