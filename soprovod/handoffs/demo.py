"""Demo hand-offs from sales (interfaces.md «Demo data»): every demo client whose contract
started within the demo's months was handed over by its salesperson a few days before,
through the real actions at their historical times. Most are agreed within 24 hours, some
late, about a quarter returned with reasons and resubmitted. The clients already carry their
own dated history, so their acceptance is recorded as past (`do_record_past_acceptance`);
a few new clients are still in flight today: waiting, overdue, returned, a draft."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.files.base import ContentFile

from soprovod.accounts.roles import Role
from soprovod.clients.models import Client
from soprovod.core.demo import DemoContext
from soprovod.handoffs import actions
from soprovod.handoffs.models import Handoff
from soprovod.lib.inn import generate_inn

MODULES = [
    "Пропуска, Гостевой доступ",
    "Пропуска, Парковка",
    "Пропуска, Парковка, Учёт рабочего времени",
    "Пропуска, Мобильное приложение",
]
INTEGRATIONS = ["", "1С:ЗУП", "Active Directory", "1С:Бухгалтерия, Active Directory"]
EQUIPMENT = [
    "2 турникета, 4 считывателя",
    "4 турникета, 8 считывателей, 6 камер",
    "шлагбаум, 2 камеры распознавания номеров",
    "6 турникетов, 12 считывателей, 10 камер",
]
RETURN_REASONS = {
    "sites": "Не указано оборудование второго входа.",
    "decision_maker": "Телефон ЛПР не отвечает, нужен актуальный.",
    "documents": "Скан договора без подписи клиента.",
    "scope": "Не ясно, сколько пропусков на старте.",
    "contract": "Срок договора не совпадает с приложением.",
}
NEW_CLIENTS = ["ООО «Северная звезда»", "АО «Технопарк Волга»", "ООО «Кварц»", "ООО «Гранит»"]


def _working_moment(ctx: DemoContext, day: dt.date) -> dt.datetime:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return ctx.at(day, ctx.rng.randint(9, 17), ctx.rng.choice((0, 15, 30, 45)))


def _checklist(ctx: DemoContext, client: Client | None, name: str = "") -> tuple[dict, list]:
    rng, fake = ctx.rng, ctx.fake
    people = list(client.contacts.all()) if client else []

    def person(index: int) -> tuple[str, str, str]:
        if index < len(people):
            c = people[index]
            return c.full_name, c.phone or "+7 495 000-00-00", c.email
        return fake.name(), fake.phone_number(), ""

    values = {
        "client": client,
        "client_name": "" if client else name,
        "inn": "" if client else generate_inn(rng),
        "segment": client.segment if client else "Бизнес-центр",
        "contract_number": f"Д-{rng.randint(100, 999)}/{rng.randint(1, 12):02d}",
        "contract_date": client.contract_start if client else ctx.today,
        "tariff": client.tariff if client else rng.choice(["Бизнес", "Корпоративный"]),
        "mrr_rub": client.mrr_rub if client else rng.choice([25000, 45000, 90000]),
        "term_months": rng.choice((12, 12, 24, 36)),
        "modules": rng.choice(MODULES),
        "integrations": rng.choice(INTEGRATIONS),
        "passes_or_users": rng.choice((150, 300, 800, 1500, 4000)),
        "promised_go_live": (client.contract_start if client else ctx.today)
        + dt.timedelta(days=rng.choice((30, 45, 60))),
        "special_terms": rng.choice(["", "", "Обучение охраны на объекте", "Скидка 10 % на год"]),
    }
    for index, prefix in enumerate(("decision_maker", "technical", "billing")):
        full_name, phone, email = person(index)
        values.update(
            {f"{prefix}_name": full_name, f"{prefix}_phone": phone, f"{prefix}_email": email}
        )
    sites = (
        [
            {
                "name": s.name,
                "address": s.address or "г. Москва",
                "timezone": s.timezone,
                "equipment": rng.choice(EQUIPMENT),
            }
            for s in client.sites.all()
        ]
        if client
        else [
            {
                "name": f"{name}: главный офис",
                "address": fake.address().replace("\n", ", "),
                "timezone": "Europe/Moscow",
                "equipment": rng.choice(EQUIPMENT),
            }
        ]
    )
    return values, sites


def _draft(ctx, sales, client, at, name="") -> Handoff:
    values, sites = _checklist(ctx, client, name)
    handoff = actions.do_save_handoff(sales, None, sites=sites, now=at, **values)
    actions.do_add_document(
        sales,
        handoff,
        file=ContentFile(b"%PDF-1.4\n% demo\n", name=f"dogovor-{handoff.pk}.pdf"),
        name="Договор (скан).pdf",
    )
    return handoff


def _answer_delay(ctx: DemoContext) -> dt.timedelta:
    """Mostly within the 24 hours; about one in seven late."""
    hours = ctx.rng.uniform(25, 60) if ctx.rng.random() < 0.15 else ctx.rng.uniform(0.5, 20)
    return dt.timedelta(hours=hours)


def create_handoffs(ctx: DemoContext) -> None:
    """Hand-offs of the clients sold within the demo's months, and a few in flight."""
    rng = ctx.rng
    sellers = ctx.users_with_role(Role.SALES)
    agreers = (
        ctx.users_with_role(Role.HEAD)
        + ctx.users_with_role(Role.SUCCESS_MANAGER)
        + ctx.users_with_role(Role.IMPLEMENTATION_MANAGER)
    )
    if not sellers or not agreers:
        return
    now = ctx.at(ctx.today, 16, 0)
    outcomes: Counter = Counter()
    sold = sorted(
        (c for c in ctx.clients if c.contract_start >= ctx.history_start),
        key=lambda c: (c.contract_start, c.pk),
    )
    for client in sold:
        sales = client.sold_by or rng.choice(sellers)
        submitted = _working_moment(
            ctx, client.contract_start - dt.timedelta(days=rng.randint(1, 5))
        )
        if submitted >= now - dt.timedelta(hours=30):
            continue
        handoff = _draft(ctx, sales, client, submitted - dt.timedelta(hours=2))
        actions.do_submit_handoff(sales, handoff, now=submitted)
        answered = submitted + _answer_delay(ctx)
        if rng.random() < 0.25:
            reasons = dict(rng.sample(sorted(RETURN_REASONS.items()), rng.choice((1, 1, 2))))
            actions.do_return_handoff(rng.choice(agreers), handoff, reasons=reasons, now=answered)
            submitted = answered + dt.timedelta(hours=rng.uniform(3, 30))
            actions.do_save_handoff(
                sales, handoff, special_terms="Исправлено по замечаниям ОС", now=submitted
            )
            actions.do_submit_handoff(sales, handoff, now=submitted)
            answered = submitted + _answer_delay(ctx)
            outcomes["returned and resubmitted"] += 1
        actions.do_record_past_acceptance(
            rng.choice(agreers), handoff, client=client, now=min(answered, now)
        )
        outcomes["accepted"] += 1
    # New clients still being handed over today.
    in_flight = [
        ("waiting", now - dt.timedelta(hours=5)),
        ("overdue", now - dt.timedelta(hours=30)),
        ("returned", now - dt.timedelta(hours=20)),
        ("draft", now - dt.timedelta(hours=1)),
    ]
    for (state, at), name in zip(in_flight, NEW_CLIENTS, strict=True):
        sales = rng.choice(sellers)
        handoff = _draft(ctx, sales, None, at - dt.timedelta(hours=1), name)
        if state != "draft":
            actions.do_submit_handoff(sales, handoff, now=at)
        if state == "returned":
            actions.do_return_handoff(
                rng.choice(agreers),
                handoff,
                reasons={"sites": RETURN_REASONS["sites"]},
                now=at + dt.timedelta(hours=3),
            )
        outcomes[state] += 1
    ctx.log("  " + ", ".join(f"{k}: {n}" for k, n in sorted(outcomes.items())))
