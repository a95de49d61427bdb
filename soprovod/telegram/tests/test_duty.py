"""Emergencies at night: whoever is on duty (the head's rota) gets new emergency tickets
and their SLA warnings in Telegram, once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from soprovod.sla.models import CalendarDay, WorkCalendar
from soprovod.telegram import actions, duty
from soprovod.telegram.models import DutyShift, OutgoingMessage
from soprovod.telegram.tests.helpers import link_user, portal_ticket
from soprovod.tickets import sla_checker

CHAT = 990001
ENGINEER_CHAT = 990002


@pytest.fixture
def on_duty(fake_telegram, staff, django_capture_on_commit_callbacks):
    link_user(fake_telegram, django_capture_on_commit_callbacks, staff.support, CHAT)
    link_user(fake_telegram, django_capture_on_commit_callbacks, staff.engineer, ENGINEER_CHAT)
    now = timezone.now()
    actions.do_add_shift(
        staff.head,
        user=staff.support,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=12),
    )
    fake_telegram.sent.clear()
    return staff.support


def _emergency(companies, at=None):
    return portal_ticket(companies, "Не открываются ворота", type="emergency", created_at=at)


def test_the_person_on_duty_hears_of_a_new_emergency(
    fake_telegram, companies, on_duty, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _emergency(companies)
    sent = fake_telegram.sent_to(CHAT)
    assert len(sent) == 1 and f"№{ticket.pk}" in sent[0]["text"]
    assert fake_telegram.sent_to(ENGINEER_CHAT) == []  # linked, but not on duty


def test_a_standard_ticket_wakes_nobody(
    fake_telegram, companies, on_duty, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        portal_ticket(companies, "Вопрос")
    assert fake_telegram.sent_to(CHAT) == []


def test_sla_warnings_of_an_emergency_reach_the_person_on_duty_once(
    fake_telegram, companies, on_duty, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _emergency(companies)
    fake_telegram.sent.clear()
    # 13 minutes later: past 80 % of the 15-minute first response, round the clock.
    later = ticket.created_at + dt.timedelta(minutes=13)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        first = sla_checker.check_sla(later)
        again = sla_checker.check_sla(later)
    assert first.warnings >= 1 and again.warnings == 0
    texts = [item["text"] for item in fake_telegram.sent_to(CHAT)]
    assert len(texts) == first.warnings
    assert f"№{ticket.pk}" in texts[0] and "Предупреждение SLA" in texts[0]
    # The breach too, once.
    breach_at = ticket.created_at + dt.timedelta(minutes=16)
    with time_machine.travel(breach_at), django_capture_on_commit_callbacks(execute=True):
        sla_checker.check_sla(breach_at)
    assert any("нарушен" in item["text"] for item in fake_telegram.sent_to(CHAT))


def test_nobody_on_duty_nobody_woken(
    fake_telegram, companies, on_duty, django_capture_on_commit_callbacks
):
    DutyShift.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        _emergency(companies)
    assert not OutgoingMessage.objects.filter(key__startswith="duty:").exists()


def test_rota_gaps(staff):
    now = timezone.now()
    actions.do_add_shift(
        staff.head, user=staff.support, starts_at=now, ends_at=now + dt.timedelta(hours=8)
    )
    actions.do_add_shift(
        staff.head,
        user=staff.engineer,
        starts_at=now + dt.timedelta(hours=10),
        ends_at=now + dt.timedelta(hours=24),
    )
    gaps = duty.coverage(now, now + dt.timedelta(hours=24))
    assert gaps == [(now + dt.timedelta(hours=8), now + dt.timedelta(hours=10))]
    assert duty.on_duty(now + dt.timedelta(hours=9)) == []
    assert duty.on_duty(now + dt.timedelta(hours=11)) == [staff.engineer]


def test_only_support_staff_can_be_on_duty(staff):
    now = timezone.now()
    with pytest.raises(actions.TelegramError):
        actions.do_add_shift(
            staff.head, user=staff.sales, starts_at=now, ends_at=now + dt.timedelta(hours=1)
        )


# ---- the rota page ---------------------------------------------------------------------------


def test_the_head_sets_the_rota(client, staff):
    client.force_login(staff.head)
    response = client.post(
        reverse("telegram:duty"),
        {
            "user": staff.support.pk,
            "starts_at": "2030-01-10T20:00",
            "ends_at": "2030-01-11T08:00",
            "note": "ночь",
        },
    )
    assert response.status_code == 302
    shift = DutyShift.objects.get()
    assert shift.user == staff.support and shift.note == "ночь"
    assert timezone.localtime(shift.starts_at).hour == 20  # Moscow time
    response = client.post(reverse("telegram:delete_shift", args=[shift.pk]))
    assert response.status_code == 302 and not DutyShift.objects.exists()


def test_the_rota_page_is_read_by_the_department_only(client, staff, companies):
    shift = DutyShift.objects.create(
        user=staff.support, starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=2)
    )
    client.force_login(staff.support)
    page = client.get(reverse("telegram:duty"))
    assert page.status_code == 200 and "add-shift" not in page.content.decode()
    # A colleague may read it but not change it.
    assert client.post(reverse("telegram:duty"), {"user": staff.support.pk}).status_code == 403
    assert client.post(reverse("telegram:delete_shift", args=[shift.pk])).status_code == 403
    for outsider in (staff.sales, staff.ceo, companies.client1):
        client.force_login(outsider)
        assert client.get(reverse("telegram:duty")).status_code == 403
    client.force_login(staff.head)
    assert "add-shift" in client.get(reverse("telegram:duty")).content.decode()


# ---- a holiday night ------------------------------------------------------------------------

MOSCOW = ZoneInfo("Europe/Moscow")
# 4 January 2027, a Monday inside the New Year holidays: no business hours all day.
HOLIDAY_3AM = dt.datetime(2027, 1, 4, 3, 0, tzinfo=MOSCOW)


def test_at_three_on_a_holiday_night_the_night_shift_gets_the_emergency(
    client, fake_telegram, staff, companies, django_capture_on_commit_callbacks
):
    """The head's rota, entered on the page: the support manager by day, the engineer by
    night. At 03:00 on a public holiday the engineer alone hears of a new emergency ticket
    and of its first-response warning at 80 % of the 15 minutes (round the clock); the
    standard ticket filed at the same moment waits for business hours and wakes nobody."""
    capture = django_capture_on_commit_callbacks
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.update_or_create(
        calendar=calendar, date=HOLIDAY_3AM.date(), defaults={"kind": CalendarDay.Kind.HOLIDAY}
    )
    link_user(fake_telegram, capture, staff.support, CHAT)
    link_user(fake_telegram, capture, staff.engineer, ENGINEER_CHAT)
    client.force_login(staff.head)
    for user, starts, ends in (
        (staff.support, "2027-01-03T09:00", "2027-01-03T21:00"),
        (staff.engineer, "2027-01-03T21:00", "2027-01-04T09:00"),
        (staff.support, "2027-01-04T09:00", "2027-01-04T21:00"),
    ):
        response = client.post(
            reverse("telegram:duty"), {"user": user.pk, "starts_at": starts, "ends_at": ends}
        )
        assert response.status_code == 302
    assert duty.on_duty(HOLIDAY_3AM) == [staff.engineer]
    assert duty.coverage(HOLIDAY_3AM - dt.timedelta(hours=6), HOLIDAY_3AM) == []
    fake_telegram.sent.clear()

    with time_machine.travel(HOLIDAY_3AM, tick=False), capture(execute=True):
        emergency = _emergency(companies, at=HOLIDAY_3AM)
        standard = portal_ticket(companies, "Как выгрузить отчёт?", created_at=HOLIDAY_3AM)
    warn_at = HOLIDAY_3AM + dt.timedelta(minutes=12)  # 80 % of 15 minutes
    with time_machine.travel(warn_at, tick=False), capture(execute=True):
        sla_checker.check_sla(warn_at)

    night = [item["text"] for item in fake_telegram.sent_to(ENGINEER_CHAT)]
    assert len(night) == 2
    assert night[0].startswith("🚨") and f"№{emergency.pk}" in night[0]
    assert "Предупреждение SLA" in night[1] and f"№{emergency.pk}" in night[1]
    assert "03:15" in night[1]  # due 15 minutes after 03:00, Moscow time, on the holiday
    assert not any(f"№{standard.pk}" in text for text in night)
    assert fake_telegram.sent_to(CHAT) == []  # the day shift sleeps


def test_rota_pages_refuse_everyone_but_the_head_to_change_them(client, staff, companies):
    shift = DutyShift.objects.create(
        user=staff.support, starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=2)
    )
    form = {
        "user": staff.engineer.pk,
        "starts_at": "2030-01-10T20:00",
        "ends_at": "2030-01-11T08:00",
    }
    for colleague in (staff.support, staff.engineer, staff.csm, staff.implementation):
        client.force_login(colleague)
        assert client.get(reverse("telegram:duty")).status_code == 200
        assert client.post(reverse("telegram:duty"), form).status_code == 403
        assert client.post(reverse("telegram:delete_shift", args=[shift.pk])).status_code == 403
    for outsider in (staff.sales, staff.dev, staff.ceo, companies.client1, companies.client2):
        client.force_login(outsider)
        assert client.get(reverse("telegram:duty")).status_code == 403
        assert client.post(reverse("telegram:duty"), form).status_code == 403
        assert client.post(reverse("telegram:delete_shift", args=[shift.pk])).status_code == 403
    client.logout()
    assert client.post(reverse("telegram:duty"), form).status_code == 302  # to the login page
    assert list(DutyShift.objects.all()) == [shift]  # nobody but the head changed anything
    client.force_login(staff.head)
    assert client.post(reverse("telegram:delete_shift", args=[shift.pk + 999])).status_code == 404


def test_the_head_cannot_put_a_non_colleague_on_duty(client, staff):
    client.force_login(staff.head)
    response = client.post(
        reverse("telegram:duty"),
        {"user": staff.sales.pk, "starts_at": "2030-01-10T20:00", "ends_at": "2030-01-11T08:00"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "form" in response.context and response.context["form"].errors
    assert not DutyShift.objects.exists()
    response = client.post(
        reverse("telegram:duty"),
        {"user": staff.support.pk, "starts_at": "2030-01-11T08:00", "ends_at": "2030-01-10T20:00"},
    )
    assert "позже, чем начинается" in response.content.decode()
    assert not DutyShift.objects.exists()


def test_the_rota_shows_a_shift_whose_colleague_has_no_telegram(
    client, fake_telegram, staff, django_capture_on_commit_callbacks
):
    """Warnings go to the linked chats of whoever is on duty: a shift of a colleague who
    never linked Telegram would wake nobody, so the head sees it on the rota."""
    link_user(fake_telegram, django_capture_on_commit_callbacks, staff.support, CHAT)
    now = timezone.now()
    linked = actions.do_add_shift(
        staff.head, user=staff.support, starts_at=now, ends_at=now + dt.timedelta(hours=8)
    )
    unlinked = actions.do_add_shift(
        staff.head,
        user=staff.engineer,
        starts_at=now + dt.timedelta(hours=8),
        ends_at=now + dt.timedelta(hours=20),
    )
    client.force_login(staff.head)
    page = client.get(reverse("telegram:duty")).content.decode()
    row_of = {
        shift.pk: page.split(f'data-shift="{shift.pk}"')[1].split("</tr>")[0]
        for shift in (linked, unlinked)
    }
    assert "no-telegram" not in row_of[linked.pk]
    assert "Telegram не привязан" in row_of[unlinked.pk]
