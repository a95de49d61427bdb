"""The Django admin shows clients but never writes them: a client changes only through
clients.actions (audit event, status history, version)."""

import pytest
from django.urls import reverse

from soprovod.accounts.models import User
from soprovod.clients.models import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@pass24.example", "x-long-password-1")


def test_the_admin_reads_a_client_but_cannot_change_add_or_delete_it(client, companies, superuser):
    client.force_login(superuser)
    company = companies.a
    page = client.get(reverse("admin:clients_client_change", args=[company.pk]))
    assert page.status_code == 200
    assert company.name in page.content.decode()
    refused = client.post(
        reverse("admin:clients_client_change", args=[company.pk]),
        {"name": "Переименовано в обход", "status": company.status},
    )
    assert refused.status_code == 403
    assert client.get(reverse("admin:clients_client_add")).status_code == 403
    assert client.post(reverse("admin:clients_client_delete", args=[company.pk])).status_code == 403
    company.refresh_from_db()
    assert company.name != "Переименовано в обход"
    assert Client.objects.filter(pk=company.pk).exists()
