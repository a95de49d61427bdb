"""The portfolio reads: scoped to the user, filtered in the database, counted in one query."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test.utils import override_settings
from django.utils import translation

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.clients import actions
from soprovod.clients.models import ClientStatus
from soprovod.clients.queries import (
    NO_MANAGER,
    PortfolioFilters,
    audit_entries,
    client_page,
    portfolio,
    portfolio_summary,
    sales_people,
    segments_visible_to,
    success_managers,
)
from soprovod.clients.tests.factories import ClientFactory, ContactFactory, SiteFactory

pytestmark = pytest.mark.django_db


# ---- filters from the query string ---------------------------------------------------------


def test_filters_default_to_everything_by_name():
    filters = PortfolioFilters.from_query({})
    assert filters == PortfolioFilters(q="", status="", manager="", segment="", sort="name")
    assert not filters.is_filtered


def test_filters_keep_good_values():
    filters = PortfolioFilters.from_query(
        {"q": "  Альфа ", "status": "at_risk", "manager": "12", "segment": "ЖК", "sort": "-mrr"}
    )
    assert filters == PortfolioFilters(
        q="Альфа", status="at_risk", manager="12", segment="ЖК", sort="-mrr"
    )
    assert filters.is_filtered


def test_filters_drop_values_that_cannot_be_right():
    filters = PortfolioFilters.from_query(
        {"status": "lost", "manager": "12 OR 1=1", "sort": "inn; drop table", "q": "x" * 500}
    )
    assert (filters.status, filters.manager, filters.sort) == ("", "", "name")
    assert len(filters.q) == 200


def test_no_manager_is_a_filter_of_its_own():
    assert PortfolioFilters.from_query({"manager": NO_MANAGER}).manager == NO_MANAGER


# ---- the list --------------------------------------------------------------------------------


def names(clients) -> list[str]:
    return [c.name for c in clients]


def test_sales_list_only_what_they_sold(staff, companies):
    assert names(portfolio(staff.sales, PortfolioFilters())) == ["ООО «Альфа»"]
    assert names(portfolio(staff.dev, PortfolioFilters())) == []
    assert names(portfolio(companies.client2, PortfolioFilters())) == ["АО «Бета»"]


@pytest.mark.parametrize("query", ["альфа", "АЛЬФА", "Альфа", "ооо «альфа»", "льф", "альфа ооо"])
def test_search_finds_cyrillic_names_whatever_the_case(staff, companies, query):
    # SQLite folds only ASCII case; the search must still find a lower-case Russian query.
    assert names(portfolio(staff.head, PortfolioFilters(q=query))) == ["ООО «Альфа»"]


def test_search_needs_every_word(staff, companies):
    assert names(portfolio(staff.head, PortfolioFilters(q="альфа бета"))) == []


def test_search_for_punctuation_only_does_not_list_everything(staff, companies):
    assert names(portfolio(staff.head, PortfolioFilters(q="«"))) == ["АО «Бета»", "ООО «Альфа»"]
    assert names(portfolio(staff.head, PortfolioFilters(q="%"))) == []


def test_search_by_inn_and_external_id(staff, companies):
    companies.b.external_id = "AMO-4411"
    companies.b.save()
    inn = companies.a.inn
    assert names(portfolio(staff.head, PortfolioFilters(q=inn))) == ["ООО «Альфа»"]
    assert names(portfolio(staff.head, PortfolioFilters(q=inn[:6]))) == ["ООО «Альфа»"]
    assert names(portfolio(staff.head, PortfolioFilters(q="amo-44"))) == ["АО «Бета»"]


def test_counts_of_sites_and_contacts_do_not_multiply(staff, companies):
    SiteFactory.create_batch(2, client=companies.a)  # 3 sites
    ContactFactory.create_batch(4, client=companies.a)  # 5 contacts
    [a] = portfolio(staff.head, PortfolioFilters(q="Альфа"))
    assert (a.sites_count, a.contacts_count) == (3, 5)


def test_client_without_sites_counts_zero(staff):
    ClientFactory(name="Пустой")
    [client] = portfolio(staff.head, PortfolioFilters())
    assert (client.sites_count, client.contacts_count) == (0, 0)


def test_list_rows_cost_one_query_with_their_managers(staff, companies, django_assert_num_queries):
    assert staff.head.role_codes  # read once per request, before the list
    with django_assert_num_queries(1):
        rows = list(portfolio(staff.head, PortfolioFilters()))
        assert [str(row.success_manager) for row in rows] == [str(staff.csm2), str(staff.csm)]


def test_equal_mrr_is_ordered_by_name(staff):
    for name in ("Вега", "Альтаир", "Сириус"):
        ClientFactory(name=name, mrr_rub=Decimal("100"))
    ClientFactory(name="Бетельгейзе", mrr_rub=Decimal("500"))
    assert names(portfolio(staff.head, PortfolioFilters(sort="-mrr"))) == [
        "Бетельгейзе",
        "Альтаир",
        "Вега",
        "Сириус",
    ]


# ---- the summary ------------------------------------------------------------------------------


def test_summary_is_one_query(staff, companies, django_assert_num_queries):
    assert staff.head.role_codes  # read once per request, before the summary
    with django_assert_num_queries(1):
        portfolio_summary(staff.head, PortfolioFilters(q="а", status="active", segment="ЖК"))


def test_summary_counts_statuses_mrr_and_capacity(staff, companies):
    ClientFactory(status=ClientStatus.ONBOARDING, mrr_rub=Decimal("1000.50"))
    ClientFactory(status=ClientStatus.CHURNED, churned_at="2026-02-01", mrr_rub=Decimal("9"))
    summary = portfolio_summary(staff.head, PortfolioFilters())
    assert summary.total == 4
    assert summary.mrr_rub == Decimal("51000.50")  # 25 000 + 25 000 + 1 000.50, not the churned 9
    assert {s.status: s.count for s in summary.by_status} == {
        "onboarding": 1,
        "active": 2,
        "at_risk": 0,
        "churned": 1,
    }
    assert summary.in_portfolio == 3  # churned clients leave the department's load
    assert summary.capacity == 400
    assert not summary.over_capacity
    assert summary.capacity_percent == 1


def test_status_counts_ignore_only_the_status_filter(staff, companies):
    ClientFactory(status=ClientStatus.AT_RISK, success_manager=staff.csm, mrr_rub=Decimal("7"))
    summary = portfolio_summary(
        staff.head, PortfolioFilters(manager=str(staff.csm.pk), status="at_risk")
    )
    assert (summary.total, summary.mrr_rub) == (1, Decimal("7"))
    assert {s.status: s.count for s in summary.by_status}["active"] == 1  # company A
    assert summary.in_portfolio == 3  # the capacity ignores every filter


def test_status_labels_follow_the_language(staff, companies):
    with translation.override("en"):
        summary = portfolio_summary(staff.head, PortfolioFilters())
    assert [s.label for s in summary.by_status] == ["Onboarding", "Active", "At risk", "Churned"]


def test_summary_of_nothing(staff, companies):
    summary = portfolio_summary(staff.dev, PortfolioFilters())
    assert (summary.total, summary.mrr_rub, summary.in_portfolio) == (0, Decimal(0), 0)
    summary = portfolio_summary(staff.head, PortfolioFilters(q="нет такого"))
    assert (summary.total, summary.mrr_rub) == (0, Decimal(0))


@override_settings(PORTFOLIO_CAPACITY=2)
def test_over_capacity(staff, companies):
    ClientFactory(status=ClientStatus.AT_RISK)
    summary = portfolio_summary(staff.head, PortfolioFilters())
    assert summary.over_capacity
    assert summary.over_by == 1
    assert summary.capacity_percent == 100


# ---- choices for filters and forms --------------------------------------------------------------


def test_success_managers_are_the_active_users_with_that_role(staff):
    gone = UserFactory(roles=[Role.SUCCESS_MANAGER], is_active=False)
    both = UserFactory(roles=[Role.SUCCESS_MANAGER, Role.HEAD])
    assert set(success_managers()) == {staff.csm, staff.csm2, both}
    assert gone in success_managers(include=gone.pk)
    assert list(success_managers(include=staff.csm.pk)).count(staff.csm) == 1


def test_sales_people(staff):
    assert set(sales_people()) == {staff.sales, staff.sales2}
    assert staff.head in sales_people(include=staff.head.pk)


def test_segments_are_those_the_user_sees(staff, companies):
    ClientFactory(segment="ЖК", sold_by=staff.sales2)
    ClientFactory(segment="")
    assert segments_visible_to(staff.head) == ["Бизнес-центр", "ЖК"]
    assert segments_visible_to(staff.sales) == ["Бизнес-центр"]


# ---- one client --------------------------------------------------------------------------------


def test_audit_entries_name_what_changed_in_words(staff, companies):
    a = companies.a
    actions.do_update_client(staff.csm, a, mrr_rub=Decimal("30000"), segment="")
    site = actions.do_save_site(staff.csm, a, name="Склад")
    actions.do_save_contact(staff.csm, a, full_name="Петров", is_primary=True)
    actions.do_update_client(staff.head, companies.b, tariff="Другой")  # not A's business

    with translation.override("en"):
        contact_event, site_event, client_event = audit_entries(a)

    assert client_event.subject == ""
    assert client_event.event.actor == staff.csm
    assert {(c.label, c.old, c.new) for c in client_event.changes} == {
        ("MRR, ₽", "25,000 ₽", "30,000 ₽"),  # money formatted, never a raw decimal
        ("Segment", "Бизнес-центр", "—"),
    }
    assert site_event.subject == f"site «{site.name}»"
    assert ("Time zone", "—", "Europe/Moscow") in {
        (c.label, c.old, c.new) for c in site_event.changes
    }
    assert ("Primary contact", "—", "yes") in {
        (c.label, c.old, c.new) for c in contact_event.changes
    }


def test_client_page_without_audit_for_those_who_may_not_see_it(staff, companies):
    page = client_page(companies.a, with_audit=False)
    assert page.audit is None
    assert page.sites == [companies.site_a]
    assert page.contacts == [companies.contact_a]


def test_client_page_costs_the_same_whatever_its_size(staff, companies, django_assert_num_queries):
    a = companies.a
    client_page(a, with_audit=True)  # warm the content type cache
    with django_assert_num_queries(4):  # sites, contacts, status history, audit
        client_page(a, with_audit=True)
    for n in range(10):
        actions.do_save_site(staff.head, a, name=f"Объект {n}")
        actions.do_save_contact(staff.head, a, full_name=f"Контакт {n}")
    with django_assert_num_queries(4):
        page = client_page(a, with_audit=True)
        assert [str(c.user) for c in page.contacts if c.user]  # logins came with the contacts
    assert len(page.audit) == 20
