"""Demo step «nps»: NPS answers of the demo's months, so the KPI dashboard has data.

Clients are surveyed twice a year (a client that joined recently, once after going live);
about 60 % answer. Most answers are 8–10; clients at risk or gone answer lower, and
detractors say why. Answers come on working days, from one of the client's contacts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from soprovod.clients.models import Client, ClientStatus, Contact
from soprovod.core.demo import DemoContext
from soprovod.surveys.models import SurveyResponse

SCORES = ((10, 30), (9, 28), (8, 20), (7, 9), (6, 5), (5, 3), (4, 2), (3, 2), (2, 1))
SCORES_AT_RISK = ((10, 8), (9, 10), (8, 14), (7, 16), (6, 16), (5, 14), (4, 10), (3, 7), (2, 5))
DETRACTOR_COMMENTS = (
    "Долго решаются проблемы со шлагбаумом, жильцы жалуются.",
    "Приложение часто не приходит SMS с кодом.",
    "Поддержка отвечает, но решения приходится ждать днями.",
    "Дорого для того набора функций, что мы используем.",
    "Интеграция с 1С постоянно ломается.",
)
PASSIVE_COMMENTS = (
    "В целом устраивает, но хотелось бы больше отчётов.",
    "Нормально, есть мелкие недочёты в приложении.",
    "",
)
PROMOTER_COMMENTS = (
    "Удобная система, охрана быстро освоила.",
    "Отличная поддержка, всегда на связи.",
    "Гостевые пропуска через приложение — то, что нужно.",
    "",
    "",
)


def create_nps_answers(ctx: DemoContext) -> None:
    """Twice-yearly NPS answers for ``ctx.clients`` over the demo's months."""
    rng = ctx.rng
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(client__in=ctx.clients).order_by("pk"):
        contacts[contact.client_id].append(contact)
    answers = []
    for client in ctx.clients:
        for day in _survey_days(ctx, client):
            if rng.random() > 0.6:
                continue
            at_risk = client.status in (ClientStatus.AT_RISK, ClientStatus.CHURNED)
            score = _weighted(rng, SCORES_AT_RISK if at_risk else SCORES)
            comments = (
                DETRACTOR_COMMENTS
                if score <= 6
                else PASSIVE_COMMENTS
                if score <= 8
                else PROMOTER_COMMENTS
            )
            answers.append(
                SurveyResponse(
                    kind=SurveyResponse.Kind.NPS,
                    client=client,
                    contact=rng.choice(contacts.get(client.pk) or [None]),
                    score=score,
                    comment=rng.choice(comments),
                    answered_at=ctx.at(day, rng.randint(9, 18), rng.randint(0, 59)),
                )
            )
    SurveyResponse.objects.bulk_create(answers)
    ctx.log(f"  {len(answers)} NPS answers")


def _survey_days(ctx: DemoContext, client: Client) -> list[dt.date]:
    """Survey days in the demo's months when the client was a client: every six months,
    from a client-specific offset, and not in its first 60 days."""
    first = max(ctx.history_start, client.contract_start + dt.timedelta(days=60))
    last = min(ctx.today - dt.timedelta(days=1), client.churned_at or ctx.today)
    day = ctx.history_start + dt.timedelta(days=ctx.rng.randint(0, 182))
    days = []
    while day <= last:
        if day >= first:
            days.append(_weekday(day))
        day += dt.timedelta(days=182)
    return [d for d in days if d <= last]


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _weighted(rng, choices):
    items, weights = zip(*choices, strict=True)
    return rng.choices(items, weights=weights)[0]
