"""Bitrix24's outbound events: the application token is checked (wrong → 403, nothing done),
and an event only triggers a sync of the record it names."""

import pytest

from soprovod.bitrix.models import Conflict, DealLink, RunKind, SyncRun
from soprovod.bitrix.tests.conftest import BAD_INN, INN_A
from soprovod.clients.models import Client
from soprovod.handoffs.models import Handoff

pytestmark = pytest.mark.django_db
URL = "/bitrix/events/"


@pytest.mark.parametrize("token", ["wrong-token", ""])
def test_a_wrong_or_missing_token_is_refused_and_nothing_is_done(client, fake, token):
    company = fake.add_company("ООО «Альфа»", INN_A)
    payload = fake.outbound_event("ONCRMCOMPANYUPDATE", company, token=token)
    response = client.post(URL, payload)
    assert response.status_code == 403
    assert fake.calls == [] and not SyncRun.objects.exists() and not Client.objects.exists()


def test_events_are_refused_when_no_token_is_configured(client, fake, settings):
    settings.BITRIX24_APP_TOKEN = ""
    company = fake.add_company("ООО «Альфа»", INN_A)
    response = client.post(URL, fake.outbound_event("ONCRMCOMPANYUPDATE", company, token=""))
    assert response.status_code == 403 and fake.calls == []


def test_events_are_refused_when_bitrix_is_off(client, fake, settings):
    settings.BITRIX24_WEBHOOK_URL = ""
    response = client.post(URL, fake.outbound_event("ONCRMCOMPANYUPDATE", 1))
    assert response.status_code == 403


def test_a_company_event_syncs_that_company_only(client, fake):
    fake.add_company("Другая", "7736050003")
    company = fake.add_company("ООО «Альфа»", INN_A)
    response = client.post(URL, fake.outbound_event("ONCRMCOMPANYUPDATE", company))
    assert response.status_code == 200 and response.json() == {"accepted": True}
    assert list(Client.objects.values_list("name", flat=True)) == ["ООО «Альфа»"]
    run = SyncRun.objects.get()
    assert (run.kind, run.subject, run.status) == (
        RunKind.EVENT,
        f"ONCRMCOMPANYUPDATE {company}",
        "done",
    )
    assert "crm.company.list" not in fake.methods_called()


def test_a_company_event_with_a_bad_inn_lands_in_the_review_list(client, fake):
    company = fake.add_company("Опечатка", BAD_INN)
    client.post(URL, fake.outbound_event("ONCRMCOMPANYADD", company))
    assert Conflict.objects.get().company_id == company and not Client.objects.exists()


def test_a_deal_event_drafts_the_hand_off_once_when_won(client, fake, staff):
    company = fake.add_company("ООО «Альфа»", INN_A)
    deal = fake.add_deal(company, "Внедрение", won=False)
    client.post(URL, fake.outbound_event("ONCRMDEALUPDATE", deal))
    assert not Handoff.objects.exists() and not SyncRun.objects.exists()
    fake.win_deal(deal)
    client.post(URL, fake.outbound_event("ONCRMDEALUPDATE", deal))
    client.post(URL, fake.outbound_event("ONCRMDEALUPDATE", deal))  # late duplicate
    handoff = DealLink.objects.get(deal_id=deal).handoff
    assert handoff.client_name == "ООО «Альфа»" and handoff.inn == INN_A
    assert Handoff.objects.count() == 1


def test_an_unknown_event_or_record_is_not_acted_on(client, fake):
    assert client.post(URL, fake.outbound_event("ONCRMLEADADD", 5)).json()["accepted"] is False
    bad = fake.outbound_event("ONCRMCOMPANYUPDATE", 5)
    bad["data[FIELDS][ID]"] = "x"
    assert client.post(URL, bad).status_code == 400
    assert fake.calls == []


def test_an_event_about_a_missing_record_is_a_failed_run(client, fake):
    client.post(URL, fake.outbound_event("ONCRMCOMPANYUPDATE", 404))
    run = SyncRun.objects.get()
    assert run.status == "failed" and "400" in run.errors[0]


def test_the_events_handler_takes_only_post(client, fake):
    assert client.get(URL).status_code == 405
