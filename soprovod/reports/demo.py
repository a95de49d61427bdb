"""Demo quarterly review (issue 12): the last finished quarter's report with the head's
commentary per section, queued for generation like one the head asked for."""

from __future__ import annotations

import datetime as dt

from soprovod.core.demo import DemoContext
from soprovod.lib.periods import Period, last_day
from soprovod.reports import actions
from soprovod.reports.kinds import ReportKind

COMMENTARY = {
    "strategic": "Удержание и SLA в плане; по статьям базы знаний отстаём — "
    "в следующем квартале закрепим по две статьи за каждым инженером.",
    "budget": "Перерасход по инструментам: продлили лицензии телефонии на год вперёд, "
    "экономия в следующем квартале.",
    "team": "Команда справилась с сезонным пиком без переработок; "
    "новый инженер вышел на самостоятельную линию.",
    "escalations": "Две эскалации генеральному директору, обе закрыты: "
    "причина — обновление прошивки контроллеров у партнёра.",
}


def create_review_commentary(ctx: DemoContext) -> None:
    today = ctx.today
    first_of_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = first_of_quarter - dt.timedelta(days=1)
    period = Period(dt.date(end.year, end.month - 2, 1), last_day(end.year, end.month))
    report = actions.do_request_report(ctx.users["head"], ReportKind.QUARTERLY, period)
    actions.do_update_section_commentary(ctx.users["head"], report, COMMENTARY)
