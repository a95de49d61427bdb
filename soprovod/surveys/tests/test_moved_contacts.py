"""NPS invitations go only to people who still belong to the company they ask about: a
contact row left behind at company A when the person's portal login moved to company B's
contact is not invited about A, and an invitation made before the move is not mailed."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from soprovod.clients.tests.moves import MOVER, make_mover, move_the_login
from soprovod.surveys import actions
from soprovod.surveys import mail as survey_mail
from soprovod.surveys.models import SurveyLink
from soprovod.surveys.tests.conftest import msk

MONDAY = msk(2026, 12, 7, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mover(companies):
    return make_mover(companies)


def start(staff, capture):
    with time_machine.travel(MONDAY, tick=False), capture(execute=True):
        return actions.do_start_campaign(staff.head, name="NPS", segment="Бизнес-центр")


def test_the_old_companys_row_is_not_invited_the_new_one_is(
    mover, staff, companies, django_capture_on_commit_callbacks
):
    new_row = move_the_login(mover, companies)
    started = start(staff, django_capture_on_commit_callbacks)
    invited = set(SurveyLink.objects.values_list("contact_id", flat=True))
    assert invited == {companies.contact_a.pk, companies.contact_b.pk, new_row.pk}
    assert started.invited == 3
    [to_mover] = [m for m in mail.outbox if m.to == [MOVER]]
    assert SurveyLink.objects.get(contact=new_row).client_id == companies.b.pk
    assert to_mover is not None


def test_an_invitation_made_before_the_move_is_not_mailed(
    mover, staff, companies, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        started = actions.do_start_campaign(staff.head, name="NPS", segment="Бизнес-центр")
    mover.client = companies.b  # the row moves before the mail goes out
    mover.save(update_fields=["client"])
    sent = survey_mail.send_campaign_links(started.campaign.pk)
    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [companies.contact_a.email, companies.contact_b.email]
    )
    assert SurveyLink.objects.get(contact=mover).sent_at is None
