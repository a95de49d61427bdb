"""CSAT by email: the resolution notice carries one-click 1–5 links; a link rates once, the
ticket is rated at most once, a link expires, and a wrong, expired or used link gets a page
that says so — never an error."""

import pytest
import time_machine
from django.core import mail

from soprovod.surveys.models import SurveyLink
from soprovod.surveys.tests.conftest import links_in, msk
from soprovod.tickets import actions
from soprovod.tickets.models import TicketMessage, TicketStatus


def rating_links(ticket) -> dict[int, str]:
    [notice] = [m for m in mail.outbox if "/surveys/a/" in m.body]
    assert notice.subject == f"[#{ticket.pk}] {ticket.subject}"
    paths = links_in(notice.body)
    assert len(paths) == 5
    html = notice.alternatives[0][0]
    assert all(f"https://soprovod.test{path}" in html for path in paths)
    return {int(path.rstrip("/").rsplit("/", 1)[1]): path for path in paths}


def test_resolution_notice_is_mailed_once_with_five_rating_links(resolved_ticket):
    notice = resolved_ticket.messages.get(source=TicketMessage.Source.RESOLUTION)
    assert notice.is_automatic and notice.from_staff
    links = rating_links(resolved_ticket)
    assert sorted(links) == [1, 2, 3, 4, 5]
    # One link (one token) for the five scores.
    assert len({path.split("/")[3] for path in links.values()}) == 1
    link = SurveyLink.objects.get(ticket=resolved_ticket)
    assert link.kind == SurveyLink.Kind.CSAT and link.email == resolved_ticket.requester_email


def test_one_click_rates_the_ticket(resolved_ticket, client):
    links = rating_links(resolved_ticket)
    with time_machine.travel(msk(2026, 3, 3, 9, 0), tick=False):
        response = client.get(links[4])
    assert response.status_code == 200
    assert "Спасибо" in response.content.decode()
    resolved_ticket.refresh_from_db()
    assert resolved_ticket.csat_score == 4
    assert resolved_ticket.csat_at == msk(2026, 3, 3, 9, 0)


def test_a_used_link_cannot_rate_again(resolved_ticket, client):
    links = rating_links(resolved_ticket)
    with time_machine.travel(msk(2026, 3, 3, 9, 0), tick=False):
        client.get(links[5])
        again = client.get(links[1])  # replay with another score
    assert again.status_code == 200
    assert 'data-state="used"' in again.content.decode()
    resolved_ticket.refresh_from_db()
    assert resolved_ticket.csat_score == 5


def test_the_link_expires_after_14_days(resolved_ticket, client):
    links = rating_links(resolved_ticket)
    with time_machine.travel(msk(2026, 3, 16, 12, 1), tick=False):
        response = client.get(links[3])
    assert response.status_code == 200
    assert 'data-state="expired"' in response.content.decode()
    resolved_ticket.refresh_from_db()
    assert resolved_ticket.csat_score is None


@pytest.mark.parametrize(
    "path",
    [
        "/surveys/a/not-a-real-token/4/",
        "/surveys/a/" + "A" * 43 + "/4/",
        "/surveys/a/%00%27/4/",
        "/surveys/a/%00%27/",
    ],
)
def test_a_wrong_token_gets_a_clear_page(resolved_ticket, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert 'data-state="unknown"' in response.content.decode()
    resolved_ticket.refresh_from_db()
    assert resolved_ticket.csat_score is None


def test_a_score_outside_1_to_5_is_refused(resolved_ticket, client):
    path = rating_links(resolved_ticket)[5].replace("/5/", "/9/")
    response = client.get(path)
    assert 'data-state="unknown"' in response.content.decode()
    assert SurveyLink.objects.get(ticket=resolved_ticket).used_at is None


def test_a_ticket_rated_in_the_portal_is_not_rated_again_by_mail(
    resolved_ticket, client, companies
):
    actions.do_rate(companies.client1, resolved_ticket, 2)
    with time_machine.travel(msk(2026, 3, 3, 9, 0), tick=False):
        response = client.get(rating_links(resolved_ticket)[5])
    assert 'data-state="closed"' in response.content.decode()
    resolved_ticket.refresh_from_db()
    assert resolved_ticket.csat_score == 2


def test_a_reopened_ticket_cannot_be_rated_from_the_old_mail(resolved_ticket, client, staff):
    actions.do_change_status(staff.support, resolved_ticket, TicketStatus.OPEN)
    with time_machine.travel(msk(2026, 3, 3, 9, 0), tick=False):
        response = client.get(rating_links(resolved_ticket)[5])
    assert 'data-state="closed"' in response.content.decode()


def test_the_notice_is_not_sent_twice_for_one_resolution(resolved_ticket):
    from soprovod.tickets import mail as ticket_mail

    with time_machine.travel(msk(2026, 3, 2, 12, 5), tick=False):
        assert ticket_mail.resolution_notice(resolved_ticket.pk) is None
    assert resolved_ticket.messages.filter(source=TicketMessage.Source.RESOLUTION).count() == 1


def test_an_old_resolution_replayed_by_an_import_is_not_announced(resolved_ticket):
    from soprovod.tickets import mail as ticket_mail

    resolved_ticket.messages.filter(source=TicketMessage.Source.RESOLUTION).delete()
    with time_machine.travel(msk(2026, 3, 4, 12, 0), tick=False):
        assert ticket_mail.resolution_notice(resolved_ticket.pk) is None
