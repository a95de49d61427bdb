"""Demo budget (issue 12): the previous and the current year, each with an approved plan
and the facts of every month already over; the previous year's plan was returned by the CEO
once before approval. In November and December the head's plan for next year awaits the
CEO, as it would in life. Written through the real actions at their historical times."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from soprovod.budget import actions, queries
from soprovod.budget.models import BudgetCategory
from soprovod.core.demo import DemoContext

# Roubles a month per category (a team of eight); the month's share for uneven categories.
MONTHLY = {
    BudgetCategory.STAFF: 1_250_000,
    BudgetCategory.TOOLS: 180_000,
    BudgetCategory.OTHER: 25_000,
}
TRAINING_MONTHS = {2: 120_000, 4: 60_000, 9: 150_000, 11: 60_000}
TRAVEL_MONTHS = {3: 90_000, 6: 140_000, 10: 90_000, 12: 60_000}
EQUIPMENT_MONTHS = {1: 320_000, 7: 210_000}


def plan_for(year: int, growth: float) -> dict[tuple[int, str], Decimal]:
    amounts = {}
    for month in range(1, 13):
        for category, amount in MONTHLY.items():
            amounts[(month, category)] = _rub(amount * growth)
        for category, months in (
            (BudgetCategory.TRAINING, TRAINING_MONTHS),
            (BudgetCategory.TRAVEL, TRAVEL_MONTHS),
            (BudgetCategory.EQUIPMENT, EQUIPMENT_MONTHS),
        ):
            if month in months:
                amounts[(month, category)] = _rub(months[month] * growth)
    return amounts


def _rub(amount: float) -> Decimal:
    return Decimal(round(amount / 1000) * 1000)


def create_budget(ctx: DemoContext) -> None:
    head, ceo = ctx.users["head"], ctx.users["ceo"]
    this_year = ctx.today.year
    previous = this_year - 1

    # The previous year: returned once (travel too high), then approved.
    version = actions.do_start_version(head, previous, at=ctx.at(dt.date(previous - 1, 12, 1)))
    first = plan_for(previous, 0.92)
    first[(6, BudgetCategory.TRAVEL)] = Decimal(260_000)
    actions.do_set_plan(head, version, first, note="Командировки: выезды к клиентам в регионы.")
    actions.do_submit_version(head, version, at=ctx.at(dt.date(previous - 1, 12, 3), 11))
    actions.do_return_version(
        ceo,
        version,
        comment="Командировки в июне урезать: выезды заменить видеовстречами, кроме ключевых.",
        at=ctx.at(dt.date(previous - 1, 12, 5), 15),
    )
    actions.do_set_plan(
        head,
        version,
        {(6, BudgetCategory.TRAVEL): _rub(140_000 * 0.92)},
        note="Июнь: только выезды к ключевым клиентам.",
    )
    actions.do_submit_version(head, version, at=ctx.at(dt.date(previous - 1, 12, 8), 10))
    actions.do_approve_version(
        ceo, version, comment="Согласовано.", at=ctx.at(dt.date(previous - 1, 12, 10), 12)
    )

    # This year: approved in December, then a second version in spring (more training).
    version = actions.do_start_version(head, this_year, at=ctx.at(dt.date(previous, 12, 1)))
    actions.do_set_plan(head, version, plan_for(this_year, 1.0))
    actions.do_submit_version(head, version, at=ctx.at(dt.date(previous, 12, 4), 11))
    actions.do_approve_version(
        ceo, version, comment="Согласовано.", at=ctx.at(dt.date(previous, 12, 9), 16)
    )
    if ctx.today.month >= 4:
        second = actions.do_start_version(head, this_year, at=ctx.at(dt.date(this_year, 3, 20)))
        actions.do_set_plan(
            head,
            second,
            {
                (5, BudgetCategory.TRAINING): Decimal(90_000),
                (11, BudgetCategory.TRAINING): Decimal(110_000),
            },
            note="Обучение по новым регламентам экстренных обращений.",
        )
        actions.do_submit_version(head, second, at=ctx.at(dt.date(this_year, 3, 23), 10))
        actions.do_approve_version(ceo, second, at=ctx.at(dt.date(this_year, 3, 25), 17))

    # Next year's plan, with the CEO from November.
    if ctx.today.month >= 11:
        draft = actions.do_start_version(head, this_year + 1, at=ctx.at(dt.date(this_year, 11, 20)))
        actions.do_set_plan(
            head, draft, plan_for(this_year + 1, 1.08), note="Рост портфеля: плюс инженер."
        )
        actions.do_submit_version(head, draft, at=ctx.at(dt.date(this_year, 11, 28), 12))

    _facts(ctx, head, previous, range(1, 13))
    _facts(ctx, head, this_year, range(1, ctx.today.month))


def _facts(ctx: DemoContext, head, year: int, months) -> None:
    plan = queries.plan_grid(queries.approved_version(year))
    for month in months:
        for category in BudgetCategory.values:
            planned = plan.get((month, category))
            if planned is None:
                # Unplanned spending now and then (a replaced laptop, a conference).
                if ctx.rng.random() < 0.08:
                    amount = Decimal(ctx.rng.randrange(15, 90) * 1000)
                else:
                    continue
            else:
                amount = _rub(float(planned) * ctx.rng.uniform(0.86, 1.09))
            actions.do_set_fact(head, year=year, month=month, category=category, amount=amount)
