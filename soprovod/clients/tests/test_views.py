"""The portfolio pages: who gets in, what they see, and what the forms refuse.

Every permission test has an owner (csm for company A), a colleague (csm2, B's manager) and
an outsider (client contacts, development). Pages are requested in English where a test reads
our own messages; the Russian default is checked where the catalogue already has the text.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from soprovod.accounts.tests.factories import UserFactory
from soprovod.audit.models import AuditEvent
from soprovod.clients import actions
from soprovod.clients.models import Client, ClientStatus, Contact, Site
from soprovod.clients.tests.factories import ClientFactory, ContactFactory, SiteFactory
from soprovod.lib.csvio import CsvFileError, CsvIssue

pytestmark = pytest.mark.django_db

VALID_INN = "7707083893"  # Sberbank's, a well-known valid 10-digit INN
BAD_INN = "7707083894"  # the same with a wrong check digit


@pytest.fixture
def as_user(client):
    """Sign the test client in as ``user``, with the interface in English."""

    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


def portal_url() -> str | None:
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return None


def assert_sent_to_portal_or_404(response):
    """A client contact on a staff page: their portal once it exists, 404 until then."""
    if portal_url():
        assert response.status_code == 302
        assert response["Location"] == portal_url()
    else:
        assert response.status_code == 404


def client_form_data(client: Client, **changes) -> dict:
    data = {
        "name": client.name,
        "inn": client.inn,
        "external_id": client.external_id or "",
        "status": client.status,
        "tariff": client.tariff,
        "mrr_rub": str(client.mrr_rub),
        "contract_start": client.contract_start.isoformat(),
        "contract_end": client.contract_end.isoformat() if client.contract_end else "",
        "churned_at": client.churned_at.isoformat() if client.churned_at else "",
        "success_manager": client.success_manager_id or "",
        "sold_by": client.sold_by_id or "",
        "segment": client.segment,
        "notes": client.notes,
        "version": client.version,
    }
    data.update(changes)
    return data


def new_client_data(**changes) -> dict:
    data = {
        "name": "ООО «Гамма»",
        "inn": VALID_INN,
        "external_id": "CRM-1",
        "status": ClientStatus.ONBOARDING,
        "tariff": "Бизнес",
        "mrr_rub": "40000",
        "contract_start": "2026-01-10",
        "contract_end": "",
        "churned_at": "",
        "success_manager": "",
        "sold_by": "",
        "segment": "ЖК",
        "notes": "",
    }
    data.update(changes)
    return data


# ---- anonymous -------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login_from_every_page(client, companies):
    a, site, contact = companies.a, companies.site_a, companies.contact_a
    urls = [
        reverse("clients:list"),
        reverse("clients:detail", args=[a.pk]),
        reverse("clients:create"),
        reverse("clients:edit", args=[a.pk]),
        reverse("clients:import"),
        reverse("clients:site_create", args=[a.pk]),
        reverse("clients:site_edit", args=[a.pk, site.pk]),
        reverse("clients:site_delete", args=[a.pk, site.pk]),
        reverse("clients:contact_create", args=[a.pk]),
        reverse("clients:contact_edit", args=[a.pk, contact.pk]),
        reverse("clients:contact_delete", args=[a.pk, contact.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


# ---- the portfolio list: who ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "support", "csm", "implementation", "engineer", "ceo"])
def test_department_and_ceo_see_the_whole_portfolio(as_user, staff, companies, role):
    response = as_user(getattr(staff, role)).get(reverse("clients:list"))
    assert response.status_code == 200
    assert list(response.context["clients"]) == [companies.b, companies.a]  # by name


def test_sales_see_only_the_clients_they_sold(as_user, staff, companies):
    response = as_user(staff.sales).get(reverse("clients:list"))
    assert response.status_code == 200
    assert list(response.context["clients"]) == [companies.a]
    assert companies.b.name not in response.content.decode()


def test_development_is_refused_the_portfolio(as_user, staff, companies):
    assert as_user(staff.dev).get(reverse("clients:list")).status_code == 403


def test_the_portfolio_is_a_section_a_client_contact_may_not_use(as_user, companies):
    assert as_user(companies.client1).get(reverse("clients:list")).status_code == 403


def test_user_without_a_role_is_refused_the_portfolio(as_user, companies):
    nobody = UserFactory(username="nobody")
    assert as_user(nobody).get(reverse("clients:list")).status_code == 403


def test_capacity_is_shown_to_portfolio_readers_but_not_to_sales(as_user, staff, companies):
    assert "In the portfolio: 2 of 400 clients" in (
        as_user(staff.head).get(reverse("clients:list")).content.decode()
    )
    assert "In the portfolio" not in (
        as_user(staff.sales).get(reverse("clients:list")).content.decode()
    )


def test_only_head_and_success_managers_see_the_create_button(as_user, staff, companies):
    create = reverse("clients:create")
    assert create in as_user(staff.csm).get(reverse("clients:list")).content.decode()
    assert create not in as_user(staff.ceo).get(reverse("clients:list")).content.decode()
    assert create not in as_user(staff.sales).get(reverse("clients:list")).content.decode()


# ---- the portfolio list: what --------------------------------------------------------------


def test_list_shows_every_column(as_user, staff, companies):
    companies.a.mrr_rub = Decimal("1250000.00")
    companies.a.external_id = "CRM-7"
    companies.a.save()
    html = as_user(staff.head).get(reverse("clients:list")).content.decode()
    assert "ООО «Альфа»" in html
    assert companies.a.inn in html
    assert '<span class="badge active">Active</span>' in html
    assert "1,250,000" in html  # thousands separated (English page)
    assert str(staff.csm) in html
    assert "Бизнес-центр" in html


def test_mrr_is_formatted_the_russian_way_by_default(client, staff, companies):
    companies.a.mrr_rub = Decimal("1250000.00")
    companies.a.save()
    client.force_login(staff.head)
    html = client.get(reverse("clients:list")).content.decode()
    assert "1\xa0250\xa0000" in html


def test_site_and_contact_counts_are_per_client(as_user, staff, companies):
    SiteFactory.create_batch(2, client=companies.a)
    ContactFactory.create_batch(3, client=companies.a)
    response = as_user(staff.head).get(reverse("clients:list"), {"q": "Альфа"})
    [a] = response.context["clients"]
    assert (a.sites_count, a.contacts_count) == (3, 4)


@pytest.mark.parametrize(
    ("query", "found"),
    [("альфа", "a"), ("АЛЬФА", "a"), ("Бета", "b"), ("ext-b", "b"), ("EXT-A", "a")],
)
def test_search_by_name_or_external_id_ignores_case(as_user, staff, companies, query, found):
    Client.objects.filter(pk=companies.a.pk).update(external_id="EXT-A")
    Client.objects.filter(pk=companies.b.pk).update(external_id="EXT-B")
    response = as_user(staff.head).get(reverse("clients:list"), {"q": query})
    assert list(response.context["clients"]) == [getattr(companies, found)]


def test_search_by_inn_with_spaces(as_user, staff, companies):
    inn = companies.b.inn
    response = as_user(staff.head).get(
        reverse("clients:list"), {"q": f"{inn[:4]} {inn[4:7]} {inn[7:]}"}
    )
    assert list(response.context["clients"]) == [companies.b]


def test_filters_by_status_manager_and_segment(as_user, staff, companies):
    at_risk = ClientFactory(
        name="ЗАО «Дельта»", status=ClientStatus.AT_RISK, success_manager=staff.csm, segment="ЖК"
    )
    unmanaged = ClientFactory(name="ИП Ёлкин", segment="ЖК")
    page = as_user(staff.head)
    url = reverse("clients:list")
    assert list(page.get(url, {"status": "at_risk"}).context["clients"]) == [at_risk]
    assert list(page.get(url, {"manager": staff.csm.pk}).context["clients"]) == [
        at_risk,
        companies.a,
    ]
    assert list(page.get(url, {"manager": "none"}).context["clients"]) == [unmanaged]
    assert list(page.get(url, {"segment": "ЖК", "manager": staff.csm.pk}).context["clients"]) == [
        at_risk
    ]


def test_bad_filter_values_are_ignored_not_an_error(as_user, staff, companies):
    response = as_user(staff.head).get(
        reverse("clients:list"),
        {"status": "deleted", "manager": "x'; drop", "sort": "password", "page": "999"},
    )
    assert response.status_code == 200
    assert len(response.context["clients"]) == 2


def test_sort_by_mrr_both_ways_and_by_name(as_user, staff, companies):
    Client.objects.filter(pk=companies.a.pk).update(mrr_rub=Decimal("90000"))
    Client.objects.filter(pk=companies.b.pk).update(mrr_rub=Decimal("10000"))
    page, url = as_user(staff.head), reverse("clients:list")
    assert list(page.get(url, {"sort": "-mrr"}).context["clients"]) == [companies.a, companies.b]
    assert list(page.get(url, {"sort": "mrr"}).context["clients"]) == [companies.b, companies.a]
    assert list(page.get(url, {"sort": "name"}).context["clients"]) == [companies.b, companies.a]
    assert list(page.get(url, {"sort": "-name"}).context["clients"]) == [companies.a, companies.b]


def test_counts_per_status_and_total_mrr_of_the_filtered_set(as_user, staff, companies):
    ClientFactory(status=ClientStatus.AT_RISK, mrr_rub=Decimal("5000"), success_manager=staff.csm)
    ClientFactory(
        status=ClientStatus.CHURNED,
        churned_at="2026-01-31",
        mrr_rub=Decimal("7000"),
        success_manager=staff.csm,
    )
    response = as_user(staff.head).get(
        reverse("clients:list"), {"manager": staff.csm.pk, "status": "active"}
    )
    summary = response.context["summary"]
    assert summary.total == 1
    assert summary.mrr_rub == Decimal("25000")
    # Each status shows how many of csm's clients it would list.
    assert {s.status: s.count for s in summary.by_status} == {
        "onboarding": 0,
        "active": 1,
        "at_risk": 1,
        "churned": 1,
    }
    assert "1 client," in response.content.decode()


def test_capacity_warns_when_the_portfolio_is_over(as_user, staff, companies, settings):
    settings.PORTFOLIO_CAPACITY = 3
    ClientFactory.create_batch(2, status=ClientStatus.ONBOARDING)
    ClientFactory(status=ClientStatus.CHURNED, churned_at="2026-01-31")  # does not count
    html = as_user(staff.head).get(reverse("clients:list")).content.decode()
    assert "In the portfolio: 4 of 3 clients" in html
    assert 'class="capacity over"' in html
    assert "Over capacity by 1 client" in html


def test_capacity_bar_is_calm_under_capacity(as_user, staff, companies):
    html = as_user(staff.head).get(reverse("clients:list")).content.decode()
    assert 'class="capacity"' in html
    assert "Over capacity" not in html


def test_pages_of_fifty_keep_the_filters_in_the_links(as_user, staff, companies):
    ClientFactory.create_batch(55, segment="ЖК")
    page = as_user(staff.head)
    first = page.get(reverse("clients:list"), {"segment": "ЖК"})
    assert len(first.context["clients"]) == 50
    assert "?segment=%D0%96%D0%9A&amp;page=2" in first.content.decode()
    second = page.get(reverse("clients:list"), {"segment": "ЖК", "page": 2})
    assert len(second.context["clients"]) == 5
    assert not set(first.context["clients"]) & set(second.context["clients"])


def test_htmx_request_gets_only_the_results_fragment(as_user, staff, companies):
    page = as_user(staff.head)
    response = page.get(reverse("clients:list"), {"q": "Бета"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<table class="list portfolio">' in html
    assert "АО «Бета»" in html and "ООО «Альфа»" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(as_user, staff, companies):
    response = as_user(staff.head).get(
        reverse("clients:list"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_full_page_works_without_javascript(as_user, staff, companies):
    html = as_user(staff.head).get(reverse("clients:list"), {"q": "Бета"}).content.decode()
    assert '<form class="filters" method="get" action="/clients/"' in html
    assert 'value="Бета"' in html
    assert '<div id="portfolio"' in html


def _queries_to_render(client, url) -> int:
    client.get(url)  # warm the per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow_portfolio(count: int, manager) -> None:
    for client in ClientFactory.create_batch(count, success_manager=manager):
        SiteFactory.create_batch(2, client=client)
        ContactFactory.create_batch(2, client=client)


def test_list_query_count_does_not_grow_with_the_portfolio(as_user, staff, companies):
    page = as_user(staff.head)
    url = reverse("clients:list")
    _grow_portfolio(1, staff.csm)
    few = _queries_to_render(page, url)
    _grow_portfolio(27, staff.csm2)  # 30 clients in all
    assert len(page.get(url).context["clients"]) == 30
    assert _queries_to_render(page, url) == few
    assert _queries_to_render(page, url + "?sort=-mrr&status=active") == few


# ---- the client page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "support", "csm", "csm2", "engineer", "ceo"])
def test_department_and_ceo_read_any_client_page(as_user, staff, companies, role):
    response = as_user(getattr(staff, role)).get(reverse("clients:detail", args=[companies.b.pk]))
    assert response.status_code == 200
    assert "АО «Бета»" in response.content.decode()


def test_client_page_shows_the_card_sites_contacts_and_history(as_user, staff, companies):
    a = companies.a
    a.contract_end = a.contract_start.replace(year=2027)
    a.notes = "Ключевой клиент"
    a.save()
    html = as_user(staff.head).get(reverse("clients:detail", args=[a.pk])).content.decode()
    for text in (
        a.inn,
        "Бизнес",  # tariff
        "25,000.00",  # MRR
        str(staff.csm),  # success manager
        str(staff.sales),  # sold by
        "Ключевой клиент",
        "Бизнес-центр",
        companies.site_a.name,
        companies.contact_a.full_name,
        companies.contact_a.email,
        "Status history",
        "Change history",
    ):
        assert text in html, text


def test_client_page_status_history_is_dated(as_user, staff, companies):
    a = actions.do_create_client(
        staff.head,
        name="ООО «Гамма»",
        inn=VALID_INN,
        contract_start="2025-03-01",
        status=ClientStatus.ONBOARDING,
    )
    actions.do_update_client(
        staff.head, a, status=ClientStatus.ACTIVE, status_effective_on="2025-04-15"
    )
    response = as_user(staff.head).get(reverse("clients:detail", args=[a.pk]))
    history = response.context["page"].status_history
    assert [(h.status, h.effective_on.isoformat()) for h in history] == [
        ("active", "2025-04-15"),
        ("onboarding", "2025-03-01"),
    ]
    assert "04/15/2025" in response.content.decode()


def test_edit_buttons_only_for_those_who_may_edit(as_user, staff, companies):
    edit_a = reverse("clients:edit", args=[companies.a.pk])
    add_site_a = reverse("clients:site_create", args=[companies.a.pk])
    url = reverse("clients:detail", args=[companies.a.pk])
    for user in (staff.csm, staff.head):
        html = as_user(user).get(url).content.decode()
        assert edit_a in html and add_site_a in html
    for user in (staff.csm2, staff.ceo, staff.support, staff.sales):
        html = as_user(user).get(url).content.decode()
        assert edit_a not in html and add_site_a not in html, user


def test_sales_read_their_client_page_but_not_others(as_user, staff, companies):
    page = as_user(staff.sales)
    response = page.get(reverse("clients:detail", args=[companies.a.pk]))
    assert response.status_code == 200
    assert "Change history" not in response.content.decode()  # the audit trail is internal
    assert page.get(reverse("clients:detail", args=[companies.b.pk])).status_code == 404


def test_development_gets_404_for_a_client_page(as_user, staff, companies):
    assert (
        as_user(staff.dev).get(reverse("clients:detail", args=[companies.a.pk])).status_code == 404
    )


def test_client_contact_cannot_see_other_company(as_user, companies):
    page = as_user(companies.client1)
    assert page.get(reverse("clients:detail", args=[companies.b.pk])).status_code == 404
    assert page.get(reverse("clients:detail", args=[999999])).status_code == 404


def test_client_contact_is_sent_to_the_portal_for_their_own_company(as_user, companies):
    response = as_user(companies.client1).get(reverse("clients:detail", args=[companies.a.pk]))
    assert_sent_to_portal_or_404(response)


def test_detail_query_count_does_not_grow_with_sites_contacts_and_history(
    as_user, staff, companies
):
    page = as_user(staff.head)
    url = reverse("clients:detail", args=[companies.a.pk])
    actions.do_save_site(staff.head, companies.a, name="Склад")
    few = _queries_to_render(page, url)
    for n in range(27):
        actions.do_save_site(staff.head, companies.a, name=f"Объект {n}")
        actions.do_save_contact(staff.csm, companies.a, full_name=f"Контакт {n}")
    actions.do_update_client(staff.head, companies.a, status=ClientStatus.AT_RISK)
    response = page.get(url)
    assert len(response.context["page"].sites) == 29
    assert len(response.context["page"].audit) > 50
    assert _queries_to_render(page, url) == few


# ---- create ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "csm"])
def test_head_and_success_managers_create_clients(as_user, staff, role):
    page = as_user(getattr(staff, role))
    assert page.get(reverse("clients:create")).status_code == 200
    response = page.post(reverse("clients:create"), new_client_data(success_manager=staff.csm.pk))
    client = Client.objects.get(inn=VALID_INN)
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    assert client.success_manager == staff.csm
    assert client.status_history.count() == 1
    assert AuditEvent.objects.filter(object_id=str(client.pk), action="created").exists()


@pytest.mark.parametrize("role", ["ceo", "sales", "support", "engineer", "dev"])
def test_other_roles_cannot_create_clients(as_user, staff, role):
    page = as_user(getattr(staff, role))
    assert page.get(reverse("clients:create")).status_code == 403
    assert page.post(reverse("clients:create"), new_client_data()).status_code == 403
    assert not Client.objects.exists()


def test_client_contact_cannot_create_clients(as_user, companies):
    response = as_user(companies.client1).post(reverse("clients:create"), new_client_data())
    assert response.status_code == 403
    assert not Client.objects.filter(inn=VALID_INN).exists()


def test_a_success_manager_is_offered_as_manager_of_the_new_client(as_user, staff):
    response = as_user(staff.csm).get(reverse("clients:create"))
    assert response.context["form"]["success_manager"].value() == staff.csm.pk


def test_manager_select_offers_only_success_managers(as_user, staff):
    form = as_user(staff.head).get(reverse("clients:create")).context["form"]
    assert set(form.fields["success_manager"].queryset) == {staff.csm, staff.csm2}
    assert set(form.fields["sold_by"].queryset) == {staff.sales, staff.sales2}
    response = as_user(staff.head).post(
        reverse("clients:create"), new_client_data(success_manager=staff.ceo.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["success_manager"]
    assert not Client.objects.exists()


def test_wrong_inn_is_refused_with_the_reason(as_user, staff):
    response = as_user(staff.head).post(reverse("clients:create"), new_client_data(inn=BAD_INN))
    assert response.status_code == 200
    assert f"INN {BAD_INN} is wrong: the checksum does not match" in response.content.decode()
    assert not Client.objects.exists()


def test_wrong_inn_is_refused_in_russian_by_default(client, staff):
    client.force_login(staff.head)
    response = client.post(reverse("clients:create"), new_client_data(inn=BAD_INN))
    assert f"ИНН {BAD_INN} неверен: не сходится контрольная сумма" in response.content.decode()


def test_inn_typed_with_spaces_is_stored_as_digits(as_user, staff):
    as_user(staff.head).post(reverse("clients:create"), new_client_data(inn="7707 083 893"))
    assert Client.objects.get().inn == VALID_INN


def test_churned_client_needs_a_churn_date(as_user, staff):
    response = as_user(staff.head).post(
        reverse("clients:create"), new_client_data(status=ClientStatus.CHURNED)
    )
    assert response.context["form"].errors["churned_at"] == [
        "Set the churn date for a churned client."
    ]
    assert not Client.objects.exists()


def test_contract_cannot_end_before_it_starts(as_user, staff):
    response = as_user(staff.head).post(
        reverse("clients:create"), new_client_data(contract_end="2025-12-31")
    )
    assert response.context["form"].errors["contract_end"] == [
        "The contract ends before it starts."
    ]
    assert not Client.objects.exists()


def test_external_id_must_be_unique(as_user, staff, companies):
    Client.objects.filter(pk=companies.a.pk).update(external_id="CRM-1")
    response = as_user(staff.head).post(reverse("clients:create"), new_client_data())
    assert response.context["form"].errors["external_id"]


def test_two_clients_without_external_id_are_fine(as_user, staff):
    page = as_user(staff.head)
    page.post(reverse("clients:create"), new_client_data(external_id=""))
    page.post(reverse("clients:create"), new_client_data(external_id="", inn="500100732259"))
    assert Client.objects.filter(external_id__isnull=True).count() == 2


# ---- edit --------------------------------------------------------------------------------------


def test_success_manager_edits_own_client(as_user, staff, companies):
    page = as_user(staff.csm)
    url = reverse("clients:edit", args=[companies.a.pk])
    assert page.get(url).status_code == 200
    response = page.post(url, client_form_data(companies.a, mrr_rub="30000", reason="Новый тариф"))
    assert response.status_code == 302
    companies.a.refresh_from_db()
    assert companies.a.mrr_rub == Decimal("30000")
    assert companies.a.version == 2


def test_success_manager_cannot_edit_a_colleagues_client(as_user, staff, companies):
    page = as_user(staff.csm)
    url = reverse("clients:edit", args=[companies.b.pk])
    assert page.get(url).status_code == 403
    assert page.post(url, client_form_data(companies.b, mrr_rub="1")).status_code == 403
    companies.b.refresh_from_db()
    assert companies.b.mrr_rub == Decimal("25000")


def test_head_edits_any_client(as_user, staff, companies):
    url = reverse("clients:edit", args=[companies.b.pk])
    response = as_user(staff.head).post(url, client_form_data(companies.b, segment="ЖК"))
    assert response.status_code == 302
    companies.b.refresh_from_db()
    assert companies.b.segment == "ЖК"


@pytest.mark.parametrize("role", ["ceo", "support", "sales"])
def test_readers_cannot_edit(as_user, staff, companies, role):
    page = as_user(getattr(staff, role))
    url = reverse("clients:edit", args=[companies.a.pk])
    assert page.get(url).status_code == 403
    assert page.post(url, client_form_data(companies.a, mrr_rub="1")).status_code == 403
    companies.a.refresh_from_db()
    assert companies.a.mrr_rub == Decimal("25000")


def test_edit_of_an_invisible_client_is_404(as_user, staff, companies):
    assert (
        as_user(staff.sales).get(reverse("clients:edit", args=[companies.b.pk])).status_code == 404
    )
    assert as_user(staff.dev).get(reverse("clients:edit", args=[companies.a.pk])).status_code == 404
    page = as_user(companies.client1)
    assert page.get(reverse("clients:edit", args=[companies.b.pk])).status_code == 404


def test_stale_form_is_refused_and_keeps_the_users_input(as_user, staff, companies):
    a = companies.a
    page = as_user(staff.csm)
    url = reverse("clients:edit", args=[a.pk])
    opened = page.get(url).context["form"]["version"].value()
    # Meanwhile the head changes the same client.
    actions.do_update_client(staff.head, a, expected_version=1, tariff="Корпоративный")

    response = page.post(url, client_form_data(a, version=opened, mrr_rub="99000"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Not saved: someone else changed “ООО «Альфа»” after you opened this form" in html
    assert 'value="99000"' in html  # the user's input is still there
    differences = {
        label: (saved, mine) for label, saved, mine in response.context["stale"]["differences"]
    }
    assert differences["Tariff"] == ("Корпоративный", "Бизнес")
    assert differences["MRR, ₽"] == ("25000.00", "99000")
    a.refresh_from_db()
    assert (a.mrr_rub, a.tariff, a.version) == (Decimal("25000"), "Корпоративный", 2)
    # The form is now based on the saved version: saving again is a deliberate overwrite.
    assert response.context["form"]["version"].value() == "2"


def test_saving_the_refused_form_again_overwrites_deliberately(as_user, staff, companies):
    a = companies.a
    page = as_user(staff.csm)
    url = reverse("clients:edit", args=[a.pk])
    actions.do_update_client(staff.head, a, expected_version=1, tariff="Корпоративный")
    refused = page.post(url, client_form_data(a, version=1, mrr_rub="99000"))
    data = {
        name: refused.context["form"][name].value() or "" for name in refused.context["form"].fields
    }
    assert page.post(url, data).status_code == 302
    a.refresh_from_db()
    assert (a.mrr_rub, a.version) == (Decimal("99000"), 3)


def test_edit_without_a_version_is_refused(as_user, staff, companies):
    data = client_form_data(companies.a, mrr_rub="1")
    del data["version"]
    response = as_user(staff.csm).post(reverse("clients:edit", args=[companies.a.pk]), data)
    assert response.status_code == 200
    companies.a.refresh_from_db()
    assert companies.a.mrr_rub == Decimal("25000")


def test_edits_appear_in_the_change_history_of_the_client_page(as_user, staff, companies):
    a = companies.a
    page = as_user(staff.csm)
    page.post(
        reverse("clients:edit", args=[a.pk]),
        client_form_data(a, mrr_rub="30000", status="at_risk", reason="Жалоба на турникеты"),
    )
    page.post(
        reverse("clients:site_create", args=[a.pk]),
        {"name": "ЖК «Север»", "address": "", "timezone": "Asia/Yekaterinburg"},
    )
    response = page.get(reverse("clients:detail", args=[a.pk]))
    html = response.content.decode()
    [site_event, client_event] = response.context["page"].audit[:2]
    assert client_event.event.actor == staff.csm
    assert client_event.event.action == "updated"
    changes = {c.label: (c.old, c.new) for c in client_event.changes}
    assert changes["MRR, ₽"] == ("25,000 ₽", "30,000 ₽")  # formatted, never raw
    assert changes["Status"] == ("Active", "At risk")
    assert "25,000 ₽ → 30,000 ₽" in html
    assert "Жалоба на турникеты" in html
    assert site_event.subject == "site «ЖК «Север»»"
    assert "Asia/Yekaterinburg" in html
    # The status change is dated too.
    assert response.context["page"].status_history[0].status == "at_risk"


# ---- sites and contacts ------------------------------------------------------------------------


def test_success_manager_adds_edits_and_deletes_a_site_of_own_client(as_user, staff, companies):
    a = companies.a
    page = as_user(staff.csm)
    assert page.get(reverse("clients:site_create", args=[a.pk])).status_code == 200
    response = page.post(
        reverse("clients:site_create", args=[a.pk]),
        {"name": "Завод", "address": "Тула", "timezone": "Europe/Moscow", "equipment_notes": ""},
    )
    assert response.status_code == 302
    site = a.sites.get(name="Завод")

    edit = reverse("clients:site_edit", args=[a.pk, site.pk])
    assert page.get(edit).status_code == 200
    page.post(edit, {"name": "Завод №2", "address": "Тула", "timezone": "Europe/Moscow"})
    site.refresh_from_db()
    assert site.name == "Завод №2"
    updated = AuditEvent.objects.get(object_id=str(site.pk), action="updated")
    assert updated.changes == {"name": ["Завод", "Завод №2"]}

    delete = reverse("clients:site_delete", args=[a.pk, site.pk])
    assert page.get(delete).status_code == 200  # a confirmation page, nothing deleted
    assert Site.objects.filter(pk=site.pk).exists()
    assert page.post(delete).status_code == 302
    assert not Site.objects.filter(pk=site.pk).exists()
    assert AuditEvent.objects.filter(object_id=str(site.pk), action="deleted").exists()


def test_bad_time_zone_is_refused(as_user, staff, companies):
    response = as_user(staff.csm).post(
        reverse("clients:site_create", args=[companies.a.pk]),
        {"name": "Склад", "timezone": "Moscow/Kremlin"},
    )
    assert response.status_code == 200
    assert "Unknown time zone: Moscow/Kremlin" in response.content.decode()
    assert companies.a.sites.count() == 1


def test_success_manager_cannot_touch_a_colleagues_sites(as_user, staff, companies):
    b, site = companies.b, companies.site_b
    page = as_user(staff.csm)
    assert page.get(reverse("clients:site_create", args=[b.pk])).status_code == 403
    assert page.get(reverse("clients:site_edit", args=[b.pk, site.pk])).status_code == 403
    assert (
        page.post(reverse("clients:site_edit", args=[b.pk, site.pk]), {"name": "x"}).status_code
        == 403
    )
    assert page.post(reverse("clients:site_delete", args=[b.pk, site.pk])).status_code == 403
    site.refresh_from_db()
    assert site.name != "x"


@pytest.mark.parametrize("role", ["ceo", "support", "sales"])
def test_readers_cannot_edit_sites_or_contacts(as_user, staff, companies, role):
    a = companies.a
    page = as_user(getattr(staff, role))
    assert page.get(reverse("clients:site_create", args=[a.pk])).status_code == 403
    assert (
        page.get(reverse("clients:site_edit", args=[a.pk, companies.site_a.pk])).status_code == 403
    )
    assert page.get(reverse("clients:contact_create", args=[a.pk])).status_code == 403
    assert (
        page.get(reverse("clients:contact_edit", args=[a.pk, companies.contact_a.pk])).status_code
        == 403
    )


def test_development_gets_404_on_site_and_contact_pages(as_user, staff, companies):
    a = companies.a
    page = as_user(staff.dev)
    assert (
        page.get(reverse("clients:site_edit", args=[a.pk, companies.site_a.pk])).status_code == 404
    )
    assert (
        page.get(reverse("clients:contact_edit", args=[a.pk, companies.contact_a.pk])).status_code
        == 404
    )


def test_client_contact_gets_404_for_another_companys_site_and_contact(as_user, companies):
    b = companies.b
    page = as_user(companies.client1)
    assert (
        page.get(reverse("clients:site_edit", args=[b.pk, companies.site_b.pk])).status_code == 404
    )
    assert page.get(reverse("clients:site_create", args=[b.pk])).status_code == 404
    assert (
        page.get(reverse("clients:contact_edit", args=[b.pk, companies.contact_b.pk])).status_code
        == 404
    )
    assert (
        page.post(
            reverse("clients:contact_delete", args=[b.pk, companies.contact_b.pk])
        ).status_code
        == 404
    )
    assert Contact.objects.filter(pk=companies.contact_b.pk).exists()


def test_client_contact_cannot_edit_own_companys_sites_here(as_user, companies):
    a = companies.a
    response = as_user(companies.client1).post(
        reverse("clients:site_edit", args=[a.pk, companies.site_a.pk]), {"name": "x"}
    )
    assert_sent_to_portal_or_404(response)
    companies.site_a.refresh_from_db()
    assert companies.site_a.name != "x"


def test_a_site_is_reached_only_through_its_own_client(as_user, staff, companies):
    # The head may edit both, but B's site under A's address does not exist.
    url = reverse("clients:site_edit", args=[companies.a.pk, companies.site_b.pk])
    assert as_user(staff.head).get(url).status_code == 404
    url = reverse("clients:contact_delete", args=[companies.a.pk, companies.contact_b.pk])
    assert as_user(staff.head).post(url).status_code == 404
    assert Contact.objects.filter(pk=companies.contact_b.pk).exists()


def test_success_manager_adds_and_edits_a_contact(as_user, staff, companies):
    a = companies.a
    page = as_user(staff.csm)
    page.post(
        reverse("clients:contact_create", args=[a.pk]),
        {"full_name": "Иванова Мария", "email": "m@alfa.test", "phone": "", "position": "Офис"},
    )
    contact = a.contacts.get(full_name="Иванова Мария")
    page.post(
        reverse("clients:contact_edit", args=[a.pk, contact.pk]),
        {"full_name": "Иванова Мария", "email": "maria@alfa.test", "is_primary": "on"},
    )
    contact.refresh_from_db()
    assert (contact.email, contact.is_primary) == ("maria@alfa.test", True)
    event = AuditEvent.objects.get(object_id=str(contact.pk), action="updated")
    assert event.changes["email"] == ["m@alfa.test", "maria@alfa.test"]
    assert event.parent_id == str(a.pk)


def test_editing_a_contact_keeps_its_portal_login(as_user, staff, companies):
    contact = companies.contact_a
    as_user(staff.csm).post(
        reverse("clients:contact_edit", args=[companies.a.pk, contact.pk]),
        {"full_name": "Новое имя", "email": contact.email},
    )
    contact.refresh_from_db()
    assert contact.full_name == "Новое имя"
    assert contact.user == companies.client1


def test_bad_email_is_refused(as_user, staff, companies):
    response = as_user(staff.csm).post(
        reverse("clients:contact_create", args=[companies.a.pk]),
        {"full_name": "Петров", "email": "not-an-email"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


# ---- import ------------------------------------------------------------------------------------

CSV_HEADER = "external_id;name;inn;tariff;mrr_rub;status;contract_start\n"


def _upload(page, content: bytes, *, dry_run: bool, name: str = "clients.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return page.post(reverse("clients:import"), data)


def test_import_page_explains_the_file(as_user, staff):
    response = as_user(staff.head).get(reverse("clients:import"))
    html = response.content.decode()
    assert response.status_code == 200
    for column in ("external_id", "inn", "mrr_rub", "success_manager_email", "churned_at"):
        assert f"<code>{column}</code>" in html
    assert "Windows-1251" in html
    assert "UTF-8" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'accept=".csv,text/csv"' in html


@pytest.mark.parametrize("role", ["csm", "ceo", "support", "sales", "dev"])
def test_only_the_head_imports(as_user, staff, role):
    page = as_user(getattr(staff, role))
    assert page.get(reverse("clients:import")).status_code == 403
    content = (CSV_HEADER + f"X1;Гамма;{VALID_INN};Бизнес;1000;active;2026-01-01\n").encode()
    assert _upload(page, content, dry_run=False).status_code == 403
    assert not Client.objects.exists()


def test_client_contact_cannot_import(as_user, companies):
    assert as_user(companies.client1).get(reverse("clients:import")).status_code == 403


def test_dry_run_checks_without_saving_then_import_saves(as_user, staff):
    page = as_user(staff.head)
    content = (CSV_HEADER + f"X1;Гамма;{VALID_INN};Бизнес;1 000,50;active;2026-01-01\n").encode(
        "cp1251"
    )
    checked = _upload(page, content, dry_run=True)
    assert checked.status_code == 200
    assert checked.context["result"].dry_run
    assert checked.context["result"].created == 1
    assert "Dry run: nothing was saved." in checked.content.decode()
    assert not Client.objects.exists()

    imported = _upload(page, content, dry_run=False)
    assert imported.context["result"].created == 1
    assert "Import finished." in imported.content.decode()
    assert Client.objects.get().mrr_rub == Decimal("1000.50")

    again = _upload(page, content, dry_run=False)
    assert (again.context["result"].created, again.context["result"].unchanged) == (0, 1)


def test_import_lists_every_bad_row_and_saves_nothing(as_user, staff):
    content = (
        CSV_HEADER
        + f"X1;Гамма;{VALID_INN};Бизнес;1000;active;2026-01-01\n"
        + f"X2;Дельта;{BAD_INN};Бизнес;1000;active;2026-01-01\n"
        + f"X3;Эпсилон;{VALID_INN};Бизнес;много;active;2026-01-01\n"
    ).encode()
    response = _upload(as_user(staff.head), content, dry_run=False)
    issues = response.context["issues"]
    assert len(issues) == 2
    assert issues[0].startswith("row 3, column inn:")
    assert issues[1].startswith("row 4, column mrr_rub:")
    html = response.content.decode()
    assert "nothing was saved: 2 problems" in html
    for issue in issues:
        assert f"<li>{issue}</li>" in html.replace("&#x27;", "'")
    assert not Client.objects.exists()


def test_import_error_rendering_shows_every_issue(as_user, staff, monkeypatch):
    issues = [CsvIssue(17, "inn", "INN checksum is wrong"), CsvIssue(1, None, "unknown columns: x")]

    def refuse(data, *, actor, filename, dry_run, **kwargs):
        raise CsvFileError(issues, filename)

    monkeypatch.setattr("soprovod.clients.imports.import_clients", refuse)
    response = _upload(as_user(staff.head), b"x\n1\n", dry_run=True)
    html = response.content.decode()
    assert "<li>row 17, column inn: INN checksum is wrong</li>" in html
    assert "<li>header: unknown columns: x</li>" in html


def test_import_refuses_a_file_over_the_limit(as_user, staff, monkeypatch):
    monkeypatch.setattr("soprovod.clients.forms.ImportForm.max_bytes", 1024 * 1024)
    response = _upload(as_user(staff.head), b"x" * (1024 * 1024 + 1), dry_run=True)
    assert response.status_code == 200
    assert "The file is 1.0 MB; the limit is 1 MB" in response.content.decode()
    assert response.context["result"] is None


def test_import_without_a_file_says_so(as_user, staff):
    response = as_user(staff.head).post(reverse("clients:import"), {"dry_run": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
