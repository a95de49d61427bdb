"""Who gets into the portal, and that another company's ticket does not exist for a client
(owner client1 and a colleague at company A; the outsider client2 works for company B)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from soprovod.portal.tests.helpers import upload
from soprovod.tickets import actions
from soprovod.tickets.models import Attachment, Ticket, TicketStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved_ticket_of_a(file_ticket, staff):
    ticket = file_ticket("a", attachments=[upload("barrier.png")])
    actions.do_add_message(staff.support, ticket, "Перезагрузили контроллер, проверьте.")
    return actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)


def urls_of(ticket):
    attachment = Attachment.objects.filter(message__ticket=ticket).first()
    return {
        "home": reverse("portal:home"),
        "create": reverse("portal:create"),
        "ticket": reverse("portal:ticket", args=[ticket.number]),
        "attachment": reverse("portal:attachment", args=[attachment.pk]),
    }


def post_urls_of(ticket):
    return {
        "reply": reverse("portal:reply", args=[ticket.number]),
        "reopen": reverse("portal:reopen", args=[ticket.number]),
        "rate": reverse("portal:rate", args=[ticket.number]),
    }


def test_anonymous_is_sent_to_sign_in(client, resolved_ticket_of_a):
    for url in [
        *urls_of(resolved_ticket_of_a).values(),
        *post_urls_of(resolved_ticket_of_a).values(),
    ]:
        response = (
            client.post(url) if url.endswith(("reply/", "reopen/", "rate/")) else client.get(url)
        )
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


@pytest.mark.parametrize("role", ["head", "support", "csm", "ceo", "sales", "dev"])
def test_staff_get_403_on_the_portal(as_user, staff, resolved_ticket_of_a, role):
    browser = as_user(getattr(staff, role))
    for name, url in urls_of(resolved_ticket_of_a).items():
        assert browser.get(url).status_code == 403, name
    for name, url in post_urls_of(resolved_ticket_of_a).items():
        assert browser.post(url, {"body": "x", "score": 5, "version": 1}).status_code == 403, name


def test_client_contact_is_sent_from_home_to_the_portal(as_user, companies):
    response = as_user(companies.client1).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_owner_and_colleague_see_the_ticket_and_its_file(as_user, people, resolved_ticket_of_a):
    urls = urls_of(resolved_ticket_of_a)
    for user in (people.owner, people.colleague):
        browser = as_user(user)
        assert browser.get(urls["ticket"]).status_code == 200
        download = browser.get(urls["attachment"])
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert 'filename="barrier.png"' in download["Content-Disposition"]
        assert b"".join(download.streaming_content) == b"\x89PNG fake image"


def test_outsider_gets_404_for_every_page_and_post_of_another_company(
    as_user, people, resolved_ticket_of_a
):
    ticket = resolved_ticket_of_a
    browser = as_user(people.outsider)
    urls = urls_of(ticket)
    assert browser.get(urls["ticket"]).status_code == 404
    assert browser.get(urls["attachment"]).status_code == 404
    posts = post_urls_of(ticket)
    reply = browser.post(posts["reply"], {"body": "Чужой ответ", "version": ticket.version})
    assert reply.status_code == 404
    assert browser.post(posts["reopen"], {"comment": "снова"}).status_code == 404
    assert browser.post(posts["rate"], {"score": 1, "comment": "плохо"}).status_code == 404

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.csat_score is None
    assert not ticket.messages.filter(body__in=["Чужой ответ", "снова"]).exists()


def test_unknown_ticket_and_file_answer_404_like_foreign_ones(
    as_user, people, resolved_ticket_of_a
):
    browser = as_user(people.owner)
    assert browser.get(reverse("portal:ticket", args=[999999])).status_code == 404
    assert browser.get(reverse("portal:attachment", args=[999999])).status_code == 404


def test_list_shows_only_the_company_own_tickets(as_user, people, file_ticket):
    file_ticket("a", subject="Пропуск гостя не печатается")
    file_ticket("b", subject="Секретная проблема Беты")
    for user in (people.owner, people.colleague):
        page = as_user(user).get(reverse("portal:home")).content.decode()
        assert "Пропуск гостя не печатается" in page
        assert "Секретная проблема Беты" not in page
    page = as_user(people.outsider).get(reverse("portal:home")).content.decode()
    assert "Секретная проблема Беты" in page
    assert "Пропуск гостя не печатается" not in page


@pytest.mark.parametrize("how", ["row", "login"])
def test_a_contact_who_moved_to_another_company_no_longer_sees_the_old_ones_tickets(
    as_user, companies, people, resolved_ticket_of_a, how
):
    """Moved either way (the contact row now belongs to company B, or the login now belongs to
    a contact of B): the old company's ticket answers 404 and is not listed."""
    from soprovod.clients.tests.factories import ContactFactory

    contact = companies.contact_a
    if how == "row":
        contact.client = companies.b
        contact.save(update_fields=["client"])
    else:
        contact.user = None
        contact.save(update_fields=["user"])
        ContactFactory(client=companies.b, email=contact.email, user=people.owner)
    browser = as_user(people.owner)
    for name, url in urls_of(resolved_ticket_of_a).items():
        if name in ("ticket", "attachment"):
            assert browser.get(url).status_code == 404, name
    home = browser.get(reverse("portal:home"))
    assert home.status_code == 200
    assert resolved_ticket_of_a.subject not in home.content.decode()
    # The colleague who stayed still sees it.
    assert as_user(people.colleague).get(urls_of(resolved_ticket_of_a)["ticket"]).status_code == 200
