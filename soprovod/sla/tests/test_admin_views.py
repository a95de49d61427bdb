"""The SLA pages: who gets in, what they show, and what the head's edits do.

Every permission test has the owner (the head edits), a colleague (the support manager
reads, cannot edit) and outsiders (a client contact, development: 404, as if the pages did
not exist). Pages are requested in English, where the tests read our own messages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import trail_for
from soprovod.sla import clocks
from soprovod.sla.calendars import data_warning
from soprovod.sla.context_processors import coverage_warnings
from soprovod.sla.models import CalendarDay, Metric, SlaClock, SlaPolicy, SlaTarget, WorkCalendar
from soprovod.sla.views import coverage_warning
from soprovod.tickets.models import TicketStatus, TicketType
from soprovod.tickets.tests.factories import TicketFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def as_user(client):
    """Sign the test client in as ``user``, with the interface in English."""

    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def calendar(db) -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


@pytest.fixture
def policy(db) -> SlaPolicy:
    return SlaPolicy.objects.get(is_default=True)


def new_ticket(created, type=TicketType.STANDARD, **kwargs):
    ticket = TicketFactory(created_at=created, type=type, **kwargs)
    clocks.start_clocks(ticket, now=created)
    return ticket


def due(ticket, metric=Metric.RESOLUTION) -> dt.datetime:
    return SlaClock.objects.get(ticket=ticket, metric=metric).due_at


def calendar_form_data(calendar, **changes) -> dict:
    data = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "working_day_hours": "",
        "version": calendar.version,
        "reason": "",
        **{f"day_{day}": "09:00-18:00" if day < 5 else "" for day in range(7)},
    }
    data.update(changes)
    return data


def policy_form_data(policy, **changes) -> dict:
    data = {"name": policy.name, "warning_percent": 80, "version": policy.version, "reason": ""}
    for target in SlaTarget.objects.filter(policy=policy):
        prefix = f"{target.ticket_type}-{target.metric}"
        data[f"{prefix}-calendar"] = target.calendar_id
        data[f"{prefix}-hours"] = target.target_minutes // 60
        data[f"{prefix}-minutes"] = target.target_minutes % 60
        if target.ceiling_minutes:
            data[f"{prefix}-ceiling_days"] = target.ceiling_minutes // 1440
            data[f"{prefix}-ceiling_hours"] = target.ceiling_minutes % 1440 // 60
        if target.escalate_to_ceo:
            data[f"{prefix}-ceo"] = "on"
    data.update(changes)
    return data


# ---- who gets in -------------------------------------------------------------------------------


def read_urls(calendar, policy) -> list[str]:
    return [
        reverse("sla:calendars"),
        reverse("sla:calendar", args=[calendar.pk]),
        reverse("sla:policy", args=[policy.pk]),
    ]


def edit_urls(calendar, policy) -> list[str]:
    return [
        reverse("sla:calendar_edit", args=[calendar.pk]),
        reverse("sla:calendar_day", args=[calendar.pk, "2026-03-09"]),
        reverse("sla:calendar_import", args=[calendar.pk]),
        reverse("sla:policy_edit", args=[policy.pk]),
    ]


def test_support_staff_read_every_page(as_user, staff, calendar, policy):
    for user in (staff.head, staff.support, staff.csm, staff.engineer):
        page = as_user(user)
        for url in read_urls(calendar, policy):
            assert page.get(url).status_code == 200, (user, url)


def test_the_head_opens_the_edit_pages(as_user, staff, calendar, policy):
    page = as_user(staff.head)
    for url in edit_urls(calendar, policy):
        assert page.get(url).status_code == 200, url


def test_a_support_manager_cannot_edit(as_user, staff, calendar, policy):
    page = as_user(staff.support)
    for url in edit_urls(calendar, policy):
        assert page.get(url).status_code == 403, url
    before = calendar.version
    response = page.post(
        reverse("sla:calendar_day_add", args=[calendar.pk]),
        {"date": "2026-03-03", "kind": "holiday"},
    )
    assert response.status_code == 403
    response = page.post(
        reverse("sla:calendar_day_delete", args=[calendar.pk, "2026-03-09"]),
    )
    assert response.status_code == 403
    response = page.post(
        reverse("sla:calendar_edit", args=[calendar.pk]),
        calendar_form_data(calendar, day_0="10:00-18:00"),
    )
    assert response.status_code == 403
    response = page.post(
        reverse("sla:policy_edit", args=[policy.pk]), policy_form_data(policy, warning_percent=50)
    )
    assert response.status_code == 403
    calendar.refresh_from_db()
    assert calendar.version == before
    assert CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 9)).exists()
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 3)).exists()
    assert SlaPolicy.objects.get(pk=policy.pk).warning_ratio * 100 == 80


def test_client_contacts_and_other_roles_get_403(as_user, staff, companies, calendar, policy):
    """SLA settings are a section: 403 for every role without it (style.md 14)."""
    for user in (companies.client1, staff.dev, staff.sales, staff.ceo):
        page = as_user(user)
        for url in read_urls(calendar, policy) + edit_urls(calendar, policy):
            assert page.get(url).status_code == 403, (user, url)
        response = page.post(
            reverse("sla:calendar_day_add", args=[calendar.pk]),
            {"date": "2026-03-03", "kind": "holiday"},
        )
        assert response.status_code == 403
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 3)).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, calendar):
    response = client.get(reverse("sla:calendar", args=[calendar.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_objects_and_bad_dates_are_404(as_user, staff, calendar):
    page = as_user(staff.head)
    assert page.get(reverse("sla:calendar", args=[9999])).status_code == 404
    assert page.get(reverse("sla:policy", args=[9999])).status_code == 404
    assert (
        page.get(reverse("sla:calendar_day", args=[calendar.pk, "2026-02-30"])).status_code == 404
    )
    assert (
        page.get(reverse("sla:calendar", args=[calendar.pk]), {"year": "1900"}).status_code == 404
    )


# ---- what the pages show -----------------------------------------------------------------------


def test_calendar_page_shows_weekly_hours_and_the_years_working_time(as_user, staff, calendar):
    """With a lunch break the week is the production calendar's 40 hours, and the engine
    gives the official 2026 figures: 247 working days, 1972 hours."""
    calendar.weekly_hours = {str(day): [["09:00", "13:00"], ["14:00", "18:00"]] for day in range(5)}
    calendar.save()
    from soprovod.sla.calendars import bump_version

    bump_version(calendar)

    response = as_user(staff.support).get(
        reverse("sla:calendar", args=[calendar.pk]), {"year": 2026}
    )

    html = response.content.decode()
    assert "09:00–13:00, 14:00–18:00" in html
    summary = response.context["summary"]
    assert (summary.working_days, summary.working_hours) == (247, 1972)
    assert summary.from_data
    assert "2026: 247 working days, 1972 hours" in html
    assert 'class="kind-holiday' in html
    assert 'class="kind-short_day' in html
    assert "Delete" not in html  # a reader gets no edit controls


def test_the_default_calendar_counts_nine_hour_days(as_user, staff, calendar):
    """09:00-18:00 without a lunch break: 9 hours a day, 8 on the four short days."""
    response = as_user(staff.head).get(reverse("sla:calendar", args=[calendar.pk]), {"year": 2026})
    summary = response.context["summary"]
    assert (summary.working_days, summary.working_hours) == (247, 247 * 9 - 4)


def test_a_year_past_the_data_follows_the_labour_code(as_user, staff, calendar):
    CalendarDay.objects.filter(calendar=calendar, date__year__gte=2027).delete()
    response = as_user(staff.head).get(reverse("sla:calendar", args=[calendar.pk]), {"year": 2027})
    assert not response.context["summary"].from_data
    html = response.content.decode()
    assert "derived" in html  # art. 112 holidays are framed as derived, not stored


def test_policy_page_shows_targets_in_hours_and_days(as_user, staff, policy):
    html = as_user(staff.support).get(reverse("sla:policy", args=[policy.pk])).content.decode()
    assert "15 min" in html
    assert "24 h" in html
    assert "5 days" in html
    assert "80 % of the allowed time" in html
    assert "Edit policy" not in html


def test_the_list_page_makes_a_fixed_number_of_queries(as_user, staff):
    page = as_user(staff.head)
    url = reverse("sla:calendars")
    page.get(url)
    with CaptureQueriesContext(connection) as few:
        page.get(url)
    for number in range(5):
        extra = WorkCalendar.objects.create(name=f"Branch {number}")
        CalendarDay.objects.create(calendar=extra, date=dt.date(2026, 1, 1), kind="holiday")
    with CaptureQueriesContext(connection) as more:
        page.get(url)
    assert len(more) == len(few)


# ---- the head's edits --------------------------------------------------------------------------


def test_head_sets_a_lunch_break_and_open_tickets_move(
    as_user, staff, calendar, django_capture_on_commit_callbacks
):
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    data = calendar_form_data(
        calendar, **{f"day_{day}": "9:00-13:00, 14:00–18:00" for day in range(5)}
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(staff.head).post(
            reverse("sla:calendar_edit", args=[calendar.pk]), data, follow=True
        )

    assert response.redirect_chain[-1][0] == reverse("sla:calendar", args=[calendar.pk])
    calendar.refresh_from_db()
    assert calendar.weekly_hours["0"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert due(ticket, Metric.FIRST_RESPONSE) == msk(2026, 3, 2, 15, 0)
    assert "recalculated" in response.content.decode()
    assert trail_for(calendar)[0].actor == staff.head


@pytest.mark.parametrize(
    ("day_0", "message"),
    [
        ("09:00-13:00, 12:00-18:00", "overlap"),
        ("18:00-09:00", "the start must be before the end"),
        ("9 to 6", "Write the hours as 09:00"),
        ("09:00-25:00", "is not a time written HH:MM"),
    ],
)
def test_bad_weekly_hours_are_refused_with_a_reason(as_user, staff, calendar, day_0, message):
    version = calendar.version
    response = as_user(staff.head).post(
        reverse("sla:calendar_edit", args=[calendar.pk]), calendar_form_data(calendar, day_0=day_0)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    calendar.refresh_from_db()
    assert calendar.version == version


def test_a_week_without_working_hours_is_refused(as_user, staff, calendar):
    data = calendar_form_data(calendar, **{f"day_{day}": "" for day in range(7)})
    response = as_user(staff.head).post(reverse("sla:calendar_edit", args=[calendar.pk]), data)
    assert "at least one day" in response.content.decode()


def test_a_stale_calendar_form_is_refused_and_can_be_saved_again(as_user, staff, calendar):
    opened = calendar_form_data(calendar, name="Mine")
    from soprovod.sla import actions

    actions.do_update_calendar(staff.support, calendar, name="Someone else's")
    page = as_user(staff.head)

    response = page.post(reverse("sla:calendar_edit", args=[calendar.pk]), opened)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert WorkCalendar.objects.get(pk=calendar.pk).name == "Someone else's"
    again = response.context["form"].data
    assert page.post(reverse("sla:calendar_edit", args=[calendar.pk]), again).status_code == 302
    assert WorkCalendar.objects.get(pk=calendar.pk).name == "Mine"


def test_a_name_already_taken_is_shown_on_the_field(as_user, staff, calendar):
    data = calendar_form_data(calendar, name=WorkCalendar.objects.get(is_24x7=True).name)
    response = as_user(staff.head).post(reverse("sla:calendar_edit", args=[calendar.pk]), data)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_head_adds_changes_and_deletes_a_date(
    as_user, staff, calendar, django_capture_on_commit_callbacks
):
    open_ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    closed_ticket = new_ticket(msk(2026, 3, 2, 10, 0), status=TicketStatus.CLOSED)
    page = as_user(staff.head)

    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(
            reverse("sla:calendar_day_add", args=[calendar.pk]),
            {"date": "2026-03-03", "kind": "holiday", "note": "Company day"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("sla:calendar", args=[calendar.pk]) + "?year=2026"
    assert due(open_ticket) == msk(2026, 3, 5, 16, 0)
    assert due(closed_ticket) == msk(2026, 3, 4, 16, 0)

    with django_capture_on_commit_callbacks(execute=True):
        page.post(
            reverse("sla:calendar_day", args=[calendar.pk, "2026-03-03"]),
            {"kind": "short_day", "note": "Company day"},
        )
    assert CalendarDay.objects.get(calendar=calendar, date=dt.date(2026, 3, 3)).kind == "short_day"
    assert due(open_ticket) == msk(2026, 3, 4, 17, 0)  # one hour of Tuesday lost

    with django_capture_on_commit_callbacks(execute=True):
        page.post(reverse("sla:calendar_day_delete", args=[calendar.pk, "2026-03-03"]))
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 3)).exists()
    assert due(open_ticket) == msk(2026, 3, 4, 16, 0)
    actions_done = [event.action for event in trail_for(calendar)[:3]]
    assert actions_done == [
        AuditEvent.Action.DELETED,
        AuditEvent.Action.UPDATED,
        AuditEvent.Action.CREATED,
    ]


def test_a_day_form_refuses_an_unknown_kind(as_user, staff, calendar):
    response = as_user(staff.head).post(
        reverse("sla:calendar_day_add", args=[calendar.pk]), {"date": "2026-03-03", "kind": "party"}
    )
    assert response.status_code == 200
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 3)).exists()


def test_head_uploads_a_calendar_file(as_user, staff, calendar):
    upload = SimpleUploadedFile("2026.csv", b"date,kind\n2026-03-03,holiday\n2026-01-01,holiday\n")
    response = as_user(staff.head).post(
        reverse("sla:calendar_import", args=[calendar.pk]), {"file": upload}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert "Import finished." in response.content.decode()


def test_a_bad_upload_lists_every_bad_row(as_user, staff, calendar):
    upload = SimpleUploadedFile("bad.csv", b"date,kind\n2026-02-30,holiday\n2026-03-03,party\n")
    response = as_user(staff.head).post(
        reverse("sla:calendar_import", args=[calendar.pk]), {"file": upload}
    )
    html = response.content.decode()
    assert "row 2, column date" in html
    assert "row 3, column kind" in html
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 3)).exists()


def test_head_changes_a_target_and_open_tickets_follow(
    as_user, staff, policy, django_capture_on_commit_callbacks
):
    ticket = new_ticket(msk(2026, 3, 2, 10, 0))
    data = policy_form_data(policy, **{"standard-resolution-hours": 16, "warning_percent": 75})

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(staff.head).post(
            reverse("sla:policy_edit", args=[policy.pk]), data, follow=True
        )

    assert response.redirect_chain[-1][0] == reverse("sla:policy", args=[policy.pk])
    assert due(ticket) == msk(2026, 3, 3, 17, 0)
    policy.refresh_from_db()
    assert str(policy.warning_ratio) == "0.75"
    changes = [event.changes for event in trail_for(policy)[:2]]
    assert {"warning_ratio": ["0.80", "0.75"]} in changes
    assert {"target_minutes": [1440, 960]} in changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"standard-resolution-hours": "", "standard-resolution-minutes": ""}, "needs a target"),
        ({"standard-first_response-calendar": ""}, "Choose the calendar"),
        (
            {"standard-first_response-hours": 0, "standard-first_response-minutes": 0},
            "at least one",
        ),
        ({"warning_percent": 100}, "Warning threshold: enter a share from 10 to 99 percent"),
        ({"name": ""}, "Name: enter the policy"),
    ],
)
def test_bad_policy_input_is_refused(as_user, staff, policy, changes, message):
    version = policy.version
    response = as_user(staff.head).post(
        reverse("sla:policy_edit", args=[policy.pk]), policy_form_data(policy, **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SlaPolicy.objects.get(pk=policy.pk).version == version


def test_a_ceiling_posted_for_first_response_is_ignored(as_user, staff, policy):
    data = policy_form_data(policy, **{"standard-first_response-ceiling_days": 3})
    as_user(staff.head).post(reverse("sla:policy_edit", args=[policy.pk]), data)
    target = SlaTarget.objects.get(policy=policy, ticket_type="standard", metric="first_response")
    assert target.ceiling_minutes is None


def test_a_ceiling_shorter_than_the_target_itself_is_saved_with_a_warning(as_user, staff, policy):
    """12 calendar hours for a 24-business-hour target can never allow an extension on any
    calendar: the head is told, on the page and after saving."""
    data = policy_form_data(
        policy, **{"standard-resolution-ceiling_days": 0, "standard-resolution-ceiling_hours": 12}
    )
    response = as_user(staff.head).post(
        reverse("sla:policy_edit", args=[policy.pk]), data, follow=True
    )
    html = response.content.decode()
    assert "is shorter than the target itself" in html
    target = SlaTarget.objects.get(policy=policy, ticket_type="standard", metric="resolution")
    assert target.ceiling_minutes == 720
    page = as_user(staff.head).get(reverse("sla:policy", args=[policy.pk])).content.decode()
    assert 'class="ceiling-warning"' in page


def test_the_default_policy_page_shows_no_warning_about_itself(as_user, staff, policy):
    """Issue 16: the shipped consultation (48 business hours, ceiling 5 calendar days) is the
    sla.md rule at work (the ceiling is resolved against the target), not a fault."""
    assert policy.is_default
    html = as_user(staff.head).get(reverse("sla:policy", args=[policy.pk])).content.decode()
    assert "ceiling-warning" not in html
    assert "card sla-warning" not in html
    assert "shorter than the target" not in html
    assert "reaches past the ceiling" not in html


# ---- the calendar data warning -----------------------------------------------------------------


@pytest.fixture
def data_until_2026(calendar):
    """The default calendar with data up to the end of 2026, whatever years are shipped."""
    CalendarDay.objects.filter(calendar=calendar, date__year__gt=2026).delete()
    return calendar


def test_no_warning_long_before_the_data_ends(data_until_2026, time_machine):
    time_machine.move_to(msk(2026, 9, 30, 12, 0), tick=False)
    assert data_warning(data_until_2026) is None
    assert coverage_warnings() == []


def test_warning_90_days_before_the_data_ends(as_user, staff, data_until_2026, time_machine):
    time_machine.move_to(msk(2026, 10, 15, 12, 0), tick=False)
    assert data_warning(data_until_2026) == "soon"

    html = as_user(staff.support).get(reverse("home")).content.decode()

    assert "Calendar data ends on 31.12.2026 — load next year&#x27;s calendar." in html
    assert "Labour Code art. 112" not in html


def test_past_the_data_the_labour_code_rules_are_used(
    as_user, staff, data_until_2026, time_machine
):
    time_machine.move_to(msk(2027, 2, 1, 12, 0), tick=False)
    assert data_warning(data_until_2026) == "expired"

    page = as_user(staff.head)
    html = page.get(reverse("sla:calendars")).content.decode()
    assert "Labour Code art. 112 rules are used: transfers by decree are missing" in html
    calendar_html = page.get(reverse("sla:calendar", args=[data_until_2026.pk])).content.decode()
    assert calendar_html.count("Labour Code art. 112 rules are used") == 1  # no banner twice
    assert "Import a production calendar (CSV)" in calendar_html


def test_the_banner_is_only_for_staff_who_read_the_calendar(
    as_user, staff, data_until_2026, time_machine
):
    time_machine.move_to(msk(2027, 2, 1, 12, 0), tick=False)
    html = as_user(staff.dev).get(reverse("home")).content.decode()
    assert "Labour Code art. 112" not in html


def test_the_banner_rule_is_the_engines_rule(data_until_2026):
    end = dt.date(2026, 12, 31)
    for today in (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 2),
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 1),
    ):
        assert coverage_warning(end, today) == data_warning(data_until_2026, today), today
