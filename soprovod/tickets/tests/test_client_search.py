"""Choosing the client of a new ticket is a search (issue 16): two letters of the name or
the start of the INN, not a list of every client; only clients the user may see."""

import datetime

import pytest
from django.urls import reverse

from soprovod.clients.models import ClientStatus
from soprovod.clients.tests.factories import ClientFactory
from soprovod.tickets import queries

pytestmark = pytest.mark.django_db
SEARCH = reverse("tickets:client_search")


def test_two_letters_of_the_name_or_the_inn_find_the_client(client, staff, companies):
    ClientFactory.create_batch(30)
    gone = ClientFactory(
        name="ООО «Альфа-Прошлое»",
        status=ClientStatus.CHURNED,
        churned_at=datetime.date(2026, 1, 1),
    )
    client.force_login(staff.support)
    html = client.get(SEARCH, {"client_q": "ал"}).content.decode()  # lower case, Cyrillic
    assert f'name="client" value="{companies.a.pk}"' in html
    assert f'value="{companies.b.pk}"' not in html
    assert html.index(companies.a.name) < html.index(gone.name)  # the churned one last
    html = client.get(SEARCH, {"client_q": companies.b.inn[:5]}).content.decode()
    assert f'value="{companies.b.pk}"' in html
    # One letter is not enough; a miss says what to try.
    assert 'name="client"' not in client.get(SEARCH, {"client_q": "а"}).content.decode()
    assert (
        "No client matches"
        in client.get(SEARCH, {"client_q": "zz"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_the_form_has_no_list_of_every_client(client, staff, companies):
    ClientFactory.create_batch(40)
    client.force_login(staff.support)
    html = client.get(reverse("tickets:create")).content.decode()
    assert 'name="client_q"' in html and html.count('name="client"') == 0
    # Coming back with the client chosen (errors, or the no-JavaScript «Find» button): it is
    # the ticked choice, and the search shows what was typed.
    response = client.post(
        reverse("tickets:create"), {"client": companies.a.pk, "client_q": "Бе", "refresh": "1"}
    )
    html = response.content.decode()
    assert f'value="{companies.a.pk}" required checked' in html
    assert f'value="{companies.b.pk}"' in html


def test_only_permitted_users_search_and_only_visible_clients_are_found(client, staff, companies):
    for user in (staff.sales, staff.ceo, companies.client1):
        client.force_login(user)
        assert client.get(SEARCH, {"client_q": "Аль"}).status_code == 403
    assert [c.pk for c in queries.client_matches(companies.client1, "Бета")] == []
