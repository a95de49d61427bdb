import datetime as dt
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

MSK = ZoneInfo("Europe/Moscow")


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


# Monday 2 March 2026, 10:00 in Moscow: inside working hours.
MONDAY_10 = msk(2026, 3, 2, 10, 0)


def upload(name="photo.png", content=b"\x89PNG fake image", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)
