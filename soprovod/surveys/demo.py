"""Demo steps «nps» (NPS answers of the demo's months, so the KPI dashboard has data) and
«surveys» (`create_survey_campaigns`: campaigns by email, detractor tasks, internal survey).

Clients are surveyed twice a year (a client that joined recently, once after going live);
about 60 % answer. Most answers are 8–10; clients at risk or gone answer lower, and
detractors say why. Answers come on working days, from one of the client's contacts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from soprovod.accounts.permissions import INTERNAL_SURVEY_ROLES
from soprovod.accounts.roles import Role
from soprovod.clients.models import Client, ClientStatus, Contact
from soprovod.core.demo import DemoContext
from soprovod.lib.periods import add_months
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import WorkCalendar
from soprovod.surveys.actions import NPS_LINK_DAYS, new_token
from soprovod.surveys.models import (
    DetractorTask,
    InternalSurveyTurn,
    NpsCampaign,
    SurveyLink,
    SurveyResponse,
)

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


# ---- campaigns by email, detractor tasks, the internal survey -------------------------------

CAMPAIGNS = (
    # (days before today, name, segment index or None for every segment)
    (200, "NPS: весенний опрос всех клиентов", None),
    (100, "NPS: бизнес-центры после обновления приложения", 0),
    (10, "NPS: декабрьский опрос", 1),
)
CALL_NOTES = {
    DetractorTask.Outcome.RESOLVED: "Созвонились с клиентом, причина устранена, клиент доволен.",
    DetractorTask.Outcome.PLAN: "Обсудили проблемы, договорились о выезде инженера и еженедельном статусе.",
    DetractorTask.Outcome.ESCALATED: "Клиент недоволен сроками доработки, передали руководителю.",
    DetractorTask.Outcome.NO_CONTACT: "Три попытки дозвониться, письмо без ответа.",
}
INTERNAL_COMMENTS = (
    "Быстро отвечают по клиентам, спасибо.",
    "Хотелось бы раньше узнавать о проблемах клиентов.",
    "Передача клиентов проходит гладко.",
    "",
    "",
)


def create_survey_campaigns(ctx: DemoContext) -> None:
    """Three NPS campaigns by email over the demo's months (every contact at most once in 90
    days), about half answered; each detractor's task, closed with the call's outcome unless
    it is recent; and the monthly internal survey's answers."""
    rng = ctx.rng
    segments = sorted({client.segment for client in ctx.clients if client.segment})
    contacts = list(
        Contact.objects.filter(client__in=ctx.clients)
        .exclude(email="")
        .select_related("client", "client__success_manager")
        .order_by("pk")
    )
    calendar = WorkCalendar.objects.filter(is_default=True).first()
    business = business_calendar(calendar) if calendar else None
    taken = set(
        SurveyResponse.objects.filter(kind=SurveyResponse.Kind.NPS).values_list(
            "client_id", "answered_at"
        )
    )
    campaigns = links = tasks = 0
    for days, name, segment_index in CAMPAIGNS:
        day = _weekday(ctx.today - dt.timedelta(days=days))
        if day < ctx.history_start and days != CAMPAIGNS[-1][0]:
            continue
        segment = (
            segments[segment_index % len(segments)]
            if segment_index is not None and segments
            else ""
        )
        started = ctx.at(day, 10)
        campaign = NpsCampaign.objects.create(
            name=name,
            kind=NpsCampaign.Kind.MANUAL,
            segment=segment,
            started_by=ctx.users.get("head"),
            started_at=started,
        )
        campaigns += 1
        for contact in contacts:
            client = contact.client
            if segment and client.segment != segment:
                continue
            if client.status not in (ClientStatus.ACTIVE, ClientStatus.AT_RISK):
                continue
            if client.contract_start > day:
                continue
            link = SurveyLink(
                kind=SurveyLink.Kind.NPS,
                token=new_token(),
                key=f"nps:{campaign.pk}:{contact.pk}",
                campaign=campaign,
                client=client,
                contact=contact,
                email=contact.email,
                created_at=started,
                sent_at=started,
                expires_at=started + dt.timedelta(days=NPS_LINK_DAYS),
            )
            answer_day = day + dt.timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 6)))
            if rng.random() < 0.45 and answer_day < ctx.today:
                at_risk = client.status == ClientStatus.AT_RISK
                score = _weighted(rng, SCORES_AT_RISK if at_risk else SCORES)
                answered_at = ctx.at(answer_day, rng.randint(9, 18), rng.randint(0, 59))
                answered_at += dt.timedelta(seconds=rng.randint(0, 59))
                if (client.pk, answered_at) in taken:
                    continue
                taken.add((client.pk, answered_at))
                comments = (
                    DETRACTOR_COMMENTS
                    if score <= 6
                    else PASSIVE_COMMENTS
                    if score <= 8
                    else PROMOTER_COMMENTS
                )
                response = SurveyResponse.objects.create(
                    kind=SurveyResponse.Kind.NPS,
                    client=client,
                    contact=contact,
                    score=score,
                    comment=rng.choice(comments),
                    answered_at=answered_at,
                )
                link.used_at = answered_at
                link.response = response
                if score <= 6:
                    tasks += 1
                    _detractor_task(ctx, response, business)
            link.save()
            links += 1
    answers = _internal_answers(ctx)
    ctx.log(
        f"  {campaigns} NPS campaigns, {links} survey links, {tasks} detractor tasks, "
        f"{answers} internal survey answers"
    )


def _detractor_task(ctx: DemoContext, response: SurveyResponse, business) -> None:
    created = response.answered_at
    due = business.add(created, 48 * 60) if business else created + dt.timedelta(hours=48)
    task = DetractorTask(
        response=response,
        client=response.client,
        assignee=response.client.success_manager,
        created_at=created,
        due_at=due,
    )
    # Older loops are closed, most in time; the last days' are still open.
    if ctx.today - timezone.localdate(created) > dt.timedelta(days=7):
        outcome = _weighted(
            ctx.rng,
            (
                (DetractorTask.Outcome.RESOLVED, 45),
                (DetractorTask.Outcome.PLAN, 35),
                (DetractorTask.Outcome.ESCALATED, 8),
                (DetractorTask.Outcome.NO_CONTACT, 12),
            ),
        )
        task.status = DetractorTask.Status.CLOSED
        task.outcome = outcome
        task.notes = CALL_NOTES[outcome]
        task.closed_at = created + dt.timedelta(hours=ctx.rng.choice((3, 20, 26, 50, 70)))
        task.closed_by = task.assignee
    task.save()


def _internal_answers(ctx: DemoContext) -> int:
    """Each month of the demo, about two thirds of sales, development and support staff
    answer the internal survey (anonymously, now and then signed)."""
    rng = ctx.rng
    people = [
        user
        for user in ctx.users.values()
        if user.has_role(*INTERNAL_SURVEY_ROLES) and not user.has_role(Role.HEAD)
    ]
    answers: list[SurveyResponse] = []
    turns: list[InternalSurveyTurn] = []
    month = ctx.history_start.replace(day=1)
    while month <= ctx.today:
        for user in people:
            day = month + dt.timedelta(days=rng.randint(0, 9))
            if day >= ctx.today or rng.random() > 0.65:
                continue
            turns.append(InternalSurveyTurn(user=user, month=month))
            answers.append(
                SurveyResponse(
                    kind=SurveyResponse.Kind.INTERNAL,
                    respondent=user if rng.random() < 0.15 else None,
                    score=_weighted(rng, ((5, 45), (4, 35), (3, 14), (2, 5), (1, 1))),
                    comment=rng.choice(INTERNAL_COMMENTS),
                    answered_at=ctx.at(day, 0),
                )
            )
        month = add_months(month, 1)
    InternalSurveyTurn.objects.bulk_create(turns)
    SurveyResponse.objects.bulk_create(answers)
    return len(answers)
