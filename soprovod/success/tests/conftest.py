import datetime as dt
from decimal import Decimal

import pytest

from soprovod.success.actions import do_create_claim


@pytest.fixture
def claim(staff, companies):
    """A claim from client A received on 15.12.2026, owned by its success manager."""
    return do_create_claim(
        staff.csm,
        client=companies.a,
        number="П-1",
        received_on=dt.date(2026, 12, 15),
        sent_on=dt.date(2026, 12, 10),
        basis="Простой системы пропусков 3 дня",
        principal_rub=Decimal("120000.00"),
        penalty_rub=Decimal("5000.00"),
        owner=staff.csm,
    )
