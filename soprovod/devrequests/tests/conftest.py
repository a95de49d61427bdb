import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.devrequests.actions import do_create_request
from soprovod.devrequests.models import RequestKind
from soprovod.tickets.models import TicketType
from soprovod.tickets.tests.factories import CategoryFactory, TicketFactory

MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def now(time_machine):
    """Frozen at Friday 16 October 2026, 16:00 Moscow time."""
    at = msk(2026, 10, 16, 16, 0)
    time_machine.move_to(at, tick=False)
    return at


@pytest.fixture
def tickets(companies, now):
    """Two tickets of client A (one an emergency) and one of client B, in «Пропуска»."""
    category = CategoryFactory(name="Пропуска")
    return [
        TicketFactory(
            client=companies.a,
            category=category,
            type=TicketType.EMERGENCY,
            created_at=now - dt.timedelta(days=3),
            subject="Пропуска не печатаются",
        ),
        TicketFactory(
            client=companies.a, category=category, created_at=now - dt.timedelta(days=10)
        ),
        TicketFactory(
            client=companies.b, category=category, created_at=now - dt.timedelta(days=20)
        ),
    ]


@pytest.fixture
def submitted(staff, tickets):
    """A bug filed by support from client A's emergency ticket, submitted at `now`."""
    return do_create_request(
        staff.support,
        kind=RequestKind.BUG,
        title="Печать пропусков падает на длинных ФИО",
        description="Шаблон пропуска не переносит строки.",
        tickets=[tickets[0]],
    )
