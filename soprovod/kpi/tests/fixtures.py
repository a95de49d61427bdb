"""Hand-made department data for the breakdown, trend and dashboard tests.

The same story as ``test_engine.py`` (October 2026 in Moscow; default calendar Mon–Fri
09:00–18:00, no October holidays), with assignees, and a September ticket resolved and rated
in October so that CSAT (by resolution) and the other figures (by creation) part ways.
Import the fixture into a test module: ``from soprovod.kpi.tests.fixtures import department``.

    ticket  created      type          category   client  assignee   SLA       FR    resol.  CSAT
    T6      Sep 28 10:00 standard      passes     A       support    met        5     540    1 (Sep)
    T7      Sep 29 11:00 standard      passes     A       support    breached  20    1560    3 (Oct)
    T1      Oct  5 10:00 standard      passes     A       support    met       30     540    5
    T2      Oct  5 10:00 standard      barriers   B       engineer   breached 300     720    —
    T3      Oct 10 12:00 emergency     app        A       support    met       10     120    4
    T5      Oct 14 10:00 standard      app        B       —          met       15     120    —
    T4      Oct 31 12:00 consultation  passes     B       engineer   pending    —       —    —

Repeats: T7 (of T6), T1 (of T7, resolved 3 days before), T2 (reopened).
Clients: A and B since 2024; C churns on 1 October; D starts 15 October; E churned
15 September. NPS: October 10, 9, 8, 6, 3; September 0.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from soprovod.clients.actions import do_create_client, do_update_client
from soprovod.clients.tests.factories import ClientFactory
from soprovod.lib.periods import Period
from soprovod.surveys.models import SurveyResponse
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketStatus
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
SEPTEMBER = Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
NOW = dt.datetime(2026, 11, 1, 10, 0, tzinfo=MSK)


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


def make_ticket(created, type, category, client, assignee=None):
    return actions.do_create_ticket(
        None,
        client=client,
        subject="—",
        body="—",
        type=type,
        channel=Channel.PHONE,
        category=category,
        assignee=assignee,
        created_at=created,
    )


def reply(staff_user, ticket, at) -> None:
    actions.do_add_message(staff_user, ticket, "Ответ", at=at)


def resolve(staff_user, ticket, at) -> None:
    actions.do_change_status(staff_user, ticket, TicketStatus.RESOLVED, at=at)
    ticket.refresh_from_db()


@pytest.fixture
def department(staff, companies):
    s, e = staff.support, staff.engineer
    passes = CategoryFactory(name="Пропуска")
    barriers = CategoryFactory(name="Шлагбаумы")
    app = CategoryFactory(name="Мобильное приложение")
    a, b = companies.a, companies.b

    with time_machine.travel(NOW, tick=False):
        t6 = make_ticket(msk(2026, 9, 28, 10, 0), "standard", passes, a, s)
        reply(s, t6, msk(2026, 9, 28, 10, 5))
        resolve(s, t6, msk(2026, 9, 29, 10, 0))
        actions.do_rate(companies.client1, t6, 1)
        # T7: a repeat of T6; answered in 20 min; resolved 2 October after 26 business
        # hours (> 24 h: breached), rated 3 — it counts in October's CSAT only.
        t7 = make_ticket(msk(2026, 9, 29, 11, 0), "standard", passes, a, s)
        reply(s, t7, msk(2026, 9, 29, 11, 20))
        resolve(s, t7, msk(2026, 10, 2, 10, 0))
        actions.do_rate(companies.client1, t7, 3)

        t1 = make_ticket(msk(2026, 10, 5, 10, 0), "standard", passes, a, s)
        reply(s, t1, msk(2026, 10, 5, 10, 30))
        resolve(s, t1, msk(2026, 10, 6, 10, 0))
        actions.do_rate(companies.client1, t1, 5)
        t2 = make_ticket(msk(2026, 10, 5, 10, 0), "standard", barriers, b, e)
        reply(s, t2, msk(2026, 10, 5, 15, 0))
        resolve(s, t2, msk(2026, 10, 6, 12, 0))
        actions.do_reopen(s, t2, at=msk(2026, 10, 7, 10, 0))
        t2.refresh_from_db()
        resolve(s, t2, msk(2026, 10, 7, 11, 0))
        t3 = make_ticket(msk(2026, 10, 10, 12, 0), "emergency", app, a, s)
        reply(s, t3, msk(2026, 10, 10, 12, 10))
        resolve(s, t3, msk(2026, 10, 12, 11, 0))
        actions.do_rate(companies.client1, t3, 4)
        t5 = make_ticket(msk(2026, 10, 14, 10, 0), "standard", app, b)
        reply(s, t5, msk(2026, 10, 14, 10, 15))
        actions.do_change_status(s, t5, TicketStatus.WAITING_CLIENT, at=msk(2026, 10, 14, 11, 0))
        actions.do_change_status(s, t5, TicketStatus.OPEN, at=msk(2026, 10, 15, 11, 0))
        resolve(s, t5, msk(2026, 10, 15, 12, 0))
        t4 = make_ticket(msk(2026, 10, 31, 12, 0), "consultation", passes, b, e)

        c = do_create_client(
            None,
            name="C",
            inn="7707083893",
            mrr_rub=1,
            status="active",
            contract_start=dt.date(2024, 1, 1),
        )
        do_update_client(None, c, status="churned", churned_at=dt.date(2026, 10, 1))
        d = do_create_client(
            None,
            name="D",
            inn="7736207543",
            mrr_rub=1,
            status="onboarding",
            contract_start=dt.date(2026, 10, 15),
        )
        e_client = do_create_client(
            None,
            name="E",
            inn="7702070139",
            mrr_rub=1,
            status="active",
            contract_start=dt.date(2024, 1, 1),
        )
        do_update_client(None, e_client, status="churned", churned_at=dt.date(2026, 9, 15))

        answers = [
            SurveyResponse.objects.create(
                kind="nps", client=a, score=score, answered_at=msk(2026, 10, day, 12, 0)
            )
            for score, day in ((10, 2), (9, 3), (8, 4), (6, 5), (3, 6))
        ]
        september_answer = SurveyResponse.objects.create(
            kind="nps", client=a, score=0, answered_at=msk(2026, 9, 20, 12, 0)
        )
    return SimpleNamespace(
        t1=t1,
        t2=t2,
        t3=t3,
        t4=t4,
        t5=t5,
        t6=t6,
        t7=t7,
        passes=passes,
        barriers=barriers,
        app=app,
        a=a,
        b=b,
        c=c,
        d=d,
        e=e_client,
        answers=answers,
        september_answer=september_answer,
    )


def add_more(staff, companies, count: int = 12) -> None:
    """More October tickets over new clients, categories and assignees, and more answers:
    pages and documents must cost the same number of queries with them."""
    people = [staff.csm, staff.csm2, staff.implementation, staff.head, None]
    with time_machine.travel(NOW, tick=False):
        for n in range(count):
            client = ClientFactory(contract_start=dt.date(2025, 1, 1))
            ticket = make_ticket(
                msk(2026, 10, 1 + n, 9, 0),
                ("standard", "emergency", "consultation")[n % 3],
                CategoryFactory(name=f"Категория {n}"),
                client,
                people[n % len(people)],
            )
            reply(staff.support, ticket, msk(2026, 10, 1 + n, 9, 30))
            if n % 2:
                resolve(staff.support, ticket, msk(2026, 10, 1 + n, 12, 0))
                actions.do_rate(companies.client1, ticket, 1 + n % 5)
            SurveyResponse.objects.create(
                kind="nps", client=client, score=n % 11, answered_at=msk(2026, 10, 1 + n, 15, 0)
            )
