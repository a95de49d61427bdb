"""A contact who moved to another company hears nothing more by mail of the old company's
tickets — replies, incident updates, the acknowledgement, the resolution notice and its
rating links — while the old company's current contacts and the new company's tickets are
mailed as before. Two ways to move: the contact row now belongs to the other company, or
the person's portal login now belongs to the other company's contact (the old row stays)."""

from __future__ import annotations

import pytest
from django.core import mail as outbox

from soprovod.clients.tests.moves import MOVER, MOVES, make_mover
from soprovod.incidents import actions as incident_actions
from soprovod.surveys.models import SurveyLink
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketMessage, TicketStatus, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mailbox(settings):
    settings.SUPPORT_EMAIL = "support@pass24.test"
    settings.LANGUAGE_CODE = "ru"
    outbox.outbox = []


@pytest.fixture
def mover(companies):
    """Ivanova, a contact of company A with a portal login, and a colleague at A."""
    return make_mover(companies)


@pytest.fixture
def file_ticket(companies, django_capture_on_commit_callbacks):
    def make(contact, subject="Не печатается пропуск", *, client=None, requester=None):
        with django_capture_on_commit_callbacks(execute=True):
            return actions.do_create_ticket(
                None,
                client=client or contact.client,
                contact=contact,
                requester_email=requester if requester is not None else contact.email,
                subject=subject,
                body="Принтер на ресепшене не печатает гостевые пропуска.",
                type=TicketType.STANDARD,
                channel=Channel.EMAIL,
                source=TicketMessage.Source.EMAIL,
            )

    return make


def sent_to(address: str) -> list:
    return [m for m in outbox.outbox if address in m.to]


@pytest.mark.parametrize("move", MOVES)
def test_replies_and_incident_updates_of_the_old_company_are_not_mailed(
    move, mover, companies, staff, file_ticket, django_capture_on_commit_callbacks
):
    old = file_ticket(mover, "Старая заявка Альфы")
    colleagues = file_ticket(companies.contact_a, "Заявка коллеги")
    incident = incident_actions.do_create_incident(
        staff.support, title="Сбой печати", tickets=[old, colleagues]
    )
    move(mover, companies)
    outbox.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(staff.support, old, "Ответ для Альфы")
        incident_actions.do_post_update(staff.support, incident, "Чиним принтеры")
    assert sent_to(MOVER) == []
    # The message stays unsent: nothing claims it went out.
    assert (
        not old.messages.filter(email_message_id__isnull=False, from_staff=True)
        .exclude(is_automatic=True)
        .exists()
    )
    # A's current contact still hears of their own ticket, the update included.
    bodies = [m.body for m in sent_to(companies.contact_a.email)]
    assert any("Чиним принтеры" in body for body in bodies)


@pytest.mark.parametrize("move", MOVES)
def test_no_resolution_notice_and_no_rating_link_for_the_old_company(
    move, mover, companies, staff, file_ticket, django_capture_on_commit_callbacks
):
    old = file_ticket(mover)
    move(mover, companies)
    outbox.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(staff.support, old, "Перезагрузили принтер")
        actions.do_change_status(staff.support, old, TicketStatus.RESOLVED)
    assert sent_to(MOVER) == []
    assert not old.messages.filter(source=TicketMessage.Source.RESOLUTION).exists()
    assert not SurveyLink.objects.filter(ticket=old).exists()


@pytest.mark.parametrize("move", MOVES)
def test_a_new_ticket_filed_for_the_old_company_is_not_acknowledged_to_them(
    move, mover, companies, file_ticket
):
    move(mover, companies)
    outbox.outbox = []
    file_ticket(mover, client=companies.a, requester=MOVER)
    assert sent_to(MOVER) == []


@pytest.mark.parametrize("move", MOVES)
def test_the_moved_contact_is_mailed_about_the_new_company(
    move, mover, companies, staff, file_ticket, django_capture_on_commit_callbacks
):
    move(mover, companies)
    new_row = companies.b.contacts.get(email=MOVER)
    outbox.outbox = []
    theirs = file_ticket(new_row, "Заявка Беты")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(staff.support, theirs, "Ответ для Беты")
        actions.do_change_status(staff.support, theirs, TicketStatus.RESOLVED)
    bodies = [m.body for m in sent_to(MOVER)]
    assert len(bodies) == 3  # acknowledgement, reply, resolution notice
    assert "Ответ для Беты" in bodies[1]
    assert SurveyLink.objects.filter(ticket=theirs, email=MOVER).exists()


def test_someone_not_yet_a_contact_who_wrote_in_is_still_answered(
    companies, staff, file_ticket, django_capture_on_commit_callbacks
):
    ticket = file_ticket(companies.contact_a, requester="new.person@alpha.test")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(staff.support, ticket, "Ответ новому человеку")
    assert any("Ответ новому человеку" in m.body for m in sent_to("new.person@alpha.test"))


def test_another_companys_contact_address_is_not_mailed_about_this_company(
    companies, staff, file_ticket, django_capture_on_commit_callbacks
):
    """A ticket of A whose requester address is B's contact's (filed under the wrong company
    by hand): A's replies do not go to B's person."""
    ticket = file_ticket(companies.contact_a, requester=companies.contact_b.email)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_message(staff.support, ticket, "Ответ для Альфы")
    assert sent_to(companies.contact_b.email) == []
