"""The meeting pages and who may do what: the grants and, above all, the denials."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.meetings.models import ActionItem, MeetingKind
from soprovod.meetings.tests import factories as f
from soprovod.meetings.tests.conftest import msk
from soprovod.sla.models import ClockStatus
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(time_machine):
    time_machine.move_to(msk(2026, 10, 19, 9, 30), tick=False)  # Monday before the meeting
    return msk(2026, 10, 19, 9, 30)


@pytest.fixture
def team(staff, now):
    the_series = f.series(MeetingKind.TEAM, chair=staff.head, participants=[staff.support])
    return f.meeting(the_series, msk(2026, 10, 19, 10, 0))


@pytest.fixture
def cross(staff, now):
    the_series = f.series(
        MeetingKind.CROSS, chair=staff.csm, participants=[staff.head, staff.sales, staff.dev]
    )
    return f.meeting(the_series, msk(2026, 10, 21, 11, 0))


def login(client, user):
    client.force_login(user)
    return client


def detail(meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def test_head_sees_the_agenda_and_gives_an_action_item(client, staff, team):
    breached = TicketFactory(subject="Турникет не пускает")
    f.clock(
        breached,
        due_at=msk(2026, 10, 16, 12, 0),
        stopped_at=msk(2026, 10, 16, 13, 0),
        status=ClockStatus.BREACHED,
    )
    c = login(client, staff.head)
    page = c.get(detail(team)).content.decode()
    assert "Турникет не пускает" in page
    assert f'href="/tickets/{breached.pk}/"' in page
    response = c.post(
        reverse("meetings:add_item", args=[team.pk]),
        {
            "title": "Разобрать нарушение",
            "owner": staff.support.pk,
            "due_on": "2026-10-23",
            "record_kind": "ticket",
            "record_id": breached.pk,
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert (item.owner, item.record_kind, item.record_id) == (staff.support, "ticket", breached.pk)


def test_support_reads_but_cannot_hold_the_meeting(client, staff, team):
    c = login(client, staff.support)
    page = c.get(detail(team))
    assert page.status_code == 200
    assert 'id="minutes-form"' not in page.content.decode()
    assert (
        c.post(
            reverse("meetings:minutes", args=[team.pk]), {"minutes": "x", "version": team.version}
        ).status_code
        == 403
    )
    assert c.post(reverse("meetings:start", args=[team.pk])).status_code == 403
    assert c.post(reverse("meetings:close", args=[team.pk])).status_code == 403
    assert c.get(reverse("meetings:reschedule", args=[team.pk])).status_code == 403
    add = {"title": "x", "owner": staff.support.pk, "due_on": "2026-10-23"}
    assert c.post(reverse("meetings:add_item", args=[team.pk]), add).status_code == 403
    assert c.get(reverse("meetings:series_edit", args=[team.series_id])).status_code == 403
    team.refresh_from_db()
    assert team.minutes == "" and not team.action_items.exists()


def test_the_chair_holds_their_own_meeting_only(client, staff, team, cross):
    c = login(client, staff.csm)
    response = c.post(
        reverse("meetings:minutes", args=[cross.pk]),
        {"minutes": "Решили по Альфе", "version": cross.version},
    )
    assert response.status_code == 302
    cross.refresh_from_db()
    assert cross.minutes == "Решили по Альфе"
    # The team meeting is not theirs to write.
    assert (
        c.post(
            reverse("meetings:minutes", args=[team.pk]), {"minutes": "x", "version": team.version}
        ).status_code
        == 403
    )


def test_minutes_autosave_and_stale_save(client, staff, team):
    c = login(client, staff.head)
    url = reverse("meetings:minutes", args=[team.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    opened = team.version
    first = c.post(url, {"minutes": "1. SLA", "version": opened}, **htmx)
    assert first.status_code == 200
    assert "Сохранено" in first.content.decode()
    assert f'value="{opened + 1}"' in first.content.decode()
    # Another tab still holds the old version: refused, the saved text kept.
    stale = c.post(url, {"minutes": "другое", "version": opened}, **htmx)
    assert "изменил" in stale.content.decode()
    without_js = c.post(url, {"minutes": "другое", "version": opened})
    assert without_js.status_code == 200
    assert "другое" in without_js.content.decode()  # the user's text is kept in the form
    team.refresh_from_db()
    assert team.minutes == "1. SLA"


def test_sales_and_development_see_only_their_cross_meeting(client, staff, team, cross):
    for person in (staff.sales, staff.dev):
        c = login(client, person)
        assert c.get(detail(cross)).status_code == 200
        assert c.get(detail(team)).status_code == 404
        page = c.get(reverse("meetings:list")).content.decode()
        assert detail(cross) in page and detail(team) not in page
        assert (
            c.post(
                reverse("meetings:minutes", args=[cross.pk]),
                {"minutes": "x", "version": cross.version},
            ).status_code
            == 403
        )
    # Not a participant: the cross meeting does not exist for them either.
    c = login(client, staff.sales2)
    assert c.get(detail(cross)).status_code == 404
    assert c.get(reverse("meetings:invitation", args=[cross.pk])).status_code == 404


def test_client_contacts_never_see_meetings(client, staff, companies, team):
    item = f.item(team, staff.support, dt.date(2026, 10, 23))
    c = login(client, companies.client1)
    for url in (
        reverse("meetings:list"),
        reverse("meetings:my_items"),
        detail(team),
        reverse("meetings:invitation", args=[team.pk]),
    ):
        assert c.get(url).status_code in (302, 403), url
    closing = c.post(reverse("meetings:close_item", args=[item.pk]), {f"i{item.pk}-result": "x"})
    assert closing.status_code in (302, 403)
    item.refresh_from_db()
    assert item.closed_at is None


def test_owner_sees_and_closes_their_item_others_cannot(client, staff, team):
    item = f.item(team, staff.support, dt.date(2026, 10, 23), title="Обновить макросы")
    other = login(client, staff.csm)
    close_url = reverse("meetings:close_item", args=[item.pk])
    data = {f"i{item.pk}-result": "Готово", f"i{item.pk}-version": item.version}
    assert other.post(close_url, data).status_code == 403
    assert "Обновить макросы" not in other.get(reverse("meetings:my_items")).content.decode()
    # Sales may not even learn the item exists.
    assert login(client, staff.sales).post(close_url, data).status_code == 404

    owner = login(client, staff.support)
    page = owner.get(reverse("meetings:my_items")).content.decode()
    assert "Обновить макросы" in page
    assert owner.post(close_url, data).status_code == 302
    item.refresh_from_db()
    assert item.result == "Готово" and item.closed_on == dt.date(2026, 10, 19)


def test_overdue_items_are_marked_on_my_list(client, staff, team, now):
    f.item(team, staff.support, dt.date(2026, 10, 16), title="Просроченное")
    page = login(client, staff.support).get(reverse("meetings:my_items")).content.decode()
    assert "item-row overdue" in page


def test_the_menu_shows_meetings_to_those_who_take_part(client, staff, companies):
    assert 'href="/meetings/"' in login(client, staff.support).get("/").content.decode()
    assert 'href="/meetings/"' in login(client, staff.sales).get("/").content.decode()


def test_the_calendar_file(client, staff, team):
    response = login(client, staff.support).get(reverse("meetings:invitation", args=[team.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert team.ical_uid in response.content.decode()


def test_the_list_costs_a_fixed_number_of_queries(client, staff, team):
    c = login(client, staff.head)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(reverse("meetings:list")).status_code == 200
        return len(queries)

    f.meeting(team.series, msk(2026, 10, 19, 10, 0) - dt.timedelta(weeks=10))
    few = count()
    for week in range(1, 6):
        earlier = f.meeting(team.series, msk(2026, 10, 19, 10, 0) - dt.timedelta(weeks=week))
        f.item(earlier, staff.support, dt.date(2026, 10, 1))
    assert count() == few


def test_the_meeting_page_costs_a_fixed_number_of_queries(client, staff, team):
    c = login(client, staff.head)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(detail(team)).status_code == 200
        return len(queries)

    f.item(team, staff.support, dt.date(2026, 10, 23))
    few = count()
    for n in range(5):
        f.item(team, staff.csm, dt.date(2026, 10, 23), title=f"Поручение {n}")
    assert count() == few
