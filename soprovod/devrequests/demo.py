"""Demo requests to development (interfaces.md «Demo data»): about ten a month over the
demo's months, filed from the demo tickets (linked, so impact comes from real links) or for
a client, through the real actions at their historical times. Most are decided within the
48 hours, some late; some declined, some merged as duplicates, the older accepted ones
released or dropped, the latest still awaiting a decision."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from soprovod.accounts.roles import Role
from soprovod.core.demo import DemoContext
from soprovod.devrequests import actions
from soprovod.devrequests.models import DevRequest, RequestKind, RequestStatus
from soprovod.lib.periods import add_months
from soprovod.tickets.models import Ticket

TOPICS = {
    RequestKind.BUG: [
        "Пропуск не печатается на длинных ФИО",
        "Считыватель не видит карты после обновления прошивки",
        "Мобильное приложение падает при открытии пропуска",
        "Отчёт о проходах выгружается с пустыми строками",
        "Шлагбаум не открывается по номеру автомобиля",
        "Дубли событий прохода в журнале",
        "Уведомления о гостях приходят с опозданием",
    ],
    RequestKind.IMPROVEMENT: [
        "Фильтр по объектам в журнале проходов",
        "Массовая загрузка сотрудников из Excel",
        "Срок действия гостевого пропуска в часах",
        "Выгрузка отчётов в XLSX вместо CSV",
        "Поиск пропуска по номеру телефона",
    ],
    RequestKind.FEATURE: [
        "Интеграция с 1С:ЗУП",
        "Пропуска по QR-коду в мобильном приложении",
        "Распознавание лиц на турникетах",
        "Единый вход через Active Directory",
        "API для бюро пропусков бизнес-центра",
    ],
}
DECLINE_REASONS = [
    "Не воспроизводится на последней версии: нужны логи с объекта.",
    "Противоречит требованиям безопасности объекта.",
    "Решается настройкой, без доработки: инструкция в базе знаний.",
]
WONT_DO_REASONS = [
    "Заменено новым модулем отчётов.",
    "Поставщик оборудования прекратил поддержку модели.",
]


def _working_moment(ctx: DemoContext, day: dt.date) -> dt.datetime:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return ctx.at(day, ctx.rng.randint(9, 17), ctx.rng.choice((0, 15, 30, 45)))


def create_dev_requests(ctx: DemoContext) -> None:
    """Requests to development over the demo's months; kept on ``ctx.extra["dev_requests"]``."""
    rng = ctx.rng
    filers = ctx.users_with_role(Role.SENIOR_ENGINEER) + ctx.users_with_role(Role.SUPPORT_MANAGER)
    developers = ctx.users_with_role(Role.DEVELOPMENT)
    if not filers or not developers:
        return
    tickets = sorted(ctx.extra.get("tickets", []), key=lambda t: t.created_at)
    by_category: dict[int | None, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        by_category[ticket.category_id].append(ticket)
    now = ctx.at(ctx.today, 16, 0)
    per_month = max(3, ctx.client_count // 40)
    made: list[DevRequest] = []
    month = ctx.history_start.replace(day=1)
    while month <= ctx.today:
        for _ in range(per_month):
            day = month + dt.timedelta(days=rng.randrange(28))
            submitted = _working_moment(ctx, day)
            if submitted >= now - dt.timedelta(hours=2):
                continue
            made.append(_one(ctx, submitted, now, filers, developers, by_category, made))
        month = add_months(month, 1)
    ctx.extra["dev_requests"] = made
    counts = defaultdict(int)
    for request in DevRequest.objects.filter(pk__in=[r.pk for r in made]):
        counts[request.status] += 1
    ctx.log("  " + ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())))


def _one(ctx, submitted, now, filers, developers, by_category, made) -> DevRequest:
    rng = ctx.rng
    kind = rng.choices(list(TOPICS), weights=(5, 3, 2))[0]
    title = rng.choice(TOPICS[kind])
    filer, developer = rng.choice(filers), rng.choice(developers)
    recent = [
        t
        for group in by_category.values()
        for t in group
        if submitted - dt.timedelta(days=14) <= t.created_at < submitted
    ]
    linked: list[Ticket] = []
    clients = []
    if recent and rng.random() < 0.85:
        first = rng.choice(recent)
        same = [
            t
            for t in by_category[first.category_id]
            if submitted - dt.timedelta(days=30) <= t.created_at < submitted and t != first
        ]
        linked = [first, *rng.sample(same, min(len(same), rng.choice((0, 0, 1, 2))))]
    elif ctx.clients:
        clients = [rng.choice(ctx.clients)]
    request = actions.do_create_request(
        filer,
        kind=kind,
        title=title,
        description=f"{title}. Обращения клиентов приложены.",
        tickets=linked,
        clients=clients,
        at=submitted,
    )
    # A duplicate of an open request filed shortly before: merged within a day.
    twin = (
        DevRequest.objects.filter(
            pk__in=[r.pk for r in made[-6:]],
            title=title,
            status__in=(RequestStatus.SUBMITTED, RequestStatus.ACCEPTED),
        )
        .order_by("-pk")
        .first()
    )
    if twin is not None:
        merged_at = min(submitted + dt.timedelta(hours=rng.randint(1, 20)), now)
        actions.do_merge(developer, request, twin, at=merged_at)
        return request
    # The decision: usually within the 48 hours, about one in six late, the latest pending.
    hours = rng.uniform(2, 44) if rng.random() < 0.83 else rng.uniform(50, 120)
    decided = submitted + dt.timedelta(hours=hours)
    if decided >= now:
        return request
    if rng.random() < 0.2:
        actions.do_decline(developer, request, decision=rng.choice(DECLINE_REASONS), at=decided)
        return request
    planned = (decided + dt.timedelta(days=rng.randint(14, 90))).date()
    release = f"3.{(planned.year - 2025) * 12 + planned.month}"
    actions.do_accept(developer, request, planned_release=release, planned_on=planned, at=decided)
    if planned > now.date():
        if rng.random() < 0.5:
            actions.do_start(developer, request)
        return request
    actions.do_start(developer, request)
    if rng.random() < 0.1:
        actions.do_wont_do(developer, request, decision=rng.choice(WONT_DO_REASONS))
        return request
    released = ctx.at(planned, 18, 0)
    actions.do_release(developer, request, released_in=release, at=min(released, now))
    return request
