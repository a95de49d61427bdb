"""Demo meetings (interfaces.md «Demo data»): twelve months of the weekly team meeting and
the weekly meeting with sales and development, each held, with its agenda as of its time
(built by the real sections from the demo's tickets, hand-offs, requests and clients), its
minutes and its action items. Most items were done on time, some late, a few are still open
past their due date; the latest meetings' items are open, and the coming weeks are planned.

History is written in bulk (the agenda through ``agenda.build_agenda``, the same code the
live meeting uses); nothing is mailed for the past meetings."""

from __future__ import annotations

import datetime as dt

from soprovod.core.demo import DemoContext
from soprovod.meetings import actions, agenda
from soprovod.meetings.defaults import install_default_series
from soprovod.meetings.models import (
    ActionItem,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
)

TEAM_PEOPLE = (
    "head",
    "support",
    "support2",
    "support3",
    "csm",
    "csm2",
    "csm3",
    "implementation",
    "engineer",
    "engineer2",
)
CROSS_PEOPLE = ("head", "sales", "sales2", "dev", "csm", "implementation", "engineer")

GENERAL_ITEMS = [
    "Обновить регламент дежурств на праздничные дни",
    "Подготовить макросы ответов по гостевым пропускам",
    "Провести обучение новых сотрудников по настройке шлагбаумов",
    "Проверить нагрузку на линию в понедельник утром и поправить график",
    "Актуализировать статью базы знаний по интеграции с 1С:ЗУП",
    "Собрать обратную связь клиентов по новому мобильному приложению",
    "Разобрать повторные обращения по считывателям за месяц",
    "Сверить список клиентов с истекающими договорами на квартал",
]
CROSS_ITEMS = [
    "Согласовать с разработкой порядок срочных исправлений в выходные",
    "Договориться с ОП о едином шаблоне передачи клиента",
    "Подготовить для ОП список частых вопросов новых клиентов",
    "Согласовать план релизов на месяц и оповестить клиентов",
]
RESULTS = [
    "Сделано, изменения разосланы команде.",
    "Готово, клиент подтвердил по телефону.",
    "Созвонились, договорились о встрече на объекте.",
    "Выполнено, регламент опубликован в базе знаний.",
    "Сделано: настроили, проверили с клиентом.",
    "Срок согласован, клиентам отправлено письмо.",
    "Готово, обсудили на планёрке, вопрос закрыт.",
]
TEAM_NOTES = [
    "Очередь под контролем, просрочек по первому ответу нет.",
    "Много обращений по пропускам после обновления приложения.",
    "Выросла нагрузка в понедельник утром, нужен второй дежурный.",
    "Экстренные обращения отработаны в срок, кроме одного ночного.",
    "Два клиента жалуются на скорость решения по считывателям.",
]
CROSS_NOTES = [
    "ОП передал двух новых клиентов, документы в порядке.",
    "Разработка подтвердила исправление дублей пропусков в ближайшем релизе.",
    "Обсудили клиентов под угрозой ухода: ОП подключается к переговорам.",
    "Запросы в разработку: два приняты, один отклонён с объяснением.",
]
DECISIONS = [
    "Закрепить дежурного на утро понедельника.",
    "Еженедельно сверять список клиентов под угрозой с ОП.",
    "Экстренные обращения ночью — сразу звонок старшему инженеру.",
    "Все передачи из ОП — только с подписанным договором.",
]


def _series(ctx: DemoContext) -> dict[str, MeetingSeries]:
    """The two series (made by the data migration) with the demo's people."""
    head = ctx.users["head"]
    found = {}
    for kind, people in ((MeetingKind.TEAM, TEAM_PEOPLE), (MeetingKind.CROSS, CROSS_PEOPLE)):
        series = MeetingSeries.objects.filter(kind=kind).first()
        if series is None:
            install_default_series(MeetingSeries)
            series = MeetingSeries.objects.get(kind=kind)
        series.chair = head
        series.place = "Переговорная «Байкал» / Телемост"
        series.save()
        series.participants.set([ctx.users[name] for name in people if name in ctx.users])
        found[kind] = series
    return found


def _minutes(ctx: DemoContext, meeting: Meeting, built: agenda.Agenda) -> str:
    counts = {s.key: len(s.items) + s.more for s in built.sections}
    rng = ctx.rng
    if meeting.kind == MeetingKind.TEAM:
        lines = [
            f"1. Итоги недели: нарушений SLA — {counts.get('sla_breaches', 0)}, "
            f"экстренных обращений — {counts.get('emergencies', 0)}. {rng.choice(TEAM_NOTES)}",
            f"2. Клиенты под угрозой ухода: {counts.get('at_risk_clients', 0)}. "
            "По каждому — ответственный МОС и дата следующего контакта.",
            f"3. Просроченные задачи внедрения: {counts.get('overdue_project_tasks', 0)}.",
        ]
    else:
        lines = [
            f"1. Передачи из ОП: просроченных — {counts.get('overdue_handoffs', 0)}. "
            f"{rng.choice(CROSS_NOTES)}",
            f"2. Запросы в разработку: просроченных — {counts.get('overdue_dev_requests', 0)}.",
            f"3. Клиенты под угрозой ухода: {counts.get('at_risk_clients', 0)}.",
        ]
    lines.append(f"Решение: {rng.choice(DECISIONS)}")
    return "\n".join(lines)


def _items(
    ctx: DemoContext, meeting: Meeting, built: agenda.Agenda, people: list, today: dt.date
) -> list[ActionItem]:
    rng = ctx.rng
    linkable = [
        item
        for section in built.sections
        for item in section.items
        if item.kind and item.kind != "action_item"
    ]
    pool = GENERAL_ITEMS if meeting.kind == MeetingKind.TEAM else CROSS_ITEMS + GENERAL_ITEMS[:3]
    made = []
    for _ in range(rng.randint(2, 4)):
        owner = rng.choice(people)
        due_on = meeting.occurs_on + dt.timedelta(days=rng.choice((2, 3, 4, 7, 7, 9)))
        values = {
            "title": rng.choice(pool),
            "record_kind": "",
            "record_id": None,
            "record_label": "",
        }
        if linkable and rng.random() < 0.55:
            target = rng.choice(linkable)
            verb = {
                "ticket": "Разобрать и закрыть",
                "client": "Связаться с ЛПР и согласовать план:",
                "handoff": "Дозапросить у ОП недостающее по передаче",
                "dev_request": "Получить от разработки срок по",
                "project_task": "Закрыть задачу внедрения:",
            }.get(target.kind, "Разобрать")
            values = {
                "title": f"{verb} {target.label}"[:500],
                "record_kind": target.kind,
                "record_id": target.record_id,
                "record_label": target.label[:300],
            }
        closed_on = None
        roll = rng.random()
        age = (today - due_on).days
        if age > 0 and roll < 0.80:
            closed_on = due_on - dt.timedelta(days=rng.randint(0, 2))  # on time
        elif age > 0 and roll < 0.95:
            closed_on = min(today, due_on + dt.timedelta(days=rng.randint(1, 6)))  # late
        elif age <= 0 and rng.random() < 0.3:
            closed_on = min(today, meeting.occurs_on + dt.timedelta(days=1))
        closed_on = max(closed_on, meeting.occurs_on) if closed_on else None
        made.append(
            ActionItem(
                meeting=meeting,
                owner=owner,
                due_on=due_on,
                created_by=meeting.chair,
                created_at=meeting.starts_at + dt.timedelta(minutes=rng.randint(5, 40)),
                closed_at=ctx.at(closed_on, rng.randint(10, 18)) if closed_on else None,
                closed_on=closed_on,
                closed_by=owner if closed_on else None,
                result=rng.choice(RESULTS) if closed_on else "",
                **values,
            )
        )
    return made


def create_meetings(ctx: DemoContext) -> None:
    series = _series(ctx)
    today = ctx.today
    now = ctx.at(today, 9, 0)
    start = ctx.history_start - dt.timedelta(days=ctx.history_start.weekday())
    held = items = 0
    week = start
    while week <= today:
        for the_series in series.values():
            day = week + dt.timedelta(days=the_series.weekday)
            if day < ctx.history_start or day >= today:
                continue
            starts_at = ctx.at(day, the_series.start_time.hour, the_series.start_time.minute)
            meeting = Meeting.objects.create(
                series=the_series,
                kind=the_series.kind,
                title=the_series.title,
                occurs_on=day,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=the_series.duration_minutes),
                place=the_series.place,
                chair=the_series.chair,
                status=MeetingStatus.CLOSED,
                started_at=starts_at,
                closed_at=starts_at + dt.timedelta(minutes=the_series.duration_minutes),
                invited_sequence=0,
                minutes_mailed_at=starts_at + dt.timedelta(minutes=the_series.duration_minutes),
            )
            people = list(the_series.participants.all())
            meeting.participants.set(people)
            built = agenda.build_agenda(meeting, starts_at)
            meeting.agenda = built.as_json()
            meeting.agenda_at = starts_at
            meeting.minutes = _minutes(ctx, meeting, built)
            meeting.save(update_fields=["agenda", "agenda_at", "minutes"])
            owners = [p for p in people if p.is_support_staff] or people
            made = ActionItem.objects.bulk_create(_items(ctx, meeting, built, owners, today))
            held += 1
            items += len(made)
        week += dt.timedelta(weeks=1)
    planned = actions.do_generate_meetings(now, invite=False)
    Meeting.objects.filter(pk__in=[m.pk for m in planned]).update(invited_sequence=0)
    ctx.log(f"  meetings: {held} held, {items} action items, {len(planned)} planned")
