import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.clients.models import ClientStatus
from soprovod.clients.tests.factories import ClientFactory
from soprovod.projects.tests.factories import open_project

MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def today(time_machine):
    """Frozen at Monday 12 October 2026, 10:00 Moscow time."""
    time_machine.move_to(msk(2026, 10, 12, 10, 0), tick=False)
    return dt.date(2026, 10, 12)


@pytest.fixture
def new_client(staff):
    return ClientFactory(
        name="ООО «Гамма»",
        status=ClientStatus.ONBOARDING,
        tariff="Бизнес",
        contract_start=dt.date(2026, 10, 1),
        success_manager=staff.csm,
        sold_by=staff.sales,
    )


@pytest.fixture
def project(staff, new_client, today):
    return open_project(new_client, staff.implementation, start=dt.date(2026, 10, 5))
