"""Demo step: the closed months' ticket facts are stored once the demo's history is written,
as the hourly job would have done, so the first dashboard reads stored months and
`soprovod verify` has the facts to check from the start."""

from __future__ import annotations

from soprovod.core.demo import DemoContext
from soprovod.kpi.actions import do_store_months


def store_month_facts(ctx: DemoContext) -> None:
    stored = do_store_months()
    ctx.log(f"    {stored} groups of closed months' facts stored")
