"""Demo problems (issue 15): two from the repeat analysis — one fixed two months ago by a
rule change, with its repeats before and after; one open, waiting for development."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from soprovod.accounts.roles import Role
from soprovod.core.demo import DemoContext
from soprovod.devrequests.models import DevRequest
from soprovod.problems import actions, queries
from soprovod.problems.models import Problem
from soprovod.tickets.demo import demo_now
from soprovod.tickets.models import Ticket


def create_problems(ctx: DemoContext) -> None:
    head = ctx.users_with_role(Role.HEAD)[0]
    engineer = (ctx.users_with_role(Role.SENIOR_ENGINEER) or [head])[0]
    now = demo_now(ctx)
    # The client and category with the most repeats over the demo's months.
    top = list(
        Ticket.objects.filter(is_repeat=True, client__isnull=False, category__isnull=False)
        .values("client_id", "category_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "client_id")[:2]
    )
    if not top:
        return
    fixed = actions.do_create_problem(
        head,
        title="Повторные обращения по одной теме у ключевого клиента",
        cause="Охрана объекта не знала порядок действий: каждый раз звонили в поддержку.",
        owner=head,
        client_id=top[0]["client_id"],
        category_id=top[0]["category_id"],
        window_days=60,
    )
    actions.do_link_tickets(head, fixed, queries.repeats(fixed)[:200])
    actions.do_record_fix(
        head,
        fixed,
        fix_kind=Problem.FixKind.RULE_CHANGE,
        fix_description="Регламент для охраны объекта: что делать до звонка в поддержку; "
        "проведён инструктаж на объекте.",
        fixed_at=now - dt.timedelta(days=60),
    )
    if len(top) > 1:
        waiting = actions.do_create_problem(
            engineer,
            title="Сбои после обновления прошивки считывателей",
            cause="Новая прошивка теряет настройки после перезагрузки питания.",
            owner=engineer,
            client_id=top[1]["client_id"],
            category_id=top[1]["category_id"],
        )
        actions.do_link_tickets(engineer, waiting, queries.repeats(waiting)[:200])
        request = DevRequest.objects.order_by("-pk").first()
        if request is not None:
            actions.do_record_fix(
                engineer,
                waiting,
                fix_kind=Problem.FixKind.DEV_REQUEST,
                fix_dev_request=request,
                fix_description="Исправление прошивки в разработке.",
                fixed_at=now - dt.timedelta(days=7),
            )
    ctx.log(f"  problems: {Problem.objects.count()}")
