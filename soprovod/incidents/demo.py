"""Demo mass incidents (issue 15): one resolved a week ago — the barrier cloud service down
for an afternoon, tickets from several clients, two public updates, then resolved, each
ticket with its own SLA outcome — and one going on now, on the dashboard."""

from __future__ import annotations

import datetime as dt

from soprovod.accounts.roles import Role
from soprovod.clients.models import ClientStatus, Contact
from soprovod.core.demo import DemoContext
from soprovod.incidents import actions
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.demo import demo_now
from soprovod.tickets.models import Category, Channel, TicketType

BARRIERS = "Шлагбаумы и считыватели"


def _children(ctx, support, contacts, at, subject: str, body: str, count: int) -> list:
    """One ticket per client: filed in the portal by a contact with a login, otherwise
    typed in by support from a call."""
    category, _created = Category.objects.get_or_create(name=BARRIERS)
    tickets = []
    for index, contact in enumerate(contacts[:count]):
        portal = contact.user_id is not None
        tickets.append(
            ticket_actions.do_create_ticket(
                contact.user if portal else support,
                client=contact.client,
                contact=contact,
                subject=subject,
                body=body,
                type=TicketType.EMERGENCY if index % 3 == 0 else TicketType.STANDARD,
                channel=Channel.PORTAL if portal else Channel.PHONE,
                category=category,
                created_at=at + dt.timedelta(minutes=4 * index + 2),
            )
        )
    return tickets


def create_incidents(ctx: DemoContext) -> None:
    support = ctx.users_with_role(Role.SUPPORT_MANAGER)[0]
    contacts = list(
        Contact.objects.filter(client__in=ctx.clients)
        .exclude(client__status=ClientStatus.CHURNED)
        .select_related("client", "user")
        .order_by("client_id", "pk")
    )
    by_client = list({c.client_id: c for c in contacts}.values())
    ctx.rng.shuffle(by_client)
    now = demo_now(ctx)
    # A week ago: the barrier cloud down for the afternoon.
    start = now - dt.timedelta(days=7)
    start = start.replace(hour=11, minute=10)
    past = actions.do_create_incident(
        support,
        title="Облачный сервис шлагбаумов не отвечает",
        description="Контроллеры шлагбаумов не получают команды от облака; ручное открытие "
        "с пульта охраны работает. Разработка перезапускает шлюз.",
        started_at=start,
        tickets=_children(
            ctx,
            support,
            by_client[:6],
            start,
            "Не открывается шлагбаум по пропуску",
            "Шлагбаум не реагирует ни на пропуска, ни на кнопку в приложении.",
            6,
        ),
    )
    actions.do_post_update(
        support,
        past,
        "Мы знаем о сбое: облачный сервис шлагбаумов не передаёт команды контроллерам. "
        "Пока пропускайте машины вручную с пульта охраны. Следующее сообщение — в течение часа.",
        at=start + dt.timedelta(minutes=45),
    )
    actions.do_post_update(
        support,
        past,
        "Разработка перезапустила шлюз, команды проходят частично. Продолжаем наблюдать.",
        at=start + dt.timedelta(hours=2),
    )
    actions.do_resolve_incident(
        support,
        past,
        "Сервис восстановлен: шлюз заменён, команды проходят штатно. Проверьте, пожалуйста, "
        "проезд по пропуску; если шлагбаум всё ещё не открывается — ответьте на это письмо.",
        at=start + dt.timedelta(hours=5, minutes=20),
    )
    # Now: the mobile app's sign-in failing for some clients.
    start = now - dt.timedelta(minutes=50)
    current = actions.do_create_incident(
        support,
        title="Не работает вход в мобильное приложение",
        description="После обновления сервера авторизации часть пользователей не может "
        "войти: ошибка «Неверный код». Разработка откатывает обновление.",
        started_at=start,
        tickets=_children(
            ctx,
            support,
            by_client[6:],
            start,
            "Не могу войти в приложение PASS24",
            "Код из SMS приходит, но приложение пишет «Неверный код».",
            4,
        ),
    )
    actions.do_post_update(
        support,
        current,
        "Мы знаем о проблеме со входом в мобильное приложение и уже исправляем её. "
        "Гостевые пропуска можно оформить в веб-кабинете.",
        at=start + dt.timedelta(minutes=20),
    )
    ctx.log(f"  incidents: {past.links.count()} + {current.links.count()} tickets")
