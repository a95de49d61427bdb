"""The wrapper over fast-bitrix24 against the fake portal: paging, batches, the leaky
bucket, backing off on 503s, and failures that never show the webhook's secret."""

import pytest

from soprovod.bitrix.client import BitrixError, NotConfigured, Portal, masked, scrub
from soprovod.bitrix.fake import FakeBitrix24
from soprovod.bitrix.tests.conftest import INN_A


@pytest.fixture
def portal_fake():
    with FakeBitrix24() as fake:
        for n in range(120):
            fake.add_company(f"Компания {n}", INN_A)
        yield fake


def test_pages_by_start_carry_total_and_next(portal_fake):
    portal = Portal(portal_fake.url)
    first = portal.list_page("crm.company.list", select=["ID", "TITLE"])
    assert (len(first.items), first.total, first.next) == (50, 120, 50)
    last = portal.list_page("crm.company.list", start=100)
    assert (len(last.items), last.next) == (20, None)
    assert portal.count("crm.company.list") == 120


def test_the_id_cursor_asks_for_no_count(portal_fake):
    portal = Portal(portal_fake.url)
    rows = portal.list_after("crm.company.list", after_id=110, select=["ID"])
    assert [r["ID"] for r in rows] == [str(n) for n in range(111, 121)]
    method, params = portal_fake.calls[-1]
    assert params["start"] == -1 and params["filter"] == {">ID": 110}
    assert params["order"] == {"ID": "ASC"}


def test_a_batch_of_more_than_50_commands_is_split(portal_fake):
    portal = Portal(portal_fake.url)
    commands = {
        f"r{n}": ("crm.requisite.list", {"filter": {"ENTITY_TYPE_ID": 4, "ENTITY_ID": n}})
        for n in range(1, 121)
    }
    answers = portal.batch(commands)
    assert len(answers) == 120 and answers["r7"][0]["RQ_INN"] == INN_A
    sizes = [len(p["cmd"]) for m, p in portal_fake.calls if m == "batch"]
    assert sizes == [50, 50, 20]


def test_the_fake_refuses_a_batch_over_50_so_the_split_matters(portal_fake):
    import json
    import urllib.error
    import urllib.request

    body = json.dumps({"cmd": {f"c{n}": "crm.company.get?id=1" for n in range(51)}}).encode()
    request = urllib.request.Request(  # noqa: S310 - the local fake
        portal_fake.url + "batch", body, {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310 - the local fake
    assert refused.value.code == 400


@pytest.mark.parametrize("kind", ["query_limit", "time_limit"])
def test_503s_are_backed_off_and_retried(portal_fake, kind):
    portal = Portal(portal_fake.url)
    portal_fake.fail(kind, "crm.company.get", times=3)
    assert portal.get("crm.company.get", 5)["TITLE"] == "Компания 4"
    assert portal_fake.methods_called().count("crm.company.get") == 4


def test_the_leaky_bucket_keeps_under_the_portals_limit():
    """The portal lets a burst through, then so many a second; past that it answers
    503 QUERY_LIMIT_EXCEEDED. A client throttled to the portal's limits is never refused;
    one that is not gets refused (and then backs off until its calls go through)."""
    with FakeBitrix24(burst=6, leak_per_second=10) as fake:
        fake.add_company("Альфа", INN_A)
        throttled = Portal(fake.url, burst=5, requests_per_second=8)
        for _ in range(20):
            throttled.get("crm.company.get", 1)
        assert fake.rejected == 0
        greedy = Portal(fake.url, burst=1000, requests_per_second=1000)
        for _ in range(20):
            greedy.get("crm.company.get", 1)
        assert fake.rejected > 0
        assert fake.methods_called().count("crm.company.get") == 40 + fake.rejected


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("html", "not JSON"),
        ("broken_json", "broken JSON"),
        ("bad_shape", "not a list of records"),
    ],
)
def test_a_malformed_answer_is_an_error(portal_fake, kind, words):
    portal = Portal(portal_fake.url)
    portal_fake.fail(kind, "crm.company.list")
    with pytest.raises(BitrixError, match=words):
        portal.list_after("crm.company.list", after_id=0)


def test_errors_never_carry_the_webhook_secret(portal_fake):
    portal = Portal(portal_fake.url)
    with pytest.raises(BitrixError) as missing:
        portal.get("crm.company.get", 9999)
    assert "400" in str(missing.value) and portal_fake.code not in str(missing.value)
    wrong = Portal(portal_fake.url.replace(portal_fake.code, "wrong-code"))
    with pytest.raises(BitrixError) as refused:
        wrong.get("crm.company.get", 1)
    assert "401" in str(refused.value) and "wrong-code" not in str(refused.value)


def test_not_configured_and_the_mask():
    with pytest.raises(NotConfigured):
        Portal("")
    assert masked("https://pass24.bitrix24.ru/rest/12/s3cr3tc0de/") == (
        "https://pass24.bitrix24.ru/rest/12/•••/"
    )
    assert masked("") == ""


def test_a_dropped_connection_is_a_network_error_and_is_retried(portal_fake):
    portal = Portal(portal_fake.url)
    portal_fake.fail("drop", "crm.company.get", times=2)
    assert portal.get("crm.company.get", 3)["TITLE"] == "Компания 2"
    assert portal_fake.methods_called().count("crm.company.get") == 3


def test_a_network_that_stays_down_is_a_safe_error_once_the_retries_are_spent(portal_fake):
    portal = Portal(portal_fake.url, retries=2)
    portal_fake.fail("drop", "crm.company.get", times=-1)
    with pytest.raises(BitrixError, match=r"kept failing \(2 retries\): ServerDisconnected"):
        portal.get("crm.company.get", 3)
    assert portal_fake.methods_called().count("crm.company.get") == 3


def test_the_time_limit_that_does_not_lift_names_the_503(portal_fake):
    portal = Portal(portal_fake.url, retries=1)
    portal_fake.fail("time_limit", "crm.company.list", times=-1)
    with pytest.raises(BitrixError, match="HTTP 503"):
        portal.list_after("crm.company.list", after_id=0)


def test_a_portal_that_does_not_answer_times_out(portal_fake):
    portal = Portal(portal_fake.url, retries=0, timeout=0.3)
    arrived = portal_fake.hold("crm.company.get")
    try:
        with pytest.raises(BitrixError, match="no answer in time"):
            portal.get("crm.company.get", 3)
        assert arrived.is_set()
    finally:
        portal_fake.release()


def test_scrub_hides_the_configured_webhook_wherever_it_is_quoted(settings):
    settings.BITRIX24_WEBHOOK_URL = "https://pass24.bitrix24.ru/rest/12/s3cr3tc0de/"
    text = scrub(
        "POST https://pass24.bitrix24.ru/rest/12/s3cr3tc0de/crm.company.get failed; code s3cr3tc0de"
    )
    assert "s3cr3tc0de" not in text
    assert "https://pass24.bitrix24.ru/rest/12/•••/crm.company.get" in text
    settings.BITRIX24_WEBHOOK_URL = ""
    assert scrub("s3cr3tc0de") == "s3cr3tc0de"  # nothing configured, nothing to hide


def test_error_pages_and_reports_hide_the_webhook_setting(settings):
    from django.views.debug import get_default_exception_reporter_filter

    settings.BITRIX24_WEBHOOK_URL = "https://pass24.bitrix24.ru/rest/12/s3cr3tc0de/"
    shown = get_default_exception_reporter_filter().get_safe_settings()
    assert "s3cr3tc0de" not in str(shown["BITRIX24_WEBHOOK_URL"])
    assert "s3cr3tc0de" not in str(shown)


def test_a_batch_answer_of_the_wrong_shape_is_a_clear_error_with_no_secret(portal_fake):
    import traceback

    portal = Portal(portal_fake.url)
    portal_fake.fail("bad_shape", "batch")
    with pytest.raises(BitrixError, match="unexpected shape") as failed:
        portal.batch({"a": ("crm.company.get", {"id": 1})})
    printed = "".join(traceback.format_exception(failed.value))
    assert portal_fake.code not in printed and "fast_bitrix24" not in printed
