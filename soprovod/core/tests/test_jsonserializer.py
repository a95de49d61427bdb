import datetime as dt

from django.core import serializers

from soprovod.accounts.models import User


def test_json_serialization_keeps_microseconds(db):
    user = User.objects.create_user("sub-millisecond")
    user.date_joined = dt.datetime(2026, 12, 5, 1, 15, 8, 412, tzinfo=dt.UTC)
    user.save()

    text = serializers.serialize("json", [user])
    restored = next(serializers.deserialize("json", text)).object

    assert restored.date_joined == user.date_joined
