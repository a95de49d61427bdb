"""One refusal rule (style.md 14, accounts.permissions.require): a section a role may not use
answers 403, an object the user may not know exists answers 404 — the same for every role, a
client contact included. The refusal pages are Russian, inside the site's frame, with a way
back, and hold with DEBUG off."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import path

from soprovod.reports.models import Report
from soprovod.tickets.tests.factories import TicketFactory

# Every staff section's front page.
SECTIONS = [
    "/tickets/",
    "/tickets/new/",
    "/clients/",
    "/clients/new/",
    "/sla/",
    "/sla/rules/",
    "/sla/policies/new/",
    "/kpi/",
    "/kpi/targets/",
    "/reports/",
    "/projects/",
    "/devrequests/",
    "/handoffs/",
    "/surveys/",
    "/surveys/detractors/",
    "/success/claims/",
    "/health/",
    "/health/settings/",
    "/success/churn/",
    "/escalations/",
    "/escalations/new/",
    "/team/",
    "/team/training/",
    "/kb/",
    "/security/",
    "/bitrix/",
    "/bitrix/conflicts/",
    "/incidents/",
    "/incidents/new/",
    "/quality/",
    "/quality/mine/",
    "/quality/rubric/",
    "/problems/",
    "/problems/new/",
    "/problems/register/",
    "/telegram/duty/",
    "/search/",
]
# What sales may open: the clients they sold, their projects, their hand-offs, the search
# (which finds only those clients) and the knowledge base (staff read it, internal rules
# included).
SALES_SECTIONS = {"/clients/", "/projects/", "/handoffs/", "/search/", "/kb/"}


@pytest.mark.parametrize("url", SECTIONS)
def test_a_client_contact_gets_403_on_every_staff_section(client, companies, url):
    client.force_login(companies.client1)
    response = client.get(url)
    assert response.status_code == 403, url
    body = response.content.decode()
    assert "Нет доступа" in body and "в портале" in body


@pytest.mark.parametrize("url", sorted(set(SECTIONS) - SALES_SECTIONS - {"/clients/new/"}))
def test_sales_get_403_on_every_section_their_role_does_not_use(client, staff, url):
    client.force_login(staff.sales)
    response = client.get(url)
    assert response.status_code == 403, url


@pytest.mark.parametrize("url", sorted(SALES_SECTIONS))
def test_sales_open_their_sections(client, staff, url):
    client.force_login(staff.sales)
    assert client.get(url).status_code == 200


def test_objects_are_404_for_a_client_and_for_sales(client, staff, companies):
    other = TicketFactory(client=companies.b)
    report = Report.objects.create(
        kind="monthly", period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31)
    )
    client.force_login(companies.client1)
    assert client.get(f"/tickets/{other.number}/").status_code == 404
    assert client.get(f"/clients/{companies.b.pk}/").status_code == 404
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    client.force_login(staff.sales)
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert client.get(f"/clients/{companies.b.pk}/").status_code == 404  # sold by sales2


# ---- the pages themselves, with DEBUG off ---------------------------------------------------


def _boom(request):
    raise RuntimeError("secret detail of the bug")


urlpatterns = [path("boom/", _boom)]
handler500 = "soprovod.web.views.server_error"


@pytest.fixture
def urls_with_a_bug():
    from soprovod import urls

    global urlpatterns
    urlpatterns = [path("boom/", _boom), *urls.urlpatterns]
    with override_settings(ROOT_URLCONF=__name__):
        yield


def _in_frame(body: str) -> bool:
    return 'class="topbar"' in body and 'class="brand"' in body and "Сопровод" in body


@override_settings(DEBUG=False)
def test_403_page_is_russian_in_the_frame_with_a_way_back(client, staff):
    client.force_login(staff.sales)
    response = client.get("/kpi/")
    body = response.content.decode()
    assert response.status_code == 403
    assert _in_frame(body) and 'class="mainnav"' in body  # the menu stays
    assert "Нет доступа" in body
    assert "На главную" in body and 'href="/"' in body


@override_settings(DEBUG=False)
def test_404_page_is_russian_in_the_frame_with_a_way_back(client, staff):
    client.force_login(staff.support)
    response = client.get("/tickets/999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert _in_frame(body)
    assert "Страница не найдена" in body
    assert "На главную" in body


@override_settings(DEBUG=False)
def test_404_page_for_a_visitor_who_is_not_signed_in(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


@override_settings(DEBUG=False)
def test_500_page_is_russian_in_the_frame_with_a_way_back(client, staff, urls_with_a_bug):
    client.raise_request_exception = False
    client.force_login(staff.support)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert _in_frame(body)
    assert "Что-то пошло не так" in body
    assert "На главную" in body
    assert "secret detail" not in body
