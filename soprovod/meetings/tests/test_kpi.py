"""kpi.md «team.tasks_on_time»: action items due in the period done by their due date ÷
action items due in the period — on hand-made items closed on time, closed late, open past
their due date and open not yet due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from soprovod.kpi import engine
from soprovod.kpi.team import team_drilldown
from soprovod.lib.periods import Period
from soprovod.meetings import queries
from soprovod.meetings.models import MeetingKind
from soprovod.meetings.tests import factories as f
from soprovod.meetings.tests.conftest import msk

pytestmark = pytest.mark.django_db

OCTOBER = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
NOW = msk(2026, 10, 20, 12, 0)  # in the middle of October


@pytest.fixture
def items(staff):
    meeting = f.meeting(f.series(MeetingKind.TEAM), msk(2026, 10, 5, 10, 0))
    return {
        # Closed on its due date and before it: on time.
        "on_due_day": f.item(
            meeting, staff.support, dt.date(2026, 10, 9), closed_on=dt.date(2026, 10, 9)
        ),
        "early": f.item(meeting, staff.csm, dt.date(2026, 10, 16), closed_on=dt.date(2026, 10, 12)),
        # Closed the day after its due date: late.
        "closed_late": f.item(
            meeting, staff.csm, dt.date(2026, 10, 9), closed_on=dt.date(2026, 10, 10)
        ),
        # Open past its due date: late.
        "open_overdue": f.item(meeting, staff.engineer, dt.date(2026, 10, 14)),
        # Open, due later this month: not decided yet.
        "open_not_due": f.item(meeting, staff.support, dt.date(2026, 10, 27)),
        # Closed early, but due next month: another period's.
        "next_month": f.item(
            meeting, staff.support, dt.date(2026, 11, 3), closed_on=dt.date(2026, 10, 8)
        ),
        # Due last month, closed in this one: September's, late.
        "last_month": f.item(
            meeting, staff.support, dt.date(2026, 9, 30), closed_on=dt.date(2026, 10, 2)
        ),
    }


def test_value_in_a_running_month(items):
    value = queries.tasks_on_time(OCTOBER, NOW)
    # on time: on_due_day, early; counted: those two + closed_late + open_overdue.
    assert value == {"value": 0.5, "numerator": 2, "denominator": 4}


def test_a_finished_month_counts_every_item_due_in_it(items):
    """Once the month is over, every item due in it is decided: the formula as written."""
    value = queries.tasks_on_time(OCTOBER, msk(2026, 11, 2, 9, 0))
    assert value == {"value": 0.4, "numerator": 2, "denominator": 5}
    september = Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert queries.tasks_on_time(september, NOW) == {"value": 0.0, "numerator": 0, "denominator": 1}


def test_open_item_turns_late_the_day_after_its_due_date(staff):
    meeting = f.meeting(f.series(MeetingKind.TEAM), msk(2026, 10, 5, 10, 0))
    f.item(meeting, staff.support, dt.date(2026, 10, 14))
    on_due_day = queries.tasks_on_time(OCTOBER, msk(2026, 10, 14, 23, 30))
    assert on_due_day["denominator"] == 0 and on_due_day["value"] is None
    day_after = queries.tasks_on_time(OCTOBER, msk(2026, 10, 15, 0, 30))
    assert day_after == {"value": 0.0, "numerator": 0, "denominator": 1}


def test_the_kpi_document_has_the_value_and_its_records(items):
    document = engine.compute(OCTOBER, now=NOW)
    kpi = document.get("team.tasks_on_time")
    assert (kpi.value, kpi.numerator, kpi.denominator, kpi.met) == (0.5, 2, 4, False)
    assert kpi.title == "Задачи команды в срок"
    assert engine.drilldown_source("team.tasks_on_time").name == "meetings"
    late = team_drilldown(OCTOBER, "team.tasks_on_time", "late", NOW)
    assert {i.pk for i in late} == {items["closed_late"].pk, items["open_overdue"].pk}
    on_time = team_drilldown(OCTOBER, "team.tasks_on_time", "on_time", NOW)
    assert {i.pk for i in on_time} == {items["on_due_day"].pk, items["early"].pk}


def test_no_items_no_value(db):
    assert queries.tasks_on_time(OCTOBER, NOW)["value"] is None


def test_the_dashboard_shows_the_figure_and_its_records(client, staff, items, time_machine):
    time_machine.move_to(NOW, tick=False)
    client.force_login(staff.head)
    query = "?period=month&month=2026-10"
    dashboard = client.get(reverse("kpi:dashboard") + query).content.decode()
    assert "Задачи команды в срок" in dashboard
    page = client.get(
        reverse("kpi:drilldown", args=["team.tasks_on_time"]) + query + "&outcome=late"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-pk="{items["open_overdue"].pk}"' in text
    assert f'data-pk="{items["early"].pk}"' not in text
