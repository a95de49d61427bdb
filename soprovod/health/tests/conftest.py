import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from soprovod.clients.models import ClientStatus, MrrChange
from soprovod.clients.tests.factories import ClientFactory
from soprovod.health.tests.helpers import NOW, TODAY, days_ago, ticket
from soprovod.projects.models import Project
from soprovod.sla.models import WorkCalendar
from soprovod.success.models import Claim
from soprovod.surveys.models import SurveyResponse


def claim(client, number: str, *, days: int, outcome: str = ""):
    return Claim.objects.create(
        number=number,
        client=client,
        counterparty_inn=client.inn,
        basis="Простой системы пропусков",
        received_on=TODAY - dt.timedelta(days=days),
        outcome=outcome,
        created_at=days_ago(days),
    )


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def story(companies, frozen):
    """Client A's worked inputs (see test_inputs.py); B has none; C has churned."""
    a, b = companies.a, companies.b
    a.contract_end = TODAY + dt.timedelta(days=45)
    a.save()
    ticket(a, 2, csat=5)
    ticket(a, 5, outcome="breached", csat=3)
    ticket(a, 10, type="emergency", outcome="breached")
    ticket(a, 20, repeat=True)
    ticket(a, 1, outcome="pending")
    ticket(a, 40, type="emergency", csat=4)
    ticket(a, 60)
    ticket(a, 85, outcome="breached", repeat=True)
    ticket(a, 100)
    ticket(a, 110)
    ticket(a, 130, csat=1)
    for days, score in ((400, 0), (200, 9), (50, 4)):
        SurveyResponse.objects.create(
            kind="nps",
            client=a,
            contact=companies.contact_a,
            score=score,
            answered_at=days_ago(days),
        )
    MrrChange.objects.create(
        client=a, effective_on=TODAY - dt.timedelta(days=200), mrr_rub=Decimal(100000), reason="new"
    )
    MrrChange.objects.create(
        client=a,
        effective_on=TODAY - dt.timedelta(days=30),
        mrr_rub=Decimal(85000),
        reason="downsell",
    )
    Project.objects.create(
        client=a,
        name="Внедрение",
        calendar=WorkCalendar.objects.order_by("pk").first(),
        planned_start=TODAY - dt.timedelta(days=60),
        planned_go_live=TODAY - dt.timedelta(days=3),
    )
    claim(a, "П-1", days=20)  # open
    claim(a, "П-0", days=300, outcome="rejected")  # answered long ago: not counted
    c = ClientFactory(
        name="Ушедший", status=ClientStatus.CHURNED, churned_at=TODAY - dt.timedelta(days=10)
    )
    ticket(c, 5, outcome="breached")
    return SimpleNamespace(a=a, b=b, c=c)
