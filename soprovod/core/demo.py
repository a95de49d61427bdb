"""What the demo steps share (interfaces.md «Demo data»): the DemoContext each step receives.

The demo is an ordered list of steps, ``soprovod.web.demo.DEMO_STEPS``. A step is a function
``step(ctx)`` taking the DemoContext: it reads what earlier steps made (``ctx.users``,
``ctx.clients``...), adds its own objects and may keep them on ``ctx.extra`` for later steps.
To add a part of the demo, write ``create_<things>(ctx)`` in your app's ``demo.py`` and add a
line to DEMO_STEPS after the steps it needs.

Determinism: each step gets its own ``ctx.rng`` (``random.Random``) and ``ctx.fake``
(``Faker("ru_RU")``), both seeded from the demo seed and the step's name, so the same seed
gives the same data, and adding a step never changes the data of the others. Dates are
anchored to ``ctx.today`` and nothing else depends on the clock.

Demo users have the password ``demo``; production never has such users (interfaces.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TextIO

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from faker import Faker

from soprovod.lib.periods import months_before

if TYPE_CHECKING:
    from soprovod.accounts.models import User

DEMO_PASSWORD = "demo"  # noqa: S105 - demo data only, documented in interfaces.md
# Client contacts with a portal login, at two different companies (made by the clients step).
PORTAL_USERNAMES = ("client1", "client2")


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
