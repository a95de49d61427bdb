from decimal import Decimal

import pytest
from django.utils import translation

from soprovod.budget import actions
from soprovod.budget.models import BudgetCategory


@pytest.fixture(autouse=True)
def english(default_language):
    """Messages are asserted in English (the source strings)."""
    with translation.override("en"):
        yield


@pytest.fixture
def as_user(client):
    """The test client signed in as ``user``, reading the interface in English."""

    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


def plan(**cells) -> dict:
    """``plan(m1_staff=100)`` → ``{(1, "staff"): Decimal(100)}``."""
    amounts = {}
    for name, amount in cells.items():
        month, category = name[1:].split("_", 1)
        amounts[(int(month), category)] = Decimal(amount)
    return amounts


@pytest.fixture
def approved_2026(staff):
    """2026's plan approved: 100 000 staff and 10 000 tools every month."""
    version = actions.do_start_version(staff.head, 2026)
    amounts = {}
    for month in range(1, 13):
        amounts[(month, BudgetCategory.STAFF)] = Decimal(100_000)
        amounts[(month, BudgetCategory.TOOLS)] = Decimal(10_000)
    actions.do_set_plan(staff.head, version, amounts)
    actions.do_submit_version(staff.head, version)
    return actions.do_approve_version(staff.ceo, version, comment="ok")
