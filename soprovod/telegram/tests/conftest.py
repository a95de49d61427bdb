"""The fake Bot API server, started by the tests on 127.0.0.1 (a free port), and the
settings pointing the channel at it."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from soprovod.telegram.fake import FakeTelegram

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
def fake_telegram(settings):
    with FakeTelegram(TOKEN) as fake:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_API_BASE_URL = fake.base_url
        settings.TELEGRAM_WEBHOOK_URL = ""
        settings.TELEGRAM_WEBHOOK_SECRET = ""
        cache.delete("telegram:poll")
        yield fake


@pytest.fixture(autouse=True)
def fresh_link_limits(settings):
    """Each test counts wrong link codes afresh (the counters live in a shared cache)."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex}:"
