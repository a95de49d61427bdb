"""Realistic demo data (interfaces.md «Demo data»): ``soprovod demo``, and ``make run`` on an
empty database.

The demo is an ordered list of steps, DEMO_STEPS. A step is a function ``step(ctx)`` taking
the DemoContext: it reads what earlier steps made (``ctx.users``, ``ctx.clients``...), adds
its own objects and may keep them on ``ctx.extra`` for later steps. To add a part of the
demo (tickets with SLA history, surveys, projects, handoffs...), write ``create_<things>(ctx)``
in your app's ``demo.py`` and add a line to DEMO_STEPS after the steps it needs.

Determinism: each step gets its own ``ctx.rng`` (``random.Random``) and ``ctx.fake``
(``Faker("ru_RU")``), both seeded from the demo seed and the step's name, so the same seed
gives the same data, and adding a step never changes the data of the others. Dates are
anchored to ``ctx.today`` and nothing else depends on the clock.

Demo users have the password ``demo``; production never has such users (interfaces.md).
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from time import monotonic
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from faker import Faker

from soprovod.accounts.models import User, UserRole
from soprovod.accounts.roles import Role

DEMO_PASSWORD = "demo"  # noqa: S105 - demo data only, documented in interfaces.md
STAFF_EMAIL_DOMAIN = "pass24.example"

# (name, function): the order is the order of creation.
DEMO_STEPS: list[tuple[str, str]] = [
    ("users", "soprovod.core.demo.create_users"),
    ("clients", "soprovod.clients.demo.create_clients"),
    ("tickets", "soprovod.tickets.demo.create_tickets"),
    ("nps", "soprovod.surveys.demo.create_nps_answers"),
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    last_name: str
    first_name: str
    email_name: str  # the part of the email before @
    position: str
    role: str


# One login per role (interfaces.md), then colleagues so the department looks alive.
STAFF: tuple[DemoPerson, ...] = (
    DemoPerson("head", "Соколова", "Марина", "m.sokolova", "Руководитель отдела сопровождения", Role.HEAD),
    DemoPerson("support", "Кузнецов", "Дмитрий", "d.kuznetsov", "Менеджер технической поддержки", Role.SUPPORT_MANAGER),
    DemoPerson("csm", "Морозова", "Анна", "a.morozova", "Менеджер по сопровождению клиентов", Role.SUCCESS_MANAGER),
    DemoPerson("implementation", "Волков", "Игорь", "i.volkov", "Менеджер по внедрению проектов", Role.IMPLEMENTATION_MANAGER),
    DemoPerson("engineer", "Лебедев", "Алексей", "a.lebedev", "Старший инженер", Role.SENIOR_ENGINEER),
    DemoPerson("sales", "Никитин", "Сергей", "s.nikitin", "Руководитель отдела продаж", Role.SALES),
    DemoPerson("dev", "Орлов", "Павел", "p.orlov", "Руководитель отдела разработки", Role.DEVELOPMENT),
    DemoPerson("ceo", "Захаров", "Андрей", "a.zakharov", "Генеральный директор", Role.CEO),
    DemoPerson("support2", "Егоров", "Максим", "m.egorov", "Менеджер технической поддержки", Role.SUPPORT_MANAGER),
    DemoPerson("support3", "Козлова", "Ирина", "i.kozlova", "Менеджер технической поддержки", Role.SUPPORT_MANAGER),
    DemoPerson("csm2", "Павлова", "Екатерина", "e.pavlova", "Менеджер по сопровождению клиентов", Role.SUCCESS_MANAGER),
    DemoPerson("csm3", "Фёдоров", "Артём", "a.fedorov", "Менеджер по сопровождению клиентов", Role.SUCCESS_MANAGER),
    DemoPerson("engineer2", "Тихонов", "Роман", "r.tikhonov", "Старший инженер", Role.SENIOR_ENGINEER),
    DemoPerson("sales2", "Белова", "Ольга", "o.belova", "Менеджер по продажам", Role.SALES),
)  # fmt: skip
# Client contacts with a portal login, at two different companies (made by the clients step).
PORTAL_USERNAMES = ("client1", "client2")
DEMO_USERNAMES = (*(person.username for person in STAFF), *PORTAL_USERNAMES)


@dataclass
class DemoContext:
    """What the steps share. ``rng`` and ``fake`` are replaced before each step."""

    seed: int
    client_count: int
    months: int
    today: date
    stdout: TextIO | None = None
    rng: random.Random = field(default_factory=random.Random)
    fake: Faker = field(default_factory=lambda: Faker("ru_RU"))
    users: dict[str, User] = field(default_factory=dict)
    clients: list = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    _password_hash: str = ""

    @property
    def history_start(self) -> date:
        """The first day of the demo's history: ``months`` months before today."""
        return months_before(self.today, self.months)

    def users_with_role(self, role: str) -> list[User]:
        return [user for user in self.users.values() if role in user.role_codes]

    def password_hash(self) -> str:
        # Hashing is deliberately slow (Argon2); one hash serves every demo login.
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        """An aware datetime on ``day`` at a wall-clock time in the department's zone."""
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")


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


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` months earlier (the month's last day if shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def demo_is_loaded() -> bool:
    return User.objects.filter(username__in=DEMO_USERNAMES).exists()


def database_is_empty() -> bool:
    from soprovod.clients.models import Client

    return not User.objects.exists() and not Client.objects.exists()


def create_users(ctx: DemoContext) -> None:
    """The department (STAFF) with the demo password; all in one bulk insert."""
    users = [
        User(
            username=person.username,
            first_name=person.first_name,
            last_name=person.last_name,
            email=f"{person.email_name}@{STAFF_EMAIL_DOMAIN}",
            position=person.position,
            phone=f"+7 (495) 120-{40 + number:02d}-{ctx.rng.randint(10, 99)}",
            password=ctx.password_hash(),
            date_joined=ctx.at(months_before(ctx.today, 24 + ctx.rng.randint(0, 24))),
        )
        for number, person in enumerate(STAFF)
    ]
    User.objects.bulk_create(users)
    UserRole.objects.bulk_create(
        UserRole(user=user, role=person.role) for user, person in zip(users, STAFF, strict=True)
    )
    for user, person in zip(users, STAFF, strict=True):
        user._role_codes = frozenset({person.role})
        ctx.users[user.username] = user


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
