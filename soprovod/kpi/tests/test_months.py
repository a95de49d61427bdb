"""The stored month facts equal a live recomputation (soprovod.kpi.months).

A property test over random ticket histories: tickets created over three closed months and
the open one, with replies, waits for the client (pauses), resolutions, reopenings and
ratings; the closed months are stored; then more happens — late tickets and a late import
into closed months, replies, reopenings and ratings on old tickets — and time passes. At
every step the month layer (stored facts + live month) must give exactly what the engine
computes live from the tickets: the KPI document, every breakdown and the trends.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soprovod.core.verify import run_checks
from soprovod.kpi import actions as kpi_actions
from soprovod.kpi import months
from soprovod.kpi.breakdowns import GROUPINGS, TREND_KEYS, breakdown, trend
from soprovod.kpi.engine import compute
from soprovod.kpi.models import MonthBuild, MonthChange, MonthFact
from soprovod.kpi.verify import differences
from soprovod.lib.periods import calendar_month
from soprovod.tickets import actions, replay
from soprovod.tickets.actions import TicketError
from soprovod.tickets.models import Channel, Ticket, TicketStatus
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
MONTHS = [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)]
CLOSED = MONTHS[:3]
STORED_AT = dt.datetime(2026, 12, 10, 12, 0, tzinfo=MSK)
LATER = dt.datetime(2026, 12, 28, 15, 0, tzinfo=MSK)
TYPES = ("emergency", "standard", "consultation")
EXAMPLES = int(os.environ.get("SOPROVOD_MONTHS_EXAMPLES", "20"))


def close(a, b, path="") -> None:
    """``a == b``, floats to 1e-9 (an average is a numeric on PostgreSQL, a float here)."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), path
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            close(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def document(period, now, live):
    data = compute(period, now=now, live=live).as_json()
    data.pop("generated_at")
    return data


def rows(period, by, now, live):
    return [vars(row) for row in breakdown(period, by, now=now, live=live)]


def assert_layer_equals_live(now) -> None:
    for month in MONTHS:
        period = calendar_month(month)
        close(document(period, now, False), document(period, now, True), f"document {month}")
        for by in GROUPINGS:
            close(rows(period, by, now, False), rows(period, by, now, True), f"{by} {month}")
    keys = list(TREND_KEYS)
    close(
        trend(keys, MONTHS[-1], 4, now=now), trend(keys, MONTHS[-1], 4, now=now, live=True), "trend"
    )
    live = months.month_facts(MONTHS, now=now)
    layer = months.slices(MONTHS, now)
    close({m: _plain(layer[m]) for m in MONTHS}, {m: _plain(live[m]) for m in MONTHS}, "slices")


def _plain(per_dimension):
    return {
        dimension: {str(key): vars(figures) for key, figures in groups.items()}
        for dimension, groups in per_dimension.items()
    }


# ---- random histories --------------------------------------------------------------------------

creates = st.tuples(
    st.just("create"),
    st.integers(0, 3),  # month
    st.integers(1, 28),  # day
    st.integers(0, 23),  # hour
    st.sampled_from(TYPES),
    st.integers(0, 1),  # client
    st.integers(0, 2),  # assignee: none, support, engineer
    st.integers(0, 2),  # category: none, two
)
steps = st.tuples(
    st.sampled_from(["reply", "wait", "client_reply", "resolve", "reopen", "rate"]),
    st.integers(0, 40),  # which ticket (modulo how many there are)
    st.integers(1, 200),  # hours after the ticket's last event
    st.integers(1, 5),  # a rating
)
histories = st.lists(st.one_of(creates, steps, steps), min_size=1, max_size=18)
late = st.lists(
    st.one_of(
        creates,
        steps,
        st.tuples(st.just("import"), st.integers(0, 2), st.integers(1, 28), st.sampled_from(TYPES)),
    ),
    max_size=10,
)


class Department:
    def __init__(self, staff, companies, categories):
        self.staff, self.companies, self.categories = staff, companies, categories
        self.tickets: list[tuple[int, dt.datetime]] = []  # (pk, last event)

    def run(self, op, now_floor: dt.datetime, limit: dt.datetime) -> None:
        kind = op[0]
        if kind == "create":
            _, month, day, hour, type_, client, assignee, category = op
            created = dt.datetime.combine(MONTHS[month].replace(day=day), dt.time(hour), MSK)
            if created >= limit:
                return
            at = max(created, now_floor)
            with time_machine.travel(at, tick=False):
                ticket = actions.do_create_ticket(
                    None,
                    client=(self.companies.a, self.companies.b)[client],
                    subject="—",
                    body="—",
                    type=type_,
                    channel=Channel.PHONE,
                    category=(None, *self.categories)[category],
                    assignee=(None, self.staff.support, self.staff.engineer)[assignee],
                    created_at=created,
                )
            self.tickets.append((ticket.pk, at))
            return
        if kind == "import":
            _, month, day, type_ = op
            created = dt.datetime.combine(MONTHS[month].replace(day=day), dt.time(11), MSK)
            history = replay.History(
                subject="old desk",
                body="—",
                type=type_,
                created_at=created,
                client=self.companies.b,
                category=self.categories[0],
                assignee=self.staff.support,
                events=[
                    replay.reply(created + dt.timedelta(hours=3), self.staff.support, "ok"),
                    replay.change_status(
                        created + dt.timedelta(hours=30), TicketStatus.RESOLVED, self.staff.support
                    ),
                    replay.rate(created + dt.timedelta(hours=31), 2 + day % 4),
                ],
            )
            with time_machine.travel(now_floor, tick=False):
                (ticket,) = replay.replay([history], now=now_floor)
            self.tickets.append((ticket.pk, now_floor))
            return
        if not self.tickets:
            return
        kind, index, hours, score = op
        index %= len(self.tickets)
        pk, last = self.tickets[index]
        at = max(last + dt.timedelta(hours=hours), now_floor)
        if at >= limit:
            return
        ticket = Ticket.objects.get(pk=pk)
        support = self.staff.support
        try:
            with time_machine.travel(at, tick=False):
                if kind == "reply":
                    actions.do_add_message(support, ticket, "Ответ", at=at)
                elif kind == "client_reply":
                    actions.do_add_message(None, ticket, "Клиент", at=at, from_staff=False)
                elif kind == "wait":
                    actions.do_change_status(support, ticket, TicketStatus.WAITING_CLIENT, at=at)
                elif kind == "resolve":
                    actions.do_change_status(support, ticket, TicketStatus.RESOLVED, at=at)
                elif kind == "reopen":
                    actions.do_reopen(support, ticket, at=at, reason="снова")
                elif kind == "rate":
                    actions.do_rate(None, ticket, score, at=at)
        except (TicketError, ValidationError):
            return
        self.tickets[index] = (pk, at)


@pytest.fixture
def categories(db):
    return [CategoryFactory(name="Пропуска"), CategoryFactory(name="Шлагбаумы")]


def _clean() -> None:
    Ticket.objects.all().delete()
    for model in (MonthFact, MonthBuild, MonthChange):
        model.objects.all().delete()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=histories, after=late)
def test_stored_months_equal_a_live_recomputation(staff, companies, categories, before, after):
    _clean()
    department = Department(staff, companies, categories)
    start = dt.datetime(2026, 9, 1, tzinfo=MSK)
    for op in before:
        department.run(op, start, STORED_AT)
    with time_machine.travel(STORED_AT, tick=False):
        kpi_actions.do_store_months()
        assert months.stored_months(MONTHS) == {
            m for m in CLOSED if MonthBuild.objects.filter(month=m).exists()
        }
        assert_layer_equals_live(STORED_AT)
    # Late writes into closed months: each marks its month stale until it is stored again.
    for op in after:
        department.run(op, STORED_AT, LATER)
    with time_machine.travel(LATER, tick=False):
        assert_layer_equals_live(LATER)  # stale months are read live
        stale = set(MonthChange.objects.values_list("month", flat=True))
        assert not stale & months.stored_months(MONTHS)
        kpi_actions.do_store_months()
        assert not MonthChange.objects.exists()
        for month in months.stored_months(MONTHS):
            assert differences(month) == []
        assert_layer_equals_live(LATER)
        # Time passes with no write: running clocks breach, the stored facts still hold.
        assert_layer_equals_live(LATER + dt.timedelta(days=40))


# ---- staleness, the on-commit rebuild, verify -----------------------------------------------


def _story(staff, companies, categories):
    department = Department(staff, companies, categories)
    start = dt.datetime(2026, 10, 1, tzinfo=MSK)
    for op in [
        ("create", 1, 5, 10, "standard", 0, 1, 1),
        ("create", 1, 6, 11, "emergency", 1, 2, 2),
        ("reply", 0, 1, 1),
        ("resolve", 0, 5, 1),
        ("rate", 0, 1, 4),
        ("reply", 1, 1, 1),
    ]:
        department.run(op, start, STORED_AT)
    return department


def test_a_write_to_a_closed_month_makes_it_stale_until_stored_again(
    staff, companies, categories, django_capture_on_commit_callbacks
):
    department = _story(staff, companies, categories)
    october = dt.date(2026, 10, 1)
    with time_machine.travel(STORED_AT, tick=False):
        kpi_actions.do_store_months()
        assert october in months.stored_months([october])
        stored_before = months.stored_facts(october)
        assert stored_before["type"]["standard"].csat_n == 1
    # The rating moves: the October ticket is reopened in December.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        department.run(("reopen", 0, 1, 1), STORED_AT, LATER)
    assert MonthChange.objects.filter(month=october).exists()
    assert october not in months.stored_months([october])
    with time_machine.travel(LATER, tick=False):
        live = compute(calendar_month(october), now=LATER, live=True).get("csat")
        assert compute(calendar_month(october), now=LATER).get("csat").value == live.value
        # The rebuild queued on commit (kpi.store_month, eager in tests) stores it again.
        assert callbacks
        for callback in callbacks:
            callback()
        assert october in months.stored_months([october])
        assert months.stored_facts(october)["type"]["standard"].csat_n == 0


def test_verify_reports_a_stored_figure_that_differs_and_fix_rebuilds_it(
    staff, companies, categories
):
    _story(staff, companies, categories)
    october = dt.date(2026, 10, 1)
    with time_machine.travel(STORED_AT, tick=False):
        kpi_actions.do_store_months()
        found = []
        results = dict(run_checks(found.append, only={"kpi-months"}))
        assert results["kpi-months"].differences == 0 and not found
        MonthFact.objects.filter(month=october, dimension="type", key="standard").update(created=99)
        results = dict(run_checks(found.append, only={"kpi-months"}))
        assert results["kpi-months"].differences == 1
        assert found[0].field == "created" and found[0].stored == 99
        results = dict(run_checks(found.append, fix=True, only={"kpi-months"}))
        assert results["kpi-months"].fixed == 1
        assert differences(october) == []


def test_only_closed_months_are_stored(db):
    with time_machine.travel(STORED_AT, tick=False), pytest.raises(ValueError):
        kpi_actions.do_store_month(dt.date(2026, 12, 1))


def test_an_import_into_a_closed_month_marks_it(staff, companies, categories):
    department = Department(staff, companies, categories)
    with time_machine.travel(STORED_AT, tick=False):
        kpi_actions.do_store_months()  # nothing yet
    department.run(("import", 0, 15, "standard"), STORED_AT, LATER)
    assert set(MonthChange.objects.values_list("month", flat=True)) == {dt.date(2026, 9, 1)}
