import datetime as dt
from zoneinfo import ZoneInfo

import pytest

MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def friday(time_machine):
    """Frozen at Friday 16 October 2026, 16:00 Moscow time."""
    time_machine.move_to(msk(2026, 10, 16, 16, 0), tick=False)
    return msk(2026, 10, 16, 16, 0)
