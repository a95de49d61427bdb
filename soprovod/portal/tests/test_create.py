"""Filing a ticket from the portal: the types explained, the company's own sites only,
attachments checked file by file, and the ticket page with the expected answer time."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.portal.tests.helpers import upload
from soprovod.tickets.models import Attachment, Channel, Ticket, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def category():
    return CategoryFactory(name="Шлагбаумы и считыватели")


def form_data(companies, category, **changes):
    data = {
        "type": TicketType.EMERGENCY,
        "category": category.pk,
        "site": companies.site_a.pk,
        "subject": "Никто не может выехать",
        "body": "Шлагбаум на выезде закрыт и не открывается по пропускам.",
    }
    data.update(changes)
    return data


def test_form_explains_each_type_with_the_policy_targets(as_user, companies):
    page = text(as_user(companies.client1).get(reverse("portal:create")))
    assert "The system does not work, or people cannot get in or out." in page
    assert (
        "We answer within 15 minutes round the clock and aim to solve it within 4 working hours."
        in page
    )
    assert "Something is broken, but there is a workaround." in page
    assert "We answer within 4 working hours and aim to solve it within 24 working hours." in page
    assert "A question about how to do something." in page
    assert "We answer within 8 working hours and aim to solve it within 48 working hours." in page


def test_form_offers_only_the_company_own_sites_and_active_categories(as_user, companies):
    CategoryFactory(name="Пропуска")
    CategoryFactory(name="Старая категория", is_active=False)
    page = text(as_user(companies.client1).get(reverse("portal:create")))
    assert companies.site_a.name in page
    assert companies.site_b.name not in page
    assert "Пропуска" in page
    assert "Старая категория" not in page


def test_client_files_a_ticket_with_files_and_sees_when_we_answer(
    as_user, companies, category, clock
):
    browser = as_user(companies.client1)
    data = form_data(
        companies,
        category,
        attachments=[upload("exit.png"), upload("log.txt", b"reader offline", "text/plain")],
    )
    response = browser.post(reverse("portal:create"), data, follow=True)

    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(reverse("portal:ticket", args=[ticket.number]), 302)]
    assert ticket.client == companies.a
    assert ticket.contact == companies.contact_a
    assert ticket.site == companies.site_a
    assert ticket.category == category
    assert ticket.channel == Channel.PORTAL
    assert ticket.type == TicketType.EMERGENCY
    assert ticket.subject == "Никто не может выехать"
    first = ticket.messages.get()
    assert first.body.startswith("Шлагбаум на выезде")
    assert sorted(a.filename for a in first.attachments.all()) == ["exit.png", "log.txt"]
    page = text(response)
    assert f"Ticket #{ticket.number} is registered." in page
    assert "We'll answer by 10:15, today" in page  # emergency: 15 minutes round the clock


def test_site_of_another_company_is_refused(as_user, companies, category):
    browser = as_user(companies.client1)
    data = form_data(companies, category, site=companies.site_b.pk)
    response = browser.post(reverse("portal:create"), data)
    assert response.status_code == 200
    assert "Choose one of your company's sites." in text(response)
    assert not Ticket.objects.exists()


def test_refused_file_is_named_and_nothing_is_filed(as_user, companies, category, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    browser = as_user(companies.client1)
    data = form_data(
        companies,
        category,
        attachments=[
            upload("ok.png"),
            upload("virus.exe", b"MZ"),
            upload("huge.png", b"x" * (1024 * 1024 + 1)),
        ],
    )
    page = text(browser.post(reverse("portal:create"), data))
    assert "“virus.exe”: files of this type are not accepted." in page
    assert "“huge.png” is 1.0 MB; the limit is 1 MB." in page
    assert "ok.png" not in page.split("form-row has-error")[-1].split("</div>")[0]
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_subject_and_description_are_required(as_user, companies, category):
    browser = as_user(companies.client1)
    response = browser.post(
        reverse("portal:create"), form_data(companies, category, subject="", body="")
    )
    assert response.status_code == 200
    assert "The ticket is not sent yet" in text(response)
    assert not Ticket.objects.exists()


def test_client_login_without_a_company_cannot_file(as_user, db):
    lonely = UserFactory(username="lonely", roles=[Role.CLIENT_CONTACT])
    response = as_user(lonely).get(reverse("portal:create"), follow=True)
    assert response.redirect_chain == [(reverse("portal:home"), 302)]
    assert "not linked to a company" in text(response)
