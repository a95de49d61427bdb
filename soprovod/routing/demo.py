"""Demo routing rules (issue 15), made after the demo's history so they route only the
tickets that come in from now on: emergencies to the least loaded senior engineer with the
head told, barrier words to their category, requests at night marked high, key accounts
watched by their success manager, and everything else in turn among the support managers."""

from __future__ import annotations

from soprovod.accounts.roles import Role
from soprovod.core.demo import DemoContext
from soprovod.routing import actions
from soprovod.routing.models import Assign, BusinessHours
from soprovod.sla.models import TicketType
from soprovod.tickets.models import Category, Priority


def create_rules(ctx: DemoContext) -> None:
    head = ctx.users_with_role(Role.HEAD)[0]
    barriers, _created = Category.objects.get_or_create(name="Шлагбаумы и считыватели")
    app, _created = Category.objects.get_or_create(name="Мобильное приложение")
    actions.do_save_rule(
        head,
        name="Аварии — наименее загруженному старшему инженеру",
        ticket_type=TicketType.EMERGENCY,
        assign=Assign.LEAST_LOADED,
        assign_role=Role.SENIOR_ENGINEER,
        set_priority=Priority.CRITICAL,
        notify_users=[head],
    )
    actions.do_save_rule(
        head,
        name="Шлагбаумы и считыватели — в свою категорию",
        words="шлагбаум, считывател, контроллер, ворота",
        set_category=barriers,
        set_priority=Priority.HIGH,
    )
    actions.do_save_rule(
        head,
        name="Мобильное приложение — в свою категорию",
        words="приложени, не могу войти, код из смс",
        set_category=app,
    )
    actions.do_save_rule(
        head,
        name="Ночью и в выходные — высокий приоритет",
        business_hours=BusinessHours.OUTSIDE,
        set_priority=Priority.HIGH,
    )
    actions.do_save_rule(
        head,
        name="Остальное — по очереди менеджерам сопровождения",
        assign=Assign.ROUND_ROBIN,
        assign_role=Role.SUPPORT_MANAGER,
        stop_processing=True,
    )
    ctx.log("routing: 5 rules")
