import datetime as dt

import pytest
from django.urls import reverse

from soprovod.success import actions
from soprovod.success.models import Claim

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["head", "csm", "ceo"])
def test_register_and_claim_page_for_readers(client, claim, username):
    client.force_login(claim.owner.__class__.objects.get(username=username))
    response = client.get(reverse("success:claims"))
    assert response.status_code == 200
    assert "П-1" in response.content.decode()
    assert client.get(reverse("success:claim", args=[claim.pk])).status_code == 200


@pytest.mark.parametrize("username", ["client1", "sales", "dev", "support", "engineer"])
def test_others_are_refused(client, claim, username, staff, companies):
    from soprovod.accounts.models import User

    client.force_login(User.objects.get(username=username))
    assert client.get(reverse("success:claims")).status_code == 403
    assert client.get(reverse("success:claim", args=[claim.pk])).status_code == 403
    assert client.get(reverse("success:claim_create")).status_code == 403
    assert client.get(f"/api/v1/claims/{claim.pk}").status_code == 403


def test_ceo_reads_but_cannot_edit(client, claim, staff):
    client.force_login(staff.ceo)
    assert client.get(reverse("success:claim_edit", args=[claim.pk])).status_code == 403
    assert client.get(reverse("success:claim_create")).status_code == 403


def test_other_success_manager_cannot_edit(client, claim, staff):
    client.force_login(staff.csm2)
    assert client.get(reverse("success:claim_edit", args=[claim.pk])).status_code == 403
    assert client.get(reverse("success:claim", args=[claim.pk])).status_code == 200


def test_anonymous_is_sent_to_log_in(client, claim):
    response = client.get(reverse("success:claims"))
    assert response.status_code == 302


def test_create_from_the_form(client, staff, companies):
    client.force_login(staff.csm)
    response = client.post(
        reverse("success:claim_create"),
        {
            "direction": "from_client",
            "client": companies.a.pk,
            "received_on": "2026-12-15",
            "channel": "post",
            "basis": "Простой",
            "principal_rub": "1000",
            "penalty_rub": "",
            "owner": staff.csm.pk,
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert claim.response_due_on == dt.date(2027, 1, 14)
    assert claim.counterparty_inn == companies.a.inn
    assert claim.created_by == staff.csm


def test_edit_records_the_outcome(client, claim, staff):
    client.force_login(staff.csm)
    response = client.post(
        reverse("success:claim_edit", args=[claim.pk]),
        {
            "version": claim.version,
            "number": claim.number,
            "direction": claim.direction,
            "client": claim.client_id,
            "counterparty_inn": claim.counterparty_inn,
            "received_on": "2026-12-15",
            "channel": "post",
            "basis": claim.basis,
            "principal_rub": "120000",
            "penalty_rub": "5000",
            "response_days": "30",
            "owner": staff.csm.pk,
            "replied_on": "2027-01-10",
            "outcome": "partial",
            "amount_paid_rub": "60000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert (claim.outcome, claim.replied_on, str(claim.amount_paid_rub)) == (
        "partial",
        dt.date(2027, 1, 10),
        "60000.00",
    )


def test_filters_and_csv(client, claim, staff, companies, time_machine):
    time_machine.move_to(dt.datetime(2027, 1, 20, 12, 0), tick=False)
    actions.do_create_claim(staff.csm2, client=companies.b, basis="Новая", number="П-2")
    client.force_login(staff.head)
    overdue = client.get(reverse("success:claims"), {"state": "overdue"}).content.decode()
    assert "П-1" in overdue and "П-2" not in overdue
    csv = b"".join(client.get(reverse("success:claims"), {"format": "csv"}).streaming_content)
    text = csv.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("number,direction,client")
    assert "П-1" in text and "П-2" in text


def test_register_query_count(client, staff, companies, django_assert_max_num_queries):
    for n in range(30):
        actions.do_create_claim(staff.csm, client=companies.a, basis="x", number=f"N-{n}")
    client.force_login(staff.head)
    with django_assert_max_num_queries(12):
        client.get(reverse("success:claims"))


def test_api_create_patch_and_denials(client, staff, companies):
    client.force_login(staff.csm)
    response = client.post(
        "/api/v1/claims",
        {"client_id": companies.a.pk, "basis": "Простой", "received_on": "2026-12-15"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["response_due_on"] == "2027-01-14"
    assert body["owner_id"] == staff.csm.pk
    patched = client.patch(
        f"/api/v1/claims/{body['id']}",
        {"version": 1, "outcome": "rejected", "replied_on": "2027-01-05"},
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert patched.json()["outcome"] == "rejected"
    stale = client.patch(
        f"/api/v1/claims/{body['id']}",
        {"version": 1, "notes": "x"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    listed = client.get("/api/v1/claims", {"state": "all"}).json()
    assert listed["count"] == 1
    client.force_login(staff.ceo)
    assert client.get(f"/api/v1/claims/{body['id']}").status_code == 200
    denied = client.patch(
        f"/api/v1/claims/{body['id']}", {"notes": "x"}, content_type="application/json"
    )
    assert denied.status_code == 403
    client.force_login(staff.csm2)
    assert (
        client.patch(
            f"/api/v1/claims/{body['id']}", {"notes": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(companies.client1)
    assert client.get("/api/v1/claims").status_code == 403


def test_proof_of_delivery_file_upload_and_who_downloads_it(
    client, staff, companies, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(staff.csm)
    response = client.post(
        reverse("success:claim_create"),
        {
            "direction": "from_client",
            "client": companies.a.pk,
            "received_on": "2026-12-15",
            "channel": "post",
            "basis": "Простой",
            "owner": staff.csm.pk,
            "delivery_proof": "РПО 80080012345678",
            "delivery_proof_file": SimpleUploadedFile("notice.pdf", b"%PDF-1.4 proof"),
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    url = reverse("success:claim_file", args=[claim.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 proof"
    for outsider in (staff.sales, staff.dev, companies.client1):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
