"""Demo step «health»: the clients' health scores with six months of history, computed from
the demo's own tickets, SLA clocks, ratings, NPS answers, MRR history, contracts and
projects by the same action as the nightly run (no score is made up), one run per week and
one for each of the last seven days; and the success managers' sentiment for part of their
clients (their own view, drawn here, since it is an input people give)."""

from __future__ import annotations

import datetime as dt

from soprovod.clients.models import ClientStatus
from soprovod.core.demo import DemoContext
from soprovod.health import actions
from soprovod.health.models import ClientSentiment, HealthScore

HISTORY_WEEKS = 26
DAILY_DAYS = 7
NOTES = {
    1: "Грозят уйти к конкуренту после аварий на КПП.",
    2: "Недовольны сроками решения, директор пишет напрямую.",
    3: "Ровно, но без энтузиазма; ждут доработку отчётов.",
    4: "Хорошие отношения, обсуждаем расширение на второй объект.",
    5: "Лояльны, готовы дать отзыв.",
}


def history_days(today: dt.date) -> list[dt.date]:
    """Weekly for half a year, then daily for the last week; oldest first."""
    weekly = [today - dt.timedelta(weeks=w) for w in range(HISTORY_WEEKS, 0, -1)]
    daily = [today - dt.timedelta(days=d) for d in range(DAILY_DAYS - 1, -1, -1)]
    return sorted(set(weekly) | set(daily))


def create_health_scores(ctx: DemoContext) -> None:
    for day in history_days(ctx.today):
        actions.do_recompute(day)
    latest = {
        row.client_id: row
        for row in HealthScore.objects.filter(day=ctx.today).select_related("client")
    }
    sentiments = []
    for row in latest.values():
        client = row.client
        if client.success_manager_id is None or ctx.rng.random() > 0.6:
            continue
        # The manager's feel mostly follows what they see, sometimes not (that is its point).
        base = 2 if row.band == "red" else 3 if row.band == "yellow" else 4
        if client.status == ClientStatus.AT_RISK:
            base -= 1
        score = max(1, min(5, base + ctx.rng.choice((-1, 0, 0, 0, 1))))
        sentiments.append(
            ClientSentiment(
                client=client,
                score=score,
                note=NOTES[score] if ctx.rng.random() < 0.5 else "",
                updated_by_id=client.success_manager_id,
                updated_at=ctx.at(ctx.today - dt.timedelta(days=ctx.rng.randrange(1, 40))),
            )
        )
    ClientSentiment.objects.bulk_create(sentiments)
    bands = {}
    for row in latest.values():
        bands[row.band or "none"] = bands.get(row.band or "none", 0) + 1
    ctx.log(f"    health: {len(latest)} clients scored today {bands}, {len(sentiments)} sentiments")
