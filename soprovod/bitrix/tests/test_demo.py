"""The demo's Bitrix24 part: a past run (stopped by an error, then carried on), a second
run, conflicts in the review list and draft hand-offs from won deals, all made by the real
sync against the local fake portal."""

import datetime as dt

import pytest

from soprovod.bitrix.models import Conflict, ConflictKind, DealLink, RunStatus, SyncRun
from soprovod.web.demo import build_demo


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.BITRIX24_WEBHOOK_URL = ""
    return build_demo(clients=40, months=12, seed=5, today=dt.date(2026, 10, 14))


def test_the_demo_shows_runs_conflicts_and_hand_offs(demo, client):
    night, morning = SyncRun.objects.order_by("started_at")
    assert night.status == RunStatus.DONE and night.resumed == 1
    assert night.error_count == 1 and "not JSON" in night.errors[0]
    assert night.clients_created == 0 and night.clients_updated == 1 and night.skipped == 1
    assert night.handoffs_created == 2
    assert morning.clients_created == 0 and morning.clients_updated == 0
    assert set(Conflict.objects.values_list("kind", flat=True)) == {
        ConflictKind.BAD_INN,
        ConflictKind.DUPLICATE_INN,
    }
    assert Conflict.objects.count() == 3 and DealLink.objects.count() == 2
    client.force_login(demo.users["head"])
    assert "Охрана-Профи" in client.get("/bitrix/conflicts/").content.decode()
