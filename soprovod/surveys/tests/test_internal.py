"""The monthly internal survey: sales, development and support staff answer 1–5 once a
month, anonymously unless they sign; the answers fill `internal_satisfaction`."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from soprovod.core.models import Notification
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period
from soprovod.surveys import actions
from soprovod.surveys.models import InternalSurveyTurn, SurveyResponse
from soprovod.surveys.tests.conftest import msk

DECEMBER = Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_answers_are_anonymous_by_default_and_fill_the_kpi(staff, client):
    with time_machine.travel(msk(2026, 12, 7, 15, 42), tick=False):
        client.force_login(staff.sales)
        client.post(reverse("surveys:internal"), {"score": 4, "comment": "Быстро отвечают"})
        client.force_login(staff.dev)
        client.post(reverse("surveys:internal"), {"score": 5, "signed": "on"})
    answers = SurveyResponse.objects.filter(kind="internal").order_by("score")
    assert [(a.score, a.respondent) for a in answers] == [(4, None), (5, staff.dev)]
    # Stamped with the day only, so the answer cannot be matched to who answered by time.
    assert answers[0].answered_at == msk(2026, 12, 7, 0, 0)
    kpi = compute(DECEMBER).get("internal_satisfaction")
    assert (kpi.value, kpi.numerator, kpi.denominator) == (4.5, 9, 2)
    assert kpi.met is True


def test_one_answer_a_month(staff, client):
    client.force_login(staff.sales)
    with time_machine.travel(msk(2026, 12, 7, 12, 0), tick=False):
        client.post(reverse("surveys:internal"), {"score": 2})
        again = client.post(reverse("surveys:internal"), {"score": 5})
        assert 'id="internal-survey"' not in again.content.decode()  # no form: answered
        with pytest.raises(actions.InternalSurveyError):
            actions.do_answer_internal(staff.sales, 5)
    assert SurveyResponse.objects.filter(kind="internal").count() == 1
    with time_machine.travel(msk(2027, 1, 11, 12, 0), tick=False):
        actions.do_answer_internal(staff.sales, 5)
    assert InternalSurveyTurn.objects.filter(user=staff.sales).count() == 2


@pytest.mark.parametrize("who", ["head", "ceo"])
def test_the_head_and_the_ceo_do_not_take_it(staff, client, who):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("surveys:internal")).status_code == 403


def test_a_client_contact_is_refused_the_section(companies, client):
    client.force_login(companies.client1)
    assert client.get(reverse("surveys:internal")).status_code == 403


def test_the_monthly_reminder_reaches_each_colleague_once(staff):
    first = actions.remind_internal_survey(dt.date(2026, 12, 1))
    assert actions.remind_internal_survey(dt.date(2026, 12, 1)) == 0
    # sales, sales2, dev, support, csm, csm2, implementation, engineer — not head, not ceo
    assert first == 8
    assert not Notification.objects.filter(recipient__in=[staff.head, staff.ceo]).exists()


def test_the_home_page_invites_until_answered(staff, client):
    client.force_login(staff.support)
    with time_machine.travel(msk(2026, 12, 7, 12, 0), tick=False):
        assert 'id="internal-survey-prompt"' in client.get("/").content.decode()
        actions.do_answer_internal(staff.support, 3)
        assert 'id="internal-survey-prompt"' not in client.get("/").content.decode()
