"""Mass incidents (issue 15): children from many clients, one public update to all, and
resolving the parent resolves each child with its own SLA outcome."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.incidents import actions
from soprovod.incidents.models import Incident, IncidentTicket
from soprovod.sla.models import ClockStatus, Metric, SlaClock
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Ticket, TicketMessage, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db(transaction=False)


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def outcome(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric).status


@pytest.fixture
def make(companies):
    def make(created, company="a", type=TicketType.STANDARD):
        client = getattr(companies, company)
        contact = companies.contact_a if company == "a" else companies.contact_b
        return ticket_actions.do_create_ticket(
            None,
            client=client,
            contact=contact,
            subject="Не открывается шлагбаум",
            body="Шлагбаум не реагирует на пропуск",
            type=type,
            channel=Channel.PORTAL,
            category=CategoryFactory(name="Шлагбаумы"),
            created_at=created,
        )

    return make


@pytest.fixture
def incident(make, staff):
    # An emergency filed at 10:00 (resolution due 14:00), a standard one at 10:30 (due the
    # next days), both from different clients.
    emergency = make(msk(2026, 3, 2, 10, 0), "a", TicketType.EMERGENCY)
    standard = make(msk(2026, 3, 2, 10, 30), "b", TicketType.STANDARD)
    made = actions.do_create_incident(
        staff.support, title="Сбой сервиса шлагбаумов", tickets=[emergency, standard]
    )
    return made, emergency, standard


def test_an_incident_gathers_tickets_of_several_clients(incident):
    made, emergency, standard = incident
    assert set(made.links.values_list("ticket__client__name", flat=True)) == {
        "ООО «Альфа»",
        "АО «Бета»",
    }


def test_one_public_update_goes_to_every_childs_client(incident, staff):
    made, emergency, standard = incident
    update = actions.do_post_update(
        staff.support, made, "Сервис восстанавливается", at=msk(2026, 3, 2, 10, 40)
    )
    assert update.tickets_told == 2
    for ticket in (emergency, standard):
        message = ticket.messages.get(body="Сервис восстанавливается")
        assert message.kind == TicketMessage.Kind.PUBLIC and message.from_staff


def test_resolving_the_incident_resolves_each_child_with_its_own_outcome(incident, staff):
    made, emergency, standard = incident
    # 14:15: past the emergency's 4 business hours (due 14:00), within the standard's
    # first response (due 14:30) and resolution (24 business hours).
    resolved = actions.do_resolve_incident(
        staff.support, made, "Контроллер заменён", at=msk(2026, 3, 2, 14, 15)
    )
    assert {t.pk for t in resolved} == {emergency.pk, standard.pk}
    made.refresh_from_db()
    assert made.status == Incident.Status.RESOLVED and made.resolved_at == msk(2026, 3, 2, 14, 15)
    for ticket in (emergency, standard):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED
        assert ticket.resolved_at == msk(2026, 3, 2, 14, 15)
    assert outcome(emergency, Metric.RESOLUTION) == ClockStatus.BREACHED
    assert outcome(standard, Metric.RESOLUTION) == ClockStatus.MET
    # The emergency's first response (15 minutes, 24/7) was also late; the standard's not.
    assert outcome(emergency, Metric.FIRST_RESPONSE) == ClockStatus.BREACHED
    assert outcome(standard, Metric.FIRST_RESPONSE) == ClockStatus.MET


def test_a_child_resolved_earlier_keeps_its_own_resolution(incident, staff):
    made, emergency, standard = incident
    ticket_actions.do_change_status(
        staff.support, standard, TicketStatus.RESOLVED, at=msk(2026, 3, 2, 11, 0)
    )
    resolved = actions.do_resolve_incident(staff.support, made, "", at=msk(2026, 3, 2, 12, 0))
    assert [t.pk for t in resolved] == [emergency.pk]
    assert Ticket.objects.get(pk=standard.pk).resolved_at == msk(2026, 3, 2, 11, 0)


def test_a_ticket_belongs_to_one_incident_and_closed_ones_are_refused(incident, make, staff):
    made, emergency, standard = incident
    other = actions.do_create_incident(staff.support, title="Другой сбой")
    with pytest.raises(actions.IncidentError):
        actions.do_link_tickets(staff.support, other, [emergency])
    closed = make(msk(2026, 3, 2, 11, 0))
    ticket_actions.do_change_status(staff.support, closed, TicketStatus.RESOLVED)
    ticket_actions.do_change_status(staff.support, closed, TicketStatus.CLOSED)
    with pytest.raises(actions.IncidentError):
        actions.do_link_tickets(staff.support, other, [closed])
    assert not IncidentTicket.objects.filter(incident=other).exists()


def test_linking_from_the_queue_bulk_action_and_the_ticket_page(client, incident, make, staff):
    made, emergency, standard = incident
    client.force_login(staff.support)
    queue = client.get("/tickets/").content.decode()
    assert "/incidents/link/" in queue
    third, fourth = make(msk(2026, 3, 2, 12, 0), "b"), make(msk(2026, 3, 2, 12, 5), "a")
    response = client.post("/incidents/link/", {"tickets": [third.pk], "incident": made.pk})
    assert response.status_code == 302
    assert IncidentTicket.objects.filter(incident=made, ticket=third).exists()
    page = client.get(f"/tickets/{fourth.pk}/").content.decode()
    assert 'id="incident-panel"' in page
    client.post("/incidents/link/", {"tickets": [fourth.pk], "incident": made.pk, "back": "ticket"})
    assert IncidentTicket.objects.filter(incident=made, ticket=fourth).exists()
    # A new incident from ticked tickets: the creation form carries them.
    fifth = make(msk(2026, 3, 2, 12, 10), "a")
    response = client.post("/incidents/link/", {"tickets": [fifth.pk], "incident": "new"})
    assert response.status_code == 302 and f"tickets={fifth.pk}" in response["Location"]
    client.post("/incidents/new/", {"title": "Новый сбой", "tickets": [fifth.pk]})
    assert Incident.objects.get(title="Новый сбой").links.get().ticket_id == fifth.pk


def test_the_incident_page_resolves_and_the_dashboard_shows_it(client, incident, staff):
    made, emergency, standard = incident
    client.force_login(staff.head)
    dashboard = client.get("/kpi/").content.decode()
    assert "Сбой сервиса шлагбаумов" in dashboard
    client.force_login(staff.support)
    page = client.get(f"/incidents/{made.pk}/").content.decode()
    assert f"/tickets/{emergency.pk}/" in page and f"/tickets/{standard.pk}/" in page
    client.post(f"/incidents/{made.pk}/update/", {"body": "Работаем"})
    response = client.post(
        f"/incidents/{made.pk}/resolve/", {"resolution": "Исправлено", "version": 99}
    )
    assert response.status_code == 200  # stale: someone changed it meanwhile
    made.refresh_from_db()
    assert made.is_open
    client.post(
        f"/incidents/{made.pk}/resolve/", {"resolution": "Исправлено", "version": made.version}
    )
    assert Ticket.objects.filter(pk__in=[emergency.pk, standard.pk], status="resolved").count() == 2


@pytest.mark.parametrize("who", ["sales", "dev"])
def test_other_departments_do_not_see_incidents(client, incident, staff, who):
    made, _e, _s = incident
    client.force_login(getattr(staff, who))
    assert client.get("/incidents/").status_code == 403
    assert client.get(f"/incidents/{made.pk}/").status_code == 404


def test_the_ceo_reads_but_does_not_work_incidents(client, incident, staff):
    made, _e, _s = incident
    client.force_login(staff.ceo)
    assert client.get(f"/incidents/{made.pk}/").status_code == 200
    assert client.post(f"/incidents/{made.pk}/update/", {"body": "x"}).status_code == 403


def test_client_contacts_see_only_their_own_tickets_updates(client, incident, companies, staff):
    made, emergency, standard = incident
    actions.do_post_update(staff.support, made, "Сервис восстанавливается")
    client.force_login(companies.client1)
    assert client.get("/incidents/").status_code == 403
    assert client.get(f"/incidents/{made.pk}/").status_code == 404
    own = client.get(f"/portal/tickets/{emergency.pk}/").content.decode()
    assert "Сервис восстанавливается" in own
    assert "Сбой сервиса шлагбаумов" not in own  # the incident itself stays internal
    assert "АО «Бета»" not in own
    assert client.get(f"/portal/tickets/{standard.pk}/").status_code == 404
    assert (
        client.post(
            "/incidents/link/", {"tickets": [emergency.pk], "incident": made.pk}
        ).status_code
        == 403
    )
