"""The sync log and the review list: the head and the administrator only; the secret never
shown; resolve and ignore; «Sync now»."""

import pytest

from soprovod.accounts.tests.factories import UserFactory
from soprovod.audit.models import AuditEvent
from soprovod.bitrix import sync
from soprovod.bitrix.models import Conflict, ConflictStatus, SyncRun
from soprovod.bitrix.tests.conftest import BAD_INN, INN_A

pytestmark = pytest.mark.django_db

PAGES = ["/bitrix/", "/bitrix/conflicts/", "/bitrix/conflicts/?status=all"]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True, roles=[])


@pytest.fixture
def synced(fake, staff):
    fake.add_company("ООО «Альфа»", INN_A)
    fake.add_company("Опечатка", BAD_INN)
    return sync.run_sync(actor=staff.head).run


@pytest.mark.parametrize("url", PAGES)
def test_the_head_and_the_admin_see_the_pages(as_user, staff, admin, synced, url):
    for user in (staff.head, admin):
        response = as_user(user).get(url)
        assert response.status_code == 200, (user, url)


def test_the_log_shows_each_run_and_masks_the_secret(as_user, staff, synced, fake):
    body = as_user(staff.head).get("/bitrix/").content.decode()
    assert f'data-pk="{synced.pk}"' in body
    assert "/rest/1/•••/" in body and fake.code not in body
    assert "Sync now" in body and "Review list: 1" in body
    trail = body.split('id="bx-trail"')[1]
    assert "Bitrix24 sync #" in trail and "ООО «Альфа»" in trail  # the run and the new client


def test_the_log_says_when_bitrix_is_not_connected(as_user, staff, settings):
    settings.BITRIX24_WEBHOOK_URL = ""
    body = as_user(staff.head).get("/bitrix/").content.decode()
    assert "Bitrix24 is not connected" in body and "Sync now" not in body


@pytest.mark.parametrize("who", ["support", "csm", "sales", "ceo", "dev", "engineer"])
def test_other_roles_get_403_everywhere(as_user, staff, synced, who):
    browser = as_user(getattr(staff, who))
    conflict = Conflict.objects.get()
    for url in PAGES:
        assert browser.get(url).status_code == 403, url
    assert browser.post("/bitrix/sync/").status_code == 403
    response = browser.post(f"/bitrix/conflicts/{conflict.pk}/decide/", {"status": "ignored"})
    assert response.status_code == 403
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.OPEN


def test_a_client_contact_gets_403_and_a_visitor_is_sent_to_sign_in(client, as_user, companies):
    for url in PAGES:
        assert client.get(url).status_code == 302
    browser = as_user(companies.client1)
    for url in PAGES:
        assert browser.get(url).status_code == 403


def test_resolve_and_ignore_are_recorded(as_user, staff, synced, fake):
    browser = as_user(staff.head)
    conflict = Conflict.objects.get()
    response = browser.post(
        f"/bitrix/conflicts/{conflict.pk}/decide/", {"status": "ignored", "note": "не клиент"}
    )
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert (conflict.status, conflict.note, conflict.decided_by) == (
        ConflictStatus.IGNORED,
        "не клиент",
        staff.head,
    )
    assert AuditEvent.objects.filter(object_id=str(conflict.pk), actor=staff.head).exists()
    # Resolving reads the company again: still wrong in Bitrix24, so it comes back open.
    browser.post(f"/bitrix/conflicts/{conflict.pk}/decide/", {"status": "resolved"})
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.OPEN
    assert SyncRun.objects.filter(subject=f"review {conflict.pk}").exists()


def test_a_bad_decision_and_a_missing_conflict(as_user, staff, synced):
    browser = as_user(staff.head)
    conflict = Conflict.objects.get()
    browser.post(f"/bitrix/conflicts/{conflict.pk}/decide/", {"status": "open"})
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.OPEN
    assert browser.post("/bitrix/conflicts/99999/decide/", {"status": "ignored"}).status_code == 404


def test_sync_now_runs_a_sync(as_user, staff, fake):
    fake.add_company("ООО «Альфа»", INN_A)
    response = as_user(staff.head).post("/bitrix/sync/")
    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert run.started_by == staff.head and run.clients_created == 1


def test_the_menu_shows_bitrix_to_the_head_only(as_user, staff):
    assert 'href="/bitrix/"' in as_user(staff.head).get("/").content.decode()
    assert 'href="/bitrix/"' not in as_user(staff.csm).get("/").content.decode()


def test_the_log_shows_a_stopped_run_its_counts_and_its_error(as_user, staff, fake):
    import re

    from soprovod.bitrix.client import Portal

    fake.add_company("ООО «Альфа»", INN_A)
    fake.add_company("ООО «Бета»", "7736050003")
    fake.add_company("Опечатка", BAD_INN)
    fake.fail("drop", "crm.deal.list", times=-1)  # the companies are written, then the network
    stopped = sync.run_sync(portal=Portal(fake.url, retries=0)).run
    assert stopped.status == "failed"
    body = as_user(staff.head).get("/bitrix/").content.decode()
    row, errors = body.split(f'data-pk="{stopped.pk}"')[1].split('class="bx-errors"')[:2]
    cells = re.findall(r'<td class="num">(?:<a [^>]*>)?(\d+)', row)
    assert cells == ["3", "2", "0", "1", "0", "1"]  # read, created, updated, conflicts, ...
    assert "Stopped by an error" in row
    assert "Bitrix24 kept failing (0 retries): ServerDisconnectedError" in errors.split("</tr>")[0]
    assert fake.code not in body
