"""Demo customer success (interfaces.md «Demo data»): key accounts among the largest
clients, and a year of claims (претензии) through the real actions — most answered in time
with every outcome, one gone to court, one due within the week and one whose deadline was
missed (escalated by the real checker)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F

from soprovod.accounts.roles import Role
from soprovod.clients.models import Client, ClientStatus
from soprovod.core.demo import DemoContext
from soprovod.success import actions
from soprovod.success.models import Claim, ClaimChannel, ClaimDirection, ClaimOutcome

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
