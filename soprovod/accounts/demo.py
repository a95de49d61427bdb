"""The demo's people (the «users» demo step): the department, one login per role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from soprovod.accounts.models import User, UserRole
from soprovod.accounts.roles import Role
from soprovod.lib.periods import months_before

if TYPE_CHECKING:
    from soprovod.core.demo import DemoContext

STAFF_EMAIL_DOMAIN = "pass24.example"


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
