"""Problems (issue 15): the repeat count before and after the fix over equal windows, on
hand-made data; candidates from the repeat analysis; closing when the repeats stop."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.problems import actions, queries
from soprovod.problems.models import Problem
from soprovod.tickets.models import Ticket
from soprovod.tickets.tests.factories import CategoryFactory, TicketFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db(transaction=False)
FIX = dt.datetime(2026, 6, 1, 9, 0, tzinfo=MSK)


def days(n):
    return FIX + dt.timedelta(days=n)


@pytest.fixture
def barriers(companies):
    category = CategoryFactory(name="Шлагбаумы")
    other = CategoryFactory(name="Пропуска")

    def ticket(day, client=None, cat=None, subject="Шлагбаум не открывается", repeat=True):
        return TicketFactory(
            client=client or companies.a,
            category=cat or category,
            subject=subject,
            created_at=days(day),
            is_repeat=repeat,
        )

    return category, other, ticket


def test_repeats_before_and_after_the_fix_in_equal_windows(barriers, companies, staff):
    category, other, ticket = barriers
    # Before the fix, inside 30 days: 4 of the problem's tickets.
    for day in (-29, -20, -10, -1):
        ticket(day)
    ticket(-45)  # before the window
    ticket(-5, client=companies.b)  # another client
    ticket(-5, cat=other)  # another category
    # After the fix: 1 inside the window, 1 beyond it.
    ticket(3)
    ticket(40)
    problem = actions.do_create_problem(
        staff.head, title="Шлагбаум", client=companies.a, category=category, window_days=30
    )
    problem = actions.do_record_fix(
        staff.head,
        problem,
        fix_kind=Problem.FixKind.RULE_CHANGE,
        fix_description="Перепрошивка контроллеров при подключении",
        fixed_at=FIX,
    )
    effect = queries.effect(problem, now=days(60))
    assert (effect.days, effect.before, effect.after) == (30, 4, 1)
    assert effect.change == pytest.approx(-0.75)
    # Ten days after the fix, both windows are ten days long.
    early = queries.effect(problem, now=days(10))
    assert (early.days, early.before, early.after) == (10, 2, 1)


def test_words_and_linked_tickets_count_too(barriers, companies, staff):
    category, other, ticket = barriers
    ticket(-3, client=companies.b, cat=other, subject="Не приходит SMS с кодом")
    ticket(-2, client=companies.a, cat=other, subject="Код SMS не приходит")
    ticket(-1, subject="Шлагбаум")
    linked = ticket(-4, subject="Звонок: ничего не работает")
    problem = actions.do_create_problem(staff.head, title="SMS", words="sms приходит")
    actions.do_link_tickets(staff.head, problem, [linked])
    assert set(queries.repeats(problem).values_list("subject", flat=True)) == {
        "Не приходит SMS с кодом",
        "Код SMS не приходит",
        "Звонок: ничего не работает",
    }


def test_the_repeat_analysis_suggests_candidates(barriers, companies, staff):
    category, other, ticket = barriers
    now = days(0)
    for day in (-10, -5, -2):
        ticket(day)
    ticket(-3, client=companies.b, repeat=False, subject="Шлагбаум не открывается")
    by_client = list(queries.candidates_by_client(now))
    assert [(c["client_id"], c["category_id"], c["repeats"]) for c in by_client] == [
        (companies.a.pk, category.pk, 3)
    ]
    words = list(queries.candidates_by_words(now))
    # (SQLite lowers ASCII letters only; PostgreSQL every letter.)
    assert words[0]["words"].lower() == "шлагбаум не открывается" and words[0]["clients"] == 2
    # Once a problem covers that client and category, it is no longer suggested.
    actions.do_create_problem(staff.head, title="x", client=companies.a, category=category)
    assert list(queries.candidates_by_client(now)) == []


def test_closed_only_when_the_repeats_stop(barriers, companies, staff):
    category, other, ticket = barriers
    problem = actions.do_create_problem(
        staff.head, title="Шлагбаум", client=companies.a, category=category
    )
    with pytest.raises(actions.ProblemError):
        actions.do_close_problem(staff.head, problem, now=days(1))  # no fix yet
    problem = actions.do_record_fix(
        staff.head, problem, fix_kind=Problem.FixKind.TRAINING, fix_description="Обучение",
        fixed_at=FIX,
    )  # fmt: skip
    ticket(35)
    with pytest.raises(actions.ProblemError, match="не прекратились"):
        actions.do_close_problem(staff.head, problem, now=days(40))
    problem = actions.do_close_problem(staff.head, problem, now=days(70))
    assert problem.status == Problem.Status.CLOSED


def test_a_dev_request_fix_needs_the_request(companies, staff):
    problem = actions.do_create_problem(staff.head, title="x")
    with pytest.raises(actions.ProblemError):
        actions.do_record_fix(staff.head, problem, fix_kind=Problem.FixKind.DEV_REQUEST)


def test_pages_and_denials(client, barriers, companies, staff):
    category, other, ticket = barriers
    ticket(-1)
    client.force_login(staff.support)
    response = client.post(
        "/problems/new/",
        {"title": "Шлагбаум", "client": companies.a.pk, "category": category.pk, "window_days": 90},
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and problem.links.count() == 1
    assert client.get(f"/problems/{problem.pk}/").status_code == 200
    assert client.get("/problems/").status_code == 200
    assert client.get("/problems/register/").status_code == 200
    for outsider in (staff.sales, staff.dev, companies.client1):
        client.force_login(outsider)
        assert client.get("/problems/").status_code == 403
        assert client.get(f"/problems/{problem.pk}/").status_code == 404
        assert client.post(f"/problems/{problem.pk}/close/").status_code == 404
    assert Ticket.objects.count() == 1
