"""Who sees the health pages and who may change what: the grants and the denials."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.clients.tests.factories import ClientFactory
from soprovod.health import actions
from soprovod.health.models import ClientSentiment, HealthConfig, HealthScore
from soprovod.health.tests.helpers import TODAY


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.fixture
def scored(story):
    actions.do_recompute()
    return story


def test_the_department_and_the_ceo_see_the_portfolio_and_a_clients_health(client, staff, scored):
    for user in (staff.head, staff.support, staff.csm, staff.csm2, staff.engineer, staff.ceo):
        response = get(client, user, reverse("health:portfolio"))
        assert response.status_code == 200, user
        assert scored.a.name in response.content.decode()
        page = get(client, user, reverse("health:client", args=[scored.a.pk]))
        assert page.status_code == 200
        assert "26:" in page.content.decode()


@pytest.mark.parametrize("who", ["sales", "dev"])
def test_sales_and_development_cannot_see_health(client, staff, scored, who):
    user = getattr(staff, who)
    assert get(client, user, reverse("health:portfolio")).status_code == 403
    assert get(client, user, reverse("health:client", args=[scored.a.pk])).status_code == 403
    assert get(client, user, reverse("health:settings")).status_code == 403


def test_client_contacts_cannot_see_health_even_of_their_own_company(client, companies, scored):
    user = companies.client1
    assert get(client, user, reverse("health:portfolio")).status_code == 403
    assert get(client, user, reverse("health:client", args=[companies.a.pk])).status_code == 403
    assert get(client, user, reverse("health:settings")).status_code == 403
    response = client.post(reverse("health:sentiment", args=[companies.a.pk]), {"score": 5})
    assert response.status_code == 403
    assert not ClientSentiment.objects.exists()


def test_the_health_panel_is_on_the_client_page_for_the_department_only(client, staff, scored):
    url = reverse("clients:detail", args=[scored.a.pk])
    assert 'id="health-panel"' in get(client, staff.csm, url).content.decode()
    sales_page = get(client, staff.sales, url)  # sales sold A: they see the client, not its health
    assert sales_page.status_code == 200
    assert 'id="health-panel"' not in sales_page.content.decode()


def test_an_unknown_client_is_404(client, staff, scored):
    assert get(client, staff.head, reverse("health:client", args=[999999])).status_code == 404


def test_only_the_clients_own_success_manager_and_the_head_set_sentiment(
    client, staff, companies, scored
):
    url = reverse("health:sentiment", args=[companies.a.pk])
    for user in (staff.csm2, staff.support, staff.ceo):
        client.force_login(user)
        assert client.post(url, {"score": 1, "version": 0}).status_code == 403
    assert not ClientSentiment.objects.exists()
    client.force_login(staff.csm)
    assert client.post(url, {"score": 2, "note": "Жалобы", "version": 0}).status_code == 302
    assert ClientSentiment.objects.get(client=companies.a).score == 2
    client.force_login(staff.head)
    assert client.post(url, {"score": 4, "version": 1}).status_code == 302
    assert ClientSentiment.objects.get(client=companies.a).score == 4


def test_only_the_head_edits_the_settings(client, staff, scored):
    url = reverse("health:settings")
    for user in (staff.csm, staff.support, staff.ceo):
        assert get(client, user, url).status_code == 403
        assert client.post(url, {}).status_code == 403
    page = get(client, staff.head, url)
    assert page.status_code == 200
    data = {key: value for key, value in page.context["form"].initial.items() if key != "version"}
    data.update(version=0, weight_csat="0", red_below=40, green_from=80, comment="тест")
    with_saved = client.post(url, data)
    assert with_saved.status_code == 302
    saved = HealthConfig.objects.get()
    assert (saved.version, saved.weights["csat"], saved.red_below, saved.created_by) == (
        1, 0.0, 40, staff.head,
    )  # fmt: skip
    data["bands_sla"] = "0,7 0"
    refused = client.post(url, {**data, "version": 1})
    assert refused.status_code == 200
    assert "bands_sla" in refused.context["form"].errors
    assert HealthConfig.objects.count() == 1


def test_the_portfolio_filters_and_sorts_by_health(client, staff, scored):
    client.force_login(staff.head)
    red = client.get(reverse("health:portfolio"), {"band": "red"})
    assert [row.client_id for row in red.context["rows"]] == [scored.a.pk]
    assert list(client.get(reverse("health:portfolio"), {"band": "green"}).context["rows"]) == []
    at_risk = client.get(reverse("health:portfolio"), {"at_risk": "1"})
    assert [row.client_id for row in at_risk.context["rows"]] == [scored.a.pk]
    mine = client.get(reverse("health:portfolio"), {"manager": str(staff.csm2.pk)})
    assert [row.client_id for row in mine.context["rows"]] == [scored.b.pk]
    best_first = client.get(reverse("health:portfolio"), {"sort": "-score"})
    # B has no score (no data): last whichever way
    assert [row.client_id for row in best_first.context["rows"]][0] == scored.a.pk


def test_the_portfolio_costs_the_same_queries_for_more_clients(client, staff, scored):
    client.force_login(staff.head)
    url = reverse("health:portfolio")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        ClientFactory()
    actions.do_recompute()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_at_risk_list_is_on_the_success_managers_home(client, staff, scored):
    home = get(client, staff.csm, reverse("home")).content.decode()
    assert 'id="home-at-risk"' in home
    assert scored.a.name in home  # A is red and A's manager is csm
    other = get(client, staff.csm2, reverse("home")).content.decode()
    assert scored.a.name not in other  # not csm2's client
    assert 'id="home-at-risk"' not in get(client, staff.support, reverse("home")).content.decode()


def test_a_drop_into_red_is_on_the_client_timeline(
    client, staff, story, django_capture_on_commit_callbacks
):
    HealthScore.objects.create(
        client=story.a, day=TODAY - dt.timedelta(days=1), score=80, band="green"
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_recompute()
    page = get(client, staff.csm, reverse("clients:detail", args=[story.a.pk])).content.decode()
    assert "Индекс здоровья упал в красную зону: 26 (до этого — зелёная зона)" in page
    sales = get(client, staff.sales, reverse("clients:detail", args=[story.a.pk])).content.decode()
    assert "упал в красную зону" not in sales
