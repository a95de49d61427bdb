"""`save_audited`: the one shape of an audited save (snapshot, save, diff, record) that the
macro and routing-rule actions share."""

from decimal import Decimal

import pytest

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import save_audited, snapshot
from soprovod.clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

FIELDS = ("name", "mrr_rub", "status")


def _events(obj):
    return list(AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("id"))


def test_a_new_object_is_saved_and_recorded_as_created_with_its_values(staff):
    client = ClientFactory.build(name="ООО «Альфа»", mrr_rub=Decimal("30000.00"))

    changes = save_audited(staff.head, client, FIELDS)

    assert client.pk is not None
    (event,) = _events(client)
    assert event.action == AuditEvent.Action.CREATED
    assert event.actor == staff.head
    assert event.changes == changes
    assert changes["name"] == [None, "ООО «Альфа»"]
    assert changes["mrr_rub"] == [None, "30000.00"]
    assert changes["status"][0] is None and changes["status"][1]


def test_a_change_is_saved_and_recorded_as_updated_with_only_what_changed(staff):
    client = ClientFactory(name="ООО «Альфа»")
    before = snapshot(client, FIELDS)
    client.name = "ООО «Бета»"

    changes = save_audited(staff.csm, client, FIELDS, before, reason="переименование")

    client.refresh_from_db()
    assert client.name == "ООО «Бета»"
    assert changes == {"name": ["ООО «Альфа»", "ООО «Бета»"]}
    (event,) = _events(client)
    assert event.action == AuditEvent.Action.UPDATED
    assert event.changes == changes
    assert event.reason == "переименование"


def test_a_save_that_changed_nothing_records_nothing(staff):
    client = ClientFactory()
    before = snapshot(client, FIELDS)

    assert save_audited(staff.csm, client, FIELDS, before) == {}
    assert _events(client) == []


def test_an_existing_object_without_its_before_snapshot_is_refused(staff):
    client = ClientFactory()

    with pytest.raises(TypeError):
        save_audited(staff.csm, client, FIELDS)
    assert _events(client) == []
