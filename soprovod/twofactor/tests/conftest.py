import pytest

from soprovod.twofactor.queries import forget_policy


@pytest.fixture(autouse=True)
def fresh_policy():
    """The policy is cached outside the database, which each test rolls back."""
    forget_policy()
    yield
    forget_policy()
