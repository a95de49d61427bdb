"""Test support: data built once for several read-only tests.

``built_once`` is for a class- or module-scoped fixture: what it builds lives inside one
transaction opened for the scope and rolled back when the scope ends, and each test's own
``db`` transaction (a savepoint inside it) still rolls back whatever that test writes. So
every test sees exactly the data as built, on SQLite and PostgreSQL alike, while the data
(a demo, say) is built once instead of once per test.

Only for a fixture whose tests all use it: a test of the same scope that does not ask for
the fixture but runs while it is open would see its data. Hence class scope, or a module
whose every database test uses it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import transaction


@contextlib.contextmanager
def built_once(django_db_blocker) -> Iterator[None]:
    """Open the scope's transaction (``django_db_blocker`` is pytest-django's fixture); the
    block builds the data, and everything is rolled back when the block ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
