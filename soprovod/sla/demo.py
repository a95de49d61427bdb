"""Demo step «sla_policies» (SLA по договору, issue 15): besides the shipped default, a
«Премиум 24/7» policy for the corporate tariff and a «Бизнес» policy for the business tariff,
and one client whose contract buys the premium terms on a lower tariff.

The step runs after the ticket history: the rules are introduced now, so the open tickets of
the clients concerned move to their new terms and the closed ones keep the outcomes they had
(sla.md «Recalculation»), as on a real desk."""

from __future__ import annotations

from decimal import Decimal

from soprovod.clients.models import Client, ClientStatus
from soprovod.core.demo import DemoContext
from soprovod.sla import actions
from soprovod.sla.models import Metric, TicketType, WorkCalendar

PREMIUM = "Премиум 24/7"
BUSINESS = "Бизнес"
HOUR = 60
DAY = 24 * HOUR


def _targets(ru: WorkCalendar, round_the_clock: WorkCalendar, rows):
    """``rows``: (type, metric, 24/7?, target minutes, ceiling minutes or None)."""
    return {
        (ticket_type, metric): actions.TargetValues(
            calendar=round_the_clock if always else ru,
            target_minutes=target,
            ceiling_minutes=ceiling,
            escalate_to_ceo=ticket_type == TicketType.EMERGENCY,
        )
        for ticket_type, metric, always, target, ceiling in rows
    }


def create_policies(ctx: DemoContext) -> None:
    head = ctx.users["head"]
    ru = WorkCalendar.objects.get(is_default=True)
    always = WorkCalendar.objects.get(is_24x7=True)
    first, resolution = Metric.FIRST_RESPONSE, Metric.RESOLUTION
    emergency, standard, consultation = (
        TicketType.EMERGENCY,
        TicketType.STANDARD,
        TicketType.CONSULTATION,
    )
    premium = actions.do_create_policy(
        head,
        name=PREMIUM,
        warning_ratio=Decimal("0.75"),
        targets=_targets(
            ru,
            always,
            [
                (emergency, first, True, 10, None),
                (emergency, resolution, True, 2 * HOUR, None),
                (standard, first, True, 1 * HOUR, None),
                (standard, resolution, False, 8 * HOUR, 3 * DAY),
                (consultation, first, True, 2 * HOUR, None),
                (consultation, resolution, False, 16 * HOUR, 5 * DAY),
            ],
        ),
        reason="Договоры корпоративного тарифа: круглосуточная поддержка",
    ).policy
    business = actions.do_create_policy(
        head,
        name=BUSINESS,
        warning_ratio=Decimal("0.80"),
        targets=_targets(
            ru,
            always,
            [
                (emergency, first, True, 15, None),
                (emergency, resolution, False, 4 * HOUR, None),
                (standard, first, False, 2 * HOUR, None),
                (standard, resolution, False, 16 * HOUR, 4 * DAY),
                (consultation, first, False, 4 * HOUR, None),
                (consultation, resolution, False, 32 * HOUR, 5 * DAY),
            ],
        ),
        reason="Тариф «Бизнес»: ускоренный первый ответ",
    ).policy
    actions.do_save_rule(head, None, kind="tariff", value="Корпоративный", policy=premium)
    actions.do_save_rule(head, None, kind="tariff", value="Бизнес", policy=business)
    # One business-tariff client bought the round-the-clock terms in its contract.
    special = (
        Client.objects.filter(pk__in=[c.pk for c in ctx.clients], tariff="Бизнес")
        .exclude(status=ClientStatus.CHURNED)
        .order_by("-mrr_rub", "pk")
        .first()
    )
    if special is not None:
        actions.do_set_client_policy(
            head, special, premium, reason="Допсоглашение: круглосуточная поддержка"
        )
    # The open tickets move now (the actions also schedule it after the commit, which
    # then finds nothing left to move).
    actions.reassign_clients(None)
