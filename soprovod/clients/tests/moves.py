"""A person who moves from company A to company B, the two ways it happens: their contact row
is given to B, or B makes them its contact and their portal login goes with them (A's row
stays, login-less). Tests of who may be told about a company use both."""

from __future__ import annotations

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.clients.tests.factories import ContactFactory

MOVER = "ivanova@mover.test"


def make_mover(companies):
    """Ivanova, a contact of company A with a portal login."""
    login = UserFactory(username="ivanova", email=MOVER, roles=[Role.CLIENT_CONTACT])
    return ContactFactory(client=companies.a, email=MOVER, user=login)


def move_the_row(mover, companies):
    mover.client = companies.b
    mover.save(update_fields=["client"])


def move_the_login(mover, companies):
    """B makes Ivanova its contact and her login goes with her; gives B's new row."""
    login = mover.user
    mover.user = None
    mover.save(update_fields=["user"])
    return ContactFactory(client=companies.b, email=MOVER, user=login)


MOVES = [move_the_row, move_the_login]
