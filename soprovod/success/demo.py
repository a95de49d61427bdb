"""Demo customer success (interfaces.md «Demo data»): key accounts among the largest
clients, and a year of claims (претензии) through the real actions — most answered in time
with every outcome, one gone to court, one due within the week and one whose deadline was
missed (escalated by the real checker); churn cases (one lost, one saved, open ones with
save plans) and notes of calls and meetings with the key accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F

from soprovod.accounts.roles import Role
from soprovod.clients.models import Client, ClientStatus
from soprovod.core.demo import DemoContext
from soprovod.success import actions
from soprovod.success.models import (
    ChurnCase,
    ChurnOutcome,
    ChurnReason,
    ChurnSource,
    Claim,
    ClaimChannel,
    ClaimDirection,
    ClaimOutcome,
)

BASES_FROM_CLIENT = [
    "Простой системы пропусков на объекте более суток, нарушение SLA по аварийной заявке.",
    "Некорректное списание абонентской платы за отключённые объекты.",
    "Не выполнено внедрение в срок, указанный в дополнительном соглашении.",
    "Утечка данных посетителей из-за ошибки выгрузки отчёта.",
    "Турникеты не пропускали сотрудников после обновления, требуем компенсацию.",
]
BASES_TO_CLIENT = [
    "Задолженность по абонентской плате за три месяца.",
    "Неоплаченные работы по монтажу считывателей.",
]
OUTCOMES = [
    ClaimOutcome.REJECTED,
    ClaimOutcome.PARTIAL,
    ClaimOutcome.SATISFIED,
    ClaimOutcome.WITHDRAWN,
    ClaimOutcome.REJECTED,
]


def mark_key_accounts(ctx: DemoContext) -> list[Client]:
    """The largest tenth of the live portfolio by MRR are key accounts."""
    head = ctx.users_with_role(Role.HEAD)[0]
    live = Client.objects.exclude(status=ClientStatus.CHURNED).order_by(F("mrr_rub").desc(), "pk")
    count = max(1, live.count() // 10)
    chosen = list(live[:count])
    for client in chosen:
        actions.do_save_client_profile(head, client, key_account=True)
    # One of them has a contract with a 15-day claim term.
    actions.do_save_client_profile(head, chosen[0], claim_response_days=15)
    ctx.extra["key_accounts"] = chosen
    return chosen


def create_success(ctx: DemoContext) -> None:
    key_accounts = mark_key_accounts(ctx)
    create_claims(ctx, key_accounts)
    create_churn_cases(ctx)
    create_call_notes(ctx, key_accounts)


SAVE_PLAN = [
    "Встреча с директором клиента",
    "Предложить скидку 10 % на год при продлении",
    "Разобрать открытые заявки с ответственным инженером",
    "Провести обучение новых администраторов",
]
CALL_SUMMARIES = [
    "Квартальная встреча: довольны скоростью ответов, просят отчёт о проходах по объектам.",
    "Созвон по продлению договора: готовы продлить при сохранении цены.",
    "Обсудили сбои турникетов на втором объекте, договорились о выезде инженера.",
    "Знакомство с новым руководителем службы безопасности клиента.",
]
NEXT_STEPS = [
    "Прислать коммерческое предложение",
    "Согласовать дату выезда инженера",
    "Подготовить отчёт о проходах за квартал",
    "Провести обучение операторов бюро пропусков",
]


def _reason(name: str) -> ChurnReason | None:
    return ChurnReason.objects.filter(name=name).first()


def create_churn_cases(ctx: DemoContext) -> None:
    """One client lost (a churned client whose case ran before its churn date), one saved,
    and open cases with save plans for clients at risk."""
    rng, today = ctx.rng, ctx.today
    head = ctx.users_with_role(Role.HEAD)[0]
    churned = list(
        Client.objects.filter(status=ClientStatus.CHURNED, churned_at__gt=ctx.history_start)
        .select_related("success_manager")
        .order_by("-churned_at", "pk")[:1]
    )
    at_risk = list(
        Client.objects.filter(status=ClientStatus.AT_RISK)
        .select_related("success_manager")
        .order_by("pk")[:3]
    )
    reasons = ["Ушёл к конкуренту", "Цена", "Качество обслуживания", "Не хватает функций"]
    if not churned:  # a small portfolio without a churn: the smallest active client leaves
        churned = list(
            Client.objects.filter(status=ClientStatus.ACTIVE)
            .exclude(pk__in=[c.pk for c in ctx.extra.get("key_accounts", [])])
            .select_related("success_manager")
            .order_by("mrr_rub", "pk")[:1]
        )
    for client in churned:
        owner = client.success_manager or head
        lost_on = client.churned_at or today - dt.timedelta(days=3)
        opened = lost_on - dt.timedelta(days=30)
        case = actions.do_open_churn_case(
            client,
            source=ChurnSource.AT_RISK,
            actor=owner,
            reason=_reason(reasons[0]),
            details="Нашли решение дешевле, с распознаванием лиц.",
        )
        ChurnCase.objects.filter(pk=case.pk).update(opened_at=ctx.at(opened, 11))
        case.refresh_from_db()
        for title in SAVE_PLAN[:2]:
            task = actions.do_add_churn_task(
                owner, case, title=title, owner=owner, due_on=opened + dt.timedelta(days=7)
            )
            actions.do_set_churn_task_done(owner, task, done=True)
        actions.do_close_churn_case(
            owner,
            case,
            outcome=ChurnOutcome.LOST,
            outcome_on=lost_on,
            notes="Не удалось удержать: переходят к конкуренту с нового квартала.",
        )
    for index, client in enumerate(at_risk):
        owner = client.success_manager or head
        opened = today - dt.timedelta(days=rng.randint(10, 25))
        case = actions.do_open_churn_case(
            client,
            source=ChurnSource.AT_RISK,
            actor=owner,
            reason=_reason(reasons[1 + index % 3]),
            details="Недовольны сроками решения заявок и ценой продления.",
        )
        ChurnCase.objects.filter(pk=case.pk).update(opened_at=ctx.at(opened, 10))
        case.refresh_from_db()
        for number, title in enumerate(SAVE_PLAN[: 2 + index]):
            task = actions.do_add_churn_task(
                owner,
                case,
                title=title,
                owner=owner,
                due_on=opened + dt.timedelta(days=5 * (number + 1)),
            )
            if number == 0:
                actions.do_set_churn_task_done(owner, task, done=True)
        if index == 0:
            actions.do_close_churn_case(
                owner,
                case,
                outcome=ChurnOutcome.SAVED,
                outcome_on=today - dt.timedelta(days=2),
                notes="Продлили на год со скидкой, закрыли все открытые заявки.",
            )


def create_call_notes(ctx: DemoContext, key_accounts: list[Client]) -> None:
    rng, today = ctx.rng, ctx.today
    head = ctx.users_with_role(Role.HEAD)[0]
    for client in key_accounts[:8]:
        owner = client.success_manager or head
        contacts = list(client.contacts.order_by("-is_primary", "pk")[:2])
        for back in (rng.randint(40, 80), rng.randint(3, 20)):
            held = today - dt.timedelta(days=back)
            actions.do_log_call_note(
                owner,
                client,
                kind=rng.choice(["call", "meeting"]),
                held_on=held,
                summary=rng.choice(CALL_SUMMARIES),
                staff=[owner],
                contacts=contacts,
                next_steps=[
                    actions.StepInput(
                        rng.choice(NEXT_STEPS), owner, held + dt.timedelta(days=rng.randint(3, 14))
                    )
                ],
            )


def create_claims(ctx: DemoContext, key_accounts: list[Client]) -> None:
    rng, today = ctx.rng, ctx.today
    clients = list(
        Client.objects.exclude(status=ClientStatus.ONBOARDING)
        .select_related("success_manager")
        .order_by("pk")
    )
    if not clients:
        return
    head = ctx.users_with_role(Role.HEAD)[0]
    picks = rng.sample(clients, min(len(clients), 12))
    # (days before today the claim was received, outcome or None, direction)
    plan = [
        (300, ClaimOutcome.REJECTED, ClaimDirection.FROM_CLIENT),
        (250, ClaimOutcome.PARTIAL, ClaimDirection.FROM_CLIENT),
        (210, ClaimOutcome.COURT, ClaimDirection.FROM_CLIENT),
        (180, ClaimOutcome.SATISFIED, ClaimDirection.TO_CLIENT),
        (150, ClaimOutcome.WITHDRAWN, ClaimDirection.FROM_CLIENT),
        (120, ClaimOutcome.SATISFIED, ClaimDirection.FROM_CLIENT),
        (90, ClaimOutcome.REJECTED, ClaimDirection.FROM_CLIENT),
        (60, ClaimOutcome.PARTIAL, ClaimDirection.FROM_CLIENT),
        (34, None, ClaimDirection.FROM_CLIENT),  # the 30 days ran out: missed
        (25, None, ClaimDirection.FROM_CLIENT),  # due within the week
        (10, None, ClaimDirection.FROM_CLIENT),
        (20, None, ClaimDirection.TO_CLIENT),
    ]
    for index, ((days_ago, outcome, direction), client) in enumerate(
        zip(plan, picks, strict=False)
    ):
        received = today - dt.timedelta(days=days_ago)
        sent = received - dt.timedelta(days=rng.randint(2, 7))
        owner = client.success_manager or head
        bases = BASES_FROM_CLIENT if direction == ClaimDirection.FROM_CLIENT else BASES_TO_CLIENT
        principal = Decimal(rng.randrange(30, 900) * 1000)
        claim = actions.do_create_claim(
            owner,
            client=client,
            number=f"П-{received.year}-{index + 1:03d}",
            direction=direction,
            contract=f"Договор № {client.pk:04d}/{client.contract_start:%Y} от "
            f"{client.contract_start:%d.%m.%Y}",
            sent_on=sent,
            received_on=received,
            channel=rng.choice(list(ClaimChannel.values)),
            delivery_proof=f"РПО {rng.randrange(10**13, 10**14)}",
            basis=rng.choice(bases),
            principal_rub=principal,
            penalty_rub=(principal * Decimal("0.05")).quantize(Decimal("1.00")),
            owner=owner,
        )
        Claim.objects.filter(pk=claim.pk).update(created_at=ctx.at(received, 11))
        if outcome is None:
            continue
        replied = received + dt.timedelta(days=rng.randint(5, 25))
        values = {"replied_on": replied, "outcome": outcome}
        if outcome == ClaimOutcome.PARTIAL:
            values["amount_paid_rub"] = (principal / 2).quantize(Decimal("1.00"))
        elif outcome == ClaimOutcome.SATISFIED:
            values["amount_paid_rub"] = principal
        elif outcome == ClaimOutcome.COURT:
            values["court_case_number"] = f"А40-{rng.randrange(10000, 99999)}/{received:%y}"
        actions.do_update_claim(owner, claim, **values)
    # The checker has run: the missed deadline is escalated, the near one warned.
    actions.do_check_claim_deadlines(today)
