"""Demo quality review (issue 15): the samples of the last four weeks, built as the Monday
job builds them, most reviewed by the head on the default rubric; the latest week half
done, so the reviewer has work waiting."""

from __future__ import annotations

import datetime as dt

from soprovod.accounts.roles import Role
from soprovod.core.demo import DemoContext
from soprovod.quality import actions

COMMENTS = [
    "Ответ верный, но клиенту не сказали, когда ждать решения.",
    "Хорошо: проблема решена с первого ответа, всё задокументировано.",
    "Тон сухой, стоит поздороваться и подвести итог.",
    "Не указана категория, повторное обращение можно было предотвратить статьёй.",
    "Отлично: клиента держали в курсе, срок соблюдён.",
]


def create_quality_reviews(ctx: DemoContext) -> None:
    head = ctx.users_with_role(Role.HEAD)[0]
    actions.do_save_settings(head, reviewer=None, random_count=5)
    rubric = actions.current_rubric(head)
    criteria = list(rubric.criteria.all())
    last = actions.last_week_start(ctx.today)
    for weeks_back in range(3, -1, -1):
        week = actions.do_build_week(last - dt.timedelta(days=7 * weeks_back))
        items = list(week.items.order_by("ticket_id"))
        to_review = items if weeks_back else items[: len(items) // 2]
        for item in to_review:
            base = 2 if (item.low_rating or item.breached) else 4
            scores = {
                c.pk: max(0, min(c.max_score, base + ctx.rng.choice((-1, 0, 0, 1))))
                for c in criteria
            }
            actions.do_score(head, item, scores, ctx.rng.choice(COMMENTS))
    ctx.log(f"  quality: {rubric} rubric, four weeks sampled")
