"""/api/v1/escalations: the inbox, raising by hand, acknowledge and resolve, with the pages'
permissions (403 for the inbox without one, 404 for an escalation not visible, 403 to answer
one of another level)."""

import pytest

from soprovod.tickets import actions

pytestmark = pytest.mark.django_db


def test_inbox_acknowledge_and_resolve(client, staff, companies):
    head_one = actions.do_raise_escalation(staff.support, level="head", reason="Нужна помощь")
    ceo_one = actions.do_raise_escalation(staff.head, level="ceo", reason="Критично")

    client.force_login(staff.ceo)
    items = client.get("/api/v1/escalations").json()["items"]
    assert [i["id"] for i in items] == [ceo_one.pk]

    client.force_login(staff.head)
    assert client.post(f"/api/v1/escalations/{ceo_one.pk}/acknowledge").status_code == 403
    answer = client.post(f"/api/v1/escalations/{head_one.pk}/acknowledge")
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    stale = client.post(
        f"/api/v1/escalations/{head_one.pk}/resolve",
        {"decision": "Решили", "version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    done = client.post(
        f"/api/v1/escalations/{head_one.pk}/resolve",
        {"decision": "Решили", "version": 2},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["decision"] == "Решили"
    again = client.post(
        f"/api/v1/escalations/{head_one.pk}/resolve",
        {"decision": "Ещё раз"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 409  # its state refuses, not the input
    assert again.json() == {"detail": "This escalation is resolved already."}

    client.force_login(staff.support)
    assert client.get("/api/v1/escalations").status_code == 403
    assert client.get(f"/api/v1/escalations/{ceo_one.pk}").status_code == 404
    raised = client.post(
        "/api/v1/escalations",
        {"level": "head", "reason": "Клиент уходит", "client": companies.a.pk},
        content_type="application/json",
    )
    assert raised.status_code == 201 and raised.json()["subject"] == "client"
    absent = client.post(
        "/api/v1/escalations",
        {"level": "head", "reason": "Клиент уходит", "client": 999_999},
        content_type="application/json",
    )
    assert absent.status_code == 404  # as a client the caller may not see

    client.force_login(companies.client1)
    assert (
        client.post(
            "/api/v1/escalations", {"level": "head", "reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get(f"/api/v1/escalations/{head_one.pk}").status_code == 404
