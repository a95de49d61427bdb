"""Demo strategic KPIs (issue 12): this year's, each with a plan per quarter — three fed from
product KPIs of the engine (retention, SLA compliance, CSAT) and one entered by hand with a
comment for every quarter already over."""

from __future__ import annotations

from soprovod.core.demo import DemoContext
from soprovod.strategic import actions
from soprovod.strategic.models import FactSource

FED = [
    ("retention", "Удержание клиентов не ниже 98 %", "retention", 0.98),
    ("sla", "Обращения в соответствии с SLA", "sla.all", 0.95),
    ("csat", "Удовлетворённость клиентов 4,5+", "csat", 4.5),
]


def create_strategic_kpis(ctx: DemoContext) -> None:
    head = ctx.users["head"]
    year = ctx.today.year
    for key, title, kpi_key, plan in FED:
        actions.do_define_kpi(
            head,
            year=year,
            key=key,
            title=title,
            source=FactSource.KPI,
            kpi_key=kpi_key,
            plans=dict.fromkeys(range(1, 5), plan),
        )
    articles = actions.do_define_kpi(
        head,
        year=year,
        key="knowledge_articles",
        title="Новые статьи базы знаний",
        source=FactSource.MANUAL,
        description="Статьи для клиентов по частым вопросам, по реестру базы знаний.",
        plans={1: 15, 2: 15, 3: 20, 4: 20},
    )
    finished = (ctx.today.month - 1) // 3  # quarters already over
    for quarter in range(1, finished + 1):
        actions.do_enter_fact(
            head,
            articles,
            quarter=quarter,
            value=ctx.rng.randint(11, 24),
            comment="По реестру статей базы знаний на конец квартала.",
        )
