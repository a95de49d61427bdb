"""Demo steps of issue 12: the team's absences (one past with the head's deputy, one going on
now) and training records, then escalations with their outcomes across the demo's months —
about tickets, clients and cross-department issues, most resolved with a decision, some
acknowledged late, a few still open; the hand-off and development escalations raised by the
earlier steps get their outcomes too."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from soprovod.accounts.actions import do_record_absence
from soprovod.accounts.roles import SUPPORT_STAFF
from soprovod.core.demo import DemoContext
from soprovod.knowledge.models import Article, Audience
from soprovod.team import actions
from soprovod.team.models import TrainingItem
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Escalation, Ticket

TRAINING = (
    ("rule", "Регламент работы с аварийными заявками", 330),
    ("rule", "Регламент эскалаций руководителю и генеральному директору", 300),
    ("course", "Курс по оборудованию СКУД PASS24", 260),
    ("rule", "Регламент приёма клиента из отдела продаж", 200),
    ("course", "Курс «Сложные разговоры с клиентом»", 120),
    # New: most of the team still has to complete it.
    ("rule", "Регламент обработки персональных данных клиентов", 9),
)


def _rule_link(title: str) -> str:
    """The knowledge base's page of the internal rule of the same title, if the demo wrote
    one: marking it «read and understood» there completes this training item."""
    rule = Article.objects.filter(title=title, audience=Audience.INTERNAL).first()
    return reverse("knowledge:article", args=[rule.pk]) if rule else ""


CLIENT_REASONS = (
    "Клиент недоволен сроками по трём заявкам подряд и просит встречу с руководством.",
    "Клиент сообщил о намерении не продлевать договор.",
    "Клиент просит компенсацию за простой системы пропусков.",
    "Крупный клиент жалуется на качество внедрения на новом объекте.",
)
DEPARTMENT_REASONS = (
    "Разработка не даёт сроки по доработкам, которые ждут несколько клиентов.",
    "Отдел продаж обещает клиентам интеграции, которых нет в продукте.",
    "Не хватает инженеров на выезды в регионах: очередь выездов две недели.",
    "Нет согласованного порядка передачи аварий в разработку ночью.",
)
TICKET_REASONS = (
    "Авария на объекте клиента не решается силами поддержки, нужна разработка.",
    "Клиент эскалирует заявку через генерального директора.",
    "Повторная жалоба на одну и ту же ошибку считывателя.",
)
DECISIONS = (
    "Выделили старшего инженера на выезд, решение в течение суток.",
    "Согласовали с разработкой исправление в ближайшем релизе, клиенту сообщили срок.",
    "Провели встречу с клиентом, договорились о плане работ и скидке на месяц.",
    "Передали вопрос на еженедельную встречу с отделами продаж и разработки, назначили ответственного.",
    "Компенсацию не даём, предложили бесплатное обучение персонала клиента.",
    "Согласовали временный обходной путь, доработку взяли в план квартала.",
)


def create_team_records(ctx: DemoContext) -> None:
    """Absences (the head's past holiday with a deputy, a support manager away now with a
    colleague taking their work) and the training records of the rules and courses."""
    rng = ctx.rng
    head = ctx.users.get("head")
    deputy = ctx.users.get("engineer")
    if head is None:
        return
    past_start = ctx.today - dt.timedelta(days=120)
    ctx.extra["head_holiday"] = do_record_absence(
        head,
        head,
        starts_on=past_start,
        ends_on=past_start + dt.timedelta(days=13),
        deputy=deputy,
        reason="Ежегодный отпуск",
    )
    away, colleague = ctx.users.get("support2"), ctx.users.get("support3")
    if away is not None and colleague is not None:
        do_record_absence(
            head,
            away,
            starts_on=ctx.today - dt.timedelta(days=3),
            ends_on=ctx.today + dt.timedelta(days=8),
            deputy=colleague,
            route_to=colleague,
            reason="Отпуск",
        )
    csm = ctx.users.get("csm")
    if csm is not None:
        do_record_absence(
            head,
            csm,
            starts_on=ctx.today + dt.timedelta(days=20),
            ends_on=ctx.today + dt.timedelta(days=24),
            deputy=ctx.users.get("csm2"),
            reason="Обучение",
        )

    team = [u for u in ctx.users.values() if u.role_codes & SUPPORT_STAFF]
    for kind, title, days_ago in TRAINING:
        published = ctx.today - dt.timedelta(days=days_ago)
        item = actions.do_add_training_item(
            head, kind=kind, title=title, published_on=published, reference=_rule_link(title)
        )
        share = 0.25 if days_ago < 30 else 0.9
        for person in team:
            if rng.random() < share:
                done = published + dt.timedelta(days=rng.randint(0, min(days_ago, 30)))
                actions.do_record_completion(head, item, person, min(done, ctx.today))
    ctx.log(f"  {TrainingItem.objects.count()} rules and courses, absences recorded")


def _answer(ctx: DemoContext, escalation: Escalation, *, late: bool, open_: bool) -> None:
    rng = ctx.rng
    raised = escalation.created_at
    wait = (
        dt.timedelta(hours=rng.randint(30, 96))
        if late
        else dt.timedelta(minutes=rng.randint(10, 240))
    )
    now = ctx.at(ctx.today, 9, 0)
    acknowledged = min(raised + wait, now)
    who = escalation.addressed_to or ctx.users.get("head")
    if escalation.level == Escalation.Level.CEO:
        who = ctx.users.get("ceo") or who
    ticket_actions.do_acknowledge_escalation(who, escalation, at=acknowledged)
    if open_:
        return
    resolved = min(acknowledged + dt.timedelta(hours=rng.randint(2, 120)), now)
    ticket_actions.do_resolve_escalation(who, escalation, rng.choice(DECISIONS), at=resolved)


def create_escalations(ctx: DemoContext) -> None:
    """Two to four escalations a month raised by people, and outcomes for every escalation
    older than a week (the checkers' too); one in six acknowledged late (after more than a
    day), the newest few still open."""
    rng = ctx.rng
    raisers = [u for u in ctx.users.values() if u.role_codes & SUPPORT_STAFF]
    head = ctx.users.get("head")
    if not raisers or head is None:
        return
    ticket_ids = list(
        Ticket.objects.filter(created_at__date__gte=ctx.history_start).values_list("pk", flat=True)
    )
    clients = [c for c in ctx.clients if c.contract_start <= ctx.today]
    day = ctx.history_start
    while day < ctx.today - dt.timedelta(days=1):
        for _n in range(rng.randint(2, 4)):
            at = ctx.at(day + dt.timedelta(days=rng.randint(0, 27)), rng.randint(9, 18))
            if at.date() >= ctx.today:
                continue
            kind = rng.random()
            level = Escalation.Level.CEO if rng.random() < 0.2 else Escalation.Level.HEAD
            raiser = head if level == Escalation.Level.CEO else rng.choice(raisers)
            if kind < 0.45 and ticket_ids:
                ticket = Ticket.objects.get(pk=rng.choice(ticket_ids))
                ticket_actions.do_raise_escalation(
                    raiser, level=level, reason=rng.choice(TICKET_REASONS), ticket=ticket, at=at
                )
            elif kind < 0.8 and clients:
                ticket_actions.do_raise_escalation(
                    raiser,
                    level=level,
                    reason=rng.choice(CLIENT_REASONS),
                    client=rng.choice(clients),
                    at=at,
                )
            else:
                ticket_actions.do_raise_escalation(
                    head if level == Escalation.Level.CEO else raiser,
                    level=level,
                    reason=rng.choice(DEPARTMENT_REASONS),
                    at=at,
                )
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)

    # While the head was on holiday, the deputy received the head's escalations.
    holiday = ctx.extra.get("head_holiday")
    if holiday is not None and clients:
        for offset, hour in ((2, 11), (6, 15)):
            ticket_actions.do_raise_escalation(
                rng.choice(raisers),
                level=Escalation.Level.HEAD,
                reason=rng.choice(CLIENT_REASONS),
                client=rng.choice(clients),
                at=ctx.at(holiday.starts_on + dt.timedelta(days=offset), hour),
            )

    week_ago = ctx.at(ctx.today - dt.timedelta(days=7))
    for escalation in Escalation.objects.filter(status=Escalation.Status.RAISED).order_by(
        "created_at", "pk"
    ):
        recent = escalation.created_at >= week_ago
        if recent and rng.random() < 0.6:
            continue  # still waiting
        _answer(ctx, escalation, late=rng.random() < 0.17, open_=recent)
    open_count = Escalation.objects.exclude(status=Escalation.Status.RESOLVED).count()
    ctx.log(f"  {Escalation.objects.count()} escalations, {open_count} open")
