"""Saved queue views and column choice (issue 16): a name for the tab, filters, sort and
columns, personal or shared; who sees, shares and deletes them; the chosen columns."""

import pytest
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.tickets.models import SavedView

pytestmark = pytest.mark.django_db
QUEUE = reverse("tickets:queue")


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def save(client, user, name, query, shared=False):
    client.force_login(user)
    data = {"name": name, "query": query}
    if shared:
        data["shared"] = "1"
    return client.post(reverse("tickets:view_save"), data)


def test_a_view_keeps_the_filters_and_sort_under_a_name_and_opens_them(client, staff):
    response = save(
        client,
        staff.support,
        "Экстренные без ответственного",
        "view=unassigned&type=emergency&sort=-created&junk=1&page=3",
    )
    view = SavedView.objects.get()
    assert view.owner == staff.support and not view.shared
    assert view.query == "view=unassigned&type=emergency&sort=-created"  # junk and page dropped
    assert response["Location"] == f"{QUEUE}?{view.query}"
    page = client.get(f"{QUEUE}?{view.query}").content.decode()
    assert "Экстренные без ответственного" in page and 'aria-current="true"' in page
    assert AuditEvent.objects.filter(object_id=str(view.pk), action="created").exists()
    # Saving again under the same name replaces it.
    save(client, staff.support, "Экстренные без ответственного", "view=mine")
    assert SavedView.objects.get().query == "view=mine"


def test_a_personal_view_is_its_owners_only_and_a_shared_one_everyones(client, staff):
    save(client, staff.support, "Моя", "view=mine")
    save(client, staff.support, "Для всех", "view=soon", shared=True)
    client.force_login(staff.engineer)
    page = client.get(QUEUE).content.decode()
    assert ">Для всех</a>" in page and ">Моя</a>" not in page
    personal = SavedView.objects.get(name="Моя")
    shared = SavedView.objects.get(name="Для всех")
    # Another person's personal view is not there at all; a colleague's shared one is not theirs.
    assert client.post(reverse("tickets:view_delete", args=[personal.pk])).status_code == 404
    assert client.post(reverse("tickets:view_delete", args=[shared.pk])).status_code == 403
    # The head tidies the shared views.
    client.force_login(staff.head)
    assert client.post(reverse("tickets:view_delete", args=[shared.pk])).status_code == 302
    assert not SavedView.objects.filter(pk=shared.pk).exists()


def test_who_may_save_and_share(client, staff, companies):
    # The CEO reads the queue: views of their own, but sharing is for those who work tickets.
    assert save(client, staff.ceo, "Моё", "view=breached").status_code == 302
    assert save(client, staff.ceo, "Всем", "view=breached", shared=True).status_code == 403
    assert save(client, staff.sales, "Нельзя", "view=open").status_code == 403
    assert save(client, companies.client1, "Нельзя", "view=open").status_code == 403
    assert save(client, staff.support, "   ", "view=open").status_code == 302
    assert set(SavedView.objects.values_list("name", flat=True)) == {"Моё"}


def test_column_choice_hides_columns_and_is_remembered(client, staff):
    client.force_login(staff.support)
    page = client.get(QUEUE).content.decode()
    assert 'class="c-channel"' not in page and 'class="c-category"' in page
    page = client.get(QUEUE, {"cols": "client,channel,sla"}).content.decode()
    assert 'class="c-channel"' in page and 'class="c-category"' not in page
    # Coming back by the menu keeps the choice; a view saved now keeps the columns too.
    page = client.get(QUEUE).content.decode()
    assert 'class="c-channel"' in page and 'class="c-category"' not in page
    save(client, staff.support, "Узкая", "view=open&cols=client,channel,sla")
    assert SavedView.objects.get().query == "cols=client%2Cchannel%2Csla"


def test_the_header_is_sticky(client, staff):
    client.force_login(staff.support)
    page = client.get(QUEUE).content.decode()
    assert "table.queue thead th { position:sticky; top:0;" in page
