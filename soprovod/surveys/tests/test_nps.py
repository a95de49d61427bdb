"""NPS campaigns by email: the head starts one for a segment, each contact gets a one-time
link to a page without login; an answer is taken once, links expire, a wrong or used link
gets a clear page; detractors (0–6) become tasks for the success manager, due in 48
business hours, closed with the outcome of the call."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from soprovod.clients.models import ClientStatus
from soprovod.clients.tests.factories import ClientFactory, ContactFactory
from soprovod.core.models import Notification
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period
from soprovod.surveys import actions
from soprovod.surveys.models import DetractorTask, NpsCampaign, SurveyLink, SurveyResponse
from soprovod.surveys.tests.conftest import links_in, msk

# Monday 7 December 2026, 10:00 in Moscow.
MONDAY = msk(2026, 12, 7, 10, 0)


@pytest.fixture
def campaign(staff, companies, django_capture_on_commit_callbacks):
    """The head surveys segment «Бизнес-центр» (companies A and B and their contacts)."""
    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = actions.do_start_campaign(staff.head, name="NPS, декабрь", segment="Бизнес-центр")
    return started


def path_for(contact) -> str:
    [sent] = [m for m in mail.outbox if m.to == [contact.email]]
    [path] = set(links_in(sent.body))
    return path


def answer(client, path, score, comment="", at=MONDAY + dt.timedelta(hours=1)):
    with time_machine.travel(at, tick=False):
        return client.post(path, {"score": score, "comment": comment})


def test_each_contact_of_the_segment_gets_a_mail_with_a_link(campaign, companies):
    assert (campaign.invited, campaign.skipped) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [companies.contact_a.email, companies.contact_b.email]
    )
    sent = mail.outbox[0]
    assert "0 до 10" in sent.body
    assert all(link.sent_at == MONDAY for link in SurveyLink.objects.all())


def test_other_segments_and_clients_not_current_are_left_out(staff, companies):
    ContactFactory(client=ClientFactory(segment="Склад"))
    ContactFactory(client=ClientFactory(status=ClientStatus.ONBOARDING))
    ContactFactory(client=companies.a, email="")  # no address
    with time_machine.travel(MONDAY, tick=False):
        started = actions.do_start_campaign(staff.head, name="x", segment="Бизнес-центр")
    assert started.invited == 2


def test_nobody_is_asked_twice_within_90_days(campaign, staff, companies):
    with time_machine.travel(MONDAY + dt.timedelta(days=89), tick=False):
        again = actions.do_start_campaign(staff.head, name="ещё раз")
    assert (again.campaign, again.invited, again.skipped) == (None, 0, 2)
    with time_machine.travel(MONDAY + dt.timedelta(days=90), tick=False):
        later = actions.do_start_campaign(staff.head, name="через 90 дней")
    assert later.invited == 2


def test_the_answer_page_works_without_a_login_in_russian(campaign, companies, client):
    with time_machine.travel(MONDAY, tick=False):
        page = client.get(path_for(companies.contact_a) + "?score=9")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ru">' in html
    assert 'value="9" id="id_score_9" required checked' in html


def test_an_answer_is_recorded_once_and_a_double_submit_gets_a_clear_page(
    campaign, companies, client
):
    path = path_for(companies.contact_a)
    first = answer(client, path, 10, "Всё отлично")
    assert first.status_code == 200
    second = answer(client, path, 2, "передумал")
    assert 'data-state="used"' in second.content.decode()
    [response] = SurveyResponse.objects.all()
    assert (response.score, response.comment, response.contact) == (
        10,
        "Всё отлично",
        companies.contact_a,
    )
    assert response.link.used_at == MONDAY + dt.timedelta(hours=1)
    assert not DetractorTask.objects.exists()  # a promoter


def test_a_link_expires_after_30_days(campaign, companies, client):
    path = path_for(companies.contact_a)
    late = MONDAY + dt.timedelta(days=30)
    with time_machine.travel(late, tick=False):
        assert 'data-state="expired"' in client.get(path).content.decode()
    assert 'data-state="expired"' in answer(client, path, 9, at=late).content.decode()
    assert not SurveyResponse.objects.exists()


def test_a_wrong_token_gets_a_clear_page(campaign, client):
    for token in ("x", "A" * 43):
        response = client.get(reverse("surveys:answer", args=[token]))
        assert response.status_code == 200
        assert 'data-state="unknown"' in response.content.decode()
    # A CSAT token does not answer the NPS survey, nor the other way round.
    link = SurveyLink.objects.first()
    assert 'data-state="unknown"' in client.get(f"/surveys/a/{link.token}/5/").content.decode()


def test_an_invalid_score_is_refused_with_the_form(campaign, companies, client):
    response = answer(client, path_for(companies.contact_a), 11)
    assert response.status_code == 200
    assert 'id="nps-answer"' in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_a_detractor_becomes_a_task_due_in_48_business_hours(
    campaign, companies, staff, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, path_for(companies.contact_a), 3, "Долго чините шлагбаум")
    task = DetractorTask.objects.get()
    assert task.client == companies.a and task.assignee == staff.csm
    assert task.response.score == 3
    # Answered Monday 11:00; Mon–Fri 09:00–18:00: Mon 7, Tue–Fri 4 × 9 = 36 → 43 hours by
    # Friday 18:00; the remaining 5 hours end on Monday 14 December at 14:00.
    assert task.due_at == msk(2026, 12, 14, 14, 0)
    note = Notification.objects.get(recipient=staff.csm)
    assert note.url == reverse("surveys:task", args=[task.pk])


def test_a_passive_is_not_a_detractor(campaign, companies, client):
    answer(client, path_for(companies.contact_a), 7)
    assert not DetractorTask.objects.exists()


def test_the_answers_count_in_the_nps_kpi(campaign, companies, client):
    answer(client, path_for(companies.contact_a), 10)
    answer(client, path_for(companies.contact_b), 3)
    nps = compute(Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))).get("nps")
    assert (nps.value, nps.denominator) == (0.0, 2)  # 100 × (1 − 1) ÷ 2


# ---- campaigns and their response rates ------------------------------------------------------


def test_campaign_list_shows_the_response_rate(campaign, companies, staff, client):
    answer(client, path_for(companies.contact_a), 9)
    client.force_login(staff.head)
    html = client.get(reverse("surveys:campaigns")).content.decode()
    assert "NPS, декабрь" in html
    assert '<td class="num response-rate">50 %</td>' in html
    detail = client.get(reverse("surveys:campaign", args=[campaign.campaign.pk])).content
    assert "50 %" in detail.decode()


def test_campaign_list_costs_the_same_queries_whatever_the_data(
    campaign, staff, client, django_assert_num_queries
):
    client.force_login(staff.head)
    url = reverse("surveys:campaigns")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(5):
        ContactFactory(client=ClientFactory(segment="Склад"))
        with time_machine.travel(MONDAY + dt.timedelta(days=n), tick=False):
            actions.do_start_campaign(staff.head, name=f"Склад {n}", segment="Склад")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


@pytest.mark.parametrize(("who", "status"), [("head", 200), ("csm", 200), ("ceo", 200)])
def test_who_reads_the_campaigns(campaign, staff, client, who, status):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("surveys:campaigns")).status_code == status


@pytest.mark.parametrize("who", ["support", "sales", "dev"])
def test_others_cannot_read_the_campaigns(campaign, staff, client, who):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("surveys:campaigns")).status_code == 403
    assert client.get(reverse("surveys:campaign", args=[campaign.campaign.pk])).status_code == 403


def test_only_the_head_starts_a_campaign(staff, companies, client):
    client.force_login(staff.csm)
    assert client.post(reverse("surveys:campaign_create"), {"name": "x"}).status_code == 403
    client.force_login(staff.head)
    response = client.post(reverse("surveys:campaign_create"), {"name": "Руками", "segment": ""})
    campaign = NpsCampaign.objects.get(name="Руками")
    assert response.url == reverse("surveys:campaign", args=[campaign.pk])
    assert campaign.links.count() == 2


def test_a_client_contact_is_refused_the_section(campaign, companies, client):
    client.force_login(companies.client1)
    assert client.get(reverse("surveys:campaigns")).status_code == 403


# ---- the cadence -----------------------------------------------------------------------------


def test_the_daily_cadence_asks_who_is_due_once(companies, django_capture_on_commit_callbacks):
    # Companies A and B started 2024-01-15; nobody was ever asked: both contacts are due.
    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = actions.do_send_due_surveys()
        again = actions.do_send_due_surveys()
    assert first.invited == 2 and again.invited == 0
    assert first.campaign.kind == NpsCampaign.Kind.PERIODIC
    assert len(mail.outbox) == 2
    # Six months later they are due again.
    with time_machine.travel(msk(2027, 6, 6, 10, 0), tick=False):
        assert actions.do_send_due_surveys().invited == 0
    with time_machine.travel(msk(2027, 6, 7, 10, 0), tick=False):
        assert actions.do_send_due_surveys().invited == 2


def test_a_hand_campaign_counts_for_the_cadence(campaign):
    with time_machine.travel(MONDAY + dt.timedelta(days=100), tick=False):
        assert actions.do_send_due_surveys().invited == 0  # asked 100 days ago: not due
