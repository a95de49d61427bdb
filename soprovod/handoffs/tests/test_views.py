import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.handoffs.actions import do_submit_handoff
from soprovod.handoffs.models import Handoff, HandoffStatus
from soprovod.handoffs.tests.conftest import msk
from soprovod.handoffs.tests.factories import SITE, make_handoff


@pytest.fixture
def submitted(staff, friday):
    handoff = make_handoff(staff.sales)
    do_submit_handoff(staff.sales, handoff)
    return handoff


def login(client, user):
    client.force_login(user)
    return client


def test_sales_see_only_their_own_handoffs(client, staff, friday):
    mine = make_handoff(staff.sales, client_name="ООО «Моя»")
    theirs = make_handoff(staff.sales2, client_name="ООО «Чужая»")
    page = login(client, staff.sales).get(reverse("handoffs:list")).content.decode()
    assert "ООО «Моя»" in page and "ООО «Чужая»" not in page
    assert client.get(reverse("handoffs:detail", args=[mine.pk])).status_code == 200
    # A colleague's hand-off does not exist for them, nor may they change it.
    assert client.get(reverse("handoffs:detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("handoffs:submit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("handoffs:edit", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("who", ["dev", "client1"])
def test_outsiders_are_refused(client, staff, companies, friday, who):
    handoff = make_handoff(staff.sales)
    user = getattr(staff, who, None) or getattr(companies, who)
    c = login(client, user)
    listing = c.get(reverse("handoffs:list"))
    assert listing.status_code == 403  # a section: 403 for a client contact too
    assert c.get(reverse("handoffs:detail", args=[handoff.pk])).status_code in (302, 403)


def test_support_cannot_start_or_edit_and_sales_cannot_answer(client, staff, submitted):
    c = login(client, staff.csm)
    assert c.get(reverse("handoffs:create")).status_code == 403
    assert c.get(reverse("handoffs:detail", args=[submitted.pk])).status_code == 200
    c = login(client, staff.sales)
    answer = {"success_manager": staff.csm.pk}
    assert c.post(reverse("handoffs:accept", args=[submitted.pk]), answer).status_code == 403
    assert c.get(reverse("handoffs:inbox")).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == HandoffStatus.SUBMITTED


def test_the_owner_of_a_submitted_handoff_is_told_why_not_refused(client, staff, submitted):
    """The hand-off's status refuses a change (the API's 409): its owner is sent back to
    it with the reason, not shown a 403 as if it were not theirs; the document stays and
    nothing else changes. A colleague of support still gets 403, another salesman 404."""
    c = login(client, staff.sales)
    submitted.refresh_from_db()
    document = submitted.documents.first()
    version = submitted.version
    for method, name, args in (
        ("get", "handoffs:edit", [submitted.pk]),
        ("post", "handoffs:submit", [submitted.pk]),
        ("post", "handoffs:document_add", [submitted.pk]),
        ("post", "handoffs:document_remove", [submitted.pk, document.pk]),
    ):
        response = getattr(c, method)(reverse(name, args=args), follow=True)
        assert response.redirect_chain == [(reverse("handoffs:detail", args=[submitted.pk]), 302)]
        page = response.content.decode()
        assert (
            "Изменить можно только черновик или возвращённую передачу." in page
            or "Передача уже отправлена или принята." in page
        ), name
    submitted.refresh_from_db()
    assert (submitted.status, submitted.version) == (HandoffStatus.SUBMITTED, version)
    assert submitted.documents.filter(pk=document.pk).exists()
    assert submitted.rounds.count() == 1
    c = login(client, staff.csm)
    assert c.get(reverse("handoffs:edit", args=[submitted.pk])).status_code == 403
    assert c.post(reverse("handoffs:submit", args=[submitted.pk])).status_code == 403
    c = login(client, staff.sales2)
    assert c.post(reverse("handoffs:submit", args=[submitted.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("handoffs:return", {"reason_documents": "Нет подписи"}, "Вернуть можно только"),
        ("handoffs:accept", {}, "Принять можно только"),
    ],
)
def test_an_answer_to_a_handoff_not_waiting_for_one_is_sent_back_with_the_reason(
    client, staff, submitted, name, data, reason
):
    """Answered already (returned here), the hand-off's status refuses a second answer (the
    API's 409): support is sent back to it with the reason, not shown a 403 as if it were
    not theirs to answer; nothing changes. Sales still get 403, an outsider's role too."""
    c = login(client, staff.implementation)
    c.post(reverse("handoffs:return", args=[submitted.pk]), {"reason_documents": "Нет подписи"})
    submitted.refresh_from_db()
    assert submitted.status == HandoffStatus.RETURNED
    version, rounds = submitted.version, submitted.rounds.count()
    c = login(client, staff.csm)
    data = {**data, "success_manager": staff.csm.pk}
    response = c.post(reverse(name, args=[submitted.pk]), data, follow=True)
    assert response.redirect_chain == [(reverse("handoffs:detail", args=[submitted.pk]), 302)]
    assert reason in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.version) == (HandoffStatus.RETURNED, version)
    assert submitted.rounds.count() == rounds
    assert (
        login(client, staff.sales).post(reverse(name, args=[submitted.pk]), data).status_code == 403
    )
    assert (
        login(client, staff.dev).post(reverse(name, args=[submitted.pk]), data).status_code == 404
    )


def test_sales_start_a_handoff_and_see_what_is_missing(client, staff, friday):
    c = login(client, staff.sales)
    data = {
        "client_name": "ООО «Дельта»",
        "inn": "7707083893",
        "tariff": "Бизнес",
        "sites-TOTAL_FORMS": "1",
        "sites-INITIAL_FORMS": "0",
        "sites-0-name": SITE["name"],
        "sites-0-address": SITE["address"],
        "sites-0-timezone": "Europe/Moscow",
        "sites-0-equipment": "",
        "submit": "1",
    }
    response = c.post(reverse("handoffs:create"), data, follow=True)
    handoff = Handoff.objects.get()
    assert handoff.status == HandoffStatus.DRAFT  # refused: not complete
    page = response.content.decode()
    assert "не указано: номер договора" in page
    assert "не указано: оборудование объекта «БЦ «Северный»»" in page


def test_support_returns_with_reasons_and_sales_see_them(client, staff, submitted):
    c = login(client, staff.implementation)
    response = c.post(
        reverse("handoffs:return", args=[submitted.pk]),
        {"reason_documents": "Нет подписи", "comment": ""},
    )
    assert response.status_code == 302
    page = login(client, staff.sales).get(reverse("handoffs:detail", args=[submitted.pk]))
    assert "Нет подписи" in page.content.decode()


def queries_of(c, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = c.get(url).content.decode()
    return len(queries), page


def test_inbox_and_list_are_sorted_and_cost_fixed_queries(client, staff, friday):
    def submit(hour, name):
        handoff = make_handoff(staff.sales, client_name=f"ООО «{name}»")
        do_submit_handoff(staff.sales, handoff, now=msk(2026, 10, 16, hour))

    for hour, name in ((12, "Вторая"), (10, "Первая"), (14, "Третья")):
        submit(hour, name)
    c = login(client, staff.head)
    c.get(reverse("handoffs:inbox"))  # the session is read once
    inbox_queries, page = queries_of(c, reverse("handoffs:inbox"))
    assert page.index("Первая") < page.index("Вторая") < page.index("Третья")
    list_queries, _page = queries_of(c, reverse("handoffs:list"))
    for hour in (9, 11, 13, 15):
        submit(hour, f"Ещё {hour}")
    assert queries_of(c, reverse("handoffs:inbox"))[0] == inbox_queries
    assert queries_of(c, reverse("handoffs:list"))[0] == list_queries


def test_csv_export_of_the_list(client, staff, submitted):
    response = login(client, staff.sales).get(reverse("handoffs:list") + "?format=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = body.splitlines()[:2]
    assert header.startswith("id,client,inn,sales,status")
    assert "ООО «Гамма»" in row and ",submitted," in row


def test_sales_home_page_shows_their_handoffs_and_support_the_count_to_agree(
    client, staff, submitted
):
    make_handoff(staff.sales2, client_name="ООО «Чужая»")
    page = login(client, staff.sales).get("/").content.decode()
    assert "ООО «Гамма»" in page and "ООО «Чужая»" not in page
    assert reverse("handoffs:create") in page
    page = login(client, staff.csm).get("/").content.decode()
    assert "1 передача из ОП на согласование" in page
