import pytest
from django.core.cache import cache

from soprovod.routing.engine import ACTIVE_KEY


@pytest.fixture(autouse=True)
def forget_cached_rules():
    """The «any rule on?» cache outlives a test's rolled-back rules: clear it around each."""
    cache.delete(ACTIVE_KEY)
    yield
    cache.delete(ACTIVE_KEY)
