"""Quality review (issue 15): the weekly sample takes each rule's tickets and a repeatable
random draw, once; scores add up per agent and for the team on versioned rubrics; an agent
reads only their own reviews."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.lib.periods import Period
from soprovod.quality import actions, queries
from soprovod.quality.models import ReviewItem
from soprovod.sla.models import ClockStatus, SlaClock
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, TicketStatus, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db(transaction=False)
WEEK = dt.date(2026, 3, 2)  # a Monday


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def agents(staff):
    return staff.support, UserFactory(username="support2", roles=[Role.SUPPORT_MANAGER])


@pytest.fixture
def resolved(companies, agents):
    def make(day=3, agent=None, csat=None, reopened=False, breached=False, hour=12):
        ticket = ticket_actions.do_create_ticket(
            None,
            client=companies.a,
            contact=companies.contact_a,
            subject="Вопрос",
            body="Текст",
            type=TicketType.STANDARD,
            channel=Channel.PORTAL,
            category=CategoryFactory(name="Пропуска"),
            assignee=agent or agents[0],
            created_at=msk(2026, 3, day, 10, 0),
        )
        at = msk(2026, 3, day, hour, 0)
        ticket_actions.do_add_message(agents[0], ticket, "Ответ", at=at)
        ticket_actions.do_change_status(agents[0], ticket, TicketStatus.RESOLVED, at=at)
        if reopened:
            ticket_actions.do_change_status(agents[0], ticket, TicketStatus.OPEN, at=at)
            ticket_actions.do_change_status(agents[0], ticket, TicketStatus.RESOLVED, at=at)
        if breached:
            SlaClock.objects.filter(ticket=ticket, metric="resolution").update(
                status=ClockStatus.BREACHED
            )
        if csat is not None:
            ticket_actions.do_rate(None, ticket, csat, at=at)
        return ticket

    return make


def reasons(week, ticket):
    item = week.items.get(ticket=ticket)
    return {
        name for name in ("is_random", "low_rating", "breached", "reopened") if getattr(item, name)
    }


def test_each_rule_takes_its_tickets(resolved):
    actions.do_save_settings(None, reviewer=None, random_count=0)
    low = resolved(csat=3)
    fine = resolved(csat=4)
    breached = resolved(breached=True)
    reopened = resolved(reopened=True)
    next_week = resolved(day=9, csat=1)  # resolved the following Monday
    week = actions.do_build_week(WEEK)
    assert reasons(week, low) == {"low_rating"}
    assert reasons(week, breached) == {"breached"}
    assert reasons(week, reopened) == {"reopened"}
    taken = set(week.items.values_list("ticket_id", flat=True))
    assert fine.pk not in taken and next_week.pk not in taken


def test_random_tickets_are_drawn_once_and_repeatably(resolved):
    actions.do_save_settings(None, reviewer=None, random_count=2)
    plain = [resolved() for _ in range(5)]
    week = actions.do_build_week(WEEK)
    drawn = set(week.items.filter(is_random=True).values_list("ticket_id", flat=True))
    assert len(drawn) == 2 and drawn <= {t.pk for t in plain}
    # Built again (the job ran twice): nothing is added, nothing drawn again.
    actions.do_build_week(WEEK)
    assert week.items.count() == 2
    # The same week rebuilt from scratch draws the same tickets.
    week.delete()
    week = actions.do_build_week(WEEK)
    assert set(week.items.filter(is_random=True).values_list("ticket_id", flat=True)) == drawn
    # A rating that came late is taken on the next run.
    ticket_actions.do_rate(None, next(t for t in plain if t.pk not in drawn), 2)
    actions.do_build_week(WEEK)
    assert week.items.count() == 3 and week.items.filter(low_rating=True).count() == 1


def test_scores_per_agent_and_team_on_versioned_rubrics(resolved, agents, staff):
    actions.do_save_settings(None, reviewer=None, random_count=0)
    first, second = agents
    a = resolved(csat=2, agent=first)
    b = resolved(csat=1, agent=second)
    week = actions.do_build_week(WEEK)
    v1 = actions.do_save_rubric(staff.head, [("Верный ответ", "", 5), ("Тон", "", 5)])
    c1, c2 = v1.criteria.all()
    actions.do_score(staff.head, week.items.get(ticket=a), {c1.pk: 5, c2.pk: 3}, "Хорошо")
    v2 = actions.do_save_rubric(staff.head, [("Верный ответ", "", 10)])
    (d1,) = v2.criteria.all()
    actions.do_score(staff.head, week.items.get(ticket=b), {d1.pk: 4}, "Слабо")
    # The first review keeps its rubric (two criteria of v1).
    item = week.items.get(ticket=a)
    assert item.rubric == v1 and item.scores.count() == 2
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    scores = {s.agent_id: (s.reviews, s.score) for s in queries.agent_scores(period)}
    assert scores[first.pk] == (1, pytest.approx(8 / 10))
    assert scores[second.pk] == (1, pytest.approx(4 / 10))
    team = queries.team_score(period)
    assert team["reviews"] == 2 and team["score"] == pytest.approx(12 / 20)
    trend = queries.trend(dt.date(2026, 3, 31), months=2)
    assert trend["team"][dt.date(2026, 3, 1)] == pytest.approx(12 / 20)
    assert trend["agents"][first.pk][dt.date(2026, 3, 1)] == pytest.approx(0.8)


def test_a_score_outside_the_criterion_is_refused(resolved, staff):
    actions.do_save_settings(None, reviewer=None, random_count=0)
    week = actions.do_build_week(WEEK) if resolved(csat=1) else None
    rubric = actions.do_save_rubric(staff.head, [("Тон", "", 5)])
    (criterion,) = rubric.criteria.all()
    with pytest.raises(actions.QualityError):
        actions.do_score(staff.head, week.items.get(), {criterion.pk: 6})
    with pytest.raises(actions.QualityError):
        actions.do_score(staff.head, week.items.get(), {})


def test_agents_see_only_their_own_reviews(client, resolved, agents, staff, companies):
    actions.do_save_settings(None, reviewer=None, random_count=0)
    first, second = agents
    mine = resolved(csat=2, agent=first)
    theirs = resolved(csat=2, agent=second)
    week = actions.do_build_week(WEEK)
    rubric = actions.current_rubric(staff.head)
    full = {c.pk: 5 for c in rubric.criteria.all()}
    for ticket in (mine, theirs):
        actions.do_score(staff.head, week.items.get(ticket=ticket), full, "Комментарий")
    own = week.items.get(ticket=mine)
    other = week.items.get(ticket=theirs)
    client.force_login(first)
    assert client.get(f"/quality/reviews/{own.pk}/").status_code == 200
    assert client.get(f"/quality/reviews/{other.pk}/").status_code == 404
    assert client.get(f"/quality/weeks/{week.pk}/").status_code == 404
    assert client.post(f"/quality/reviews/{own.pk}/", {"comment": "x"}).status_code == 403
    assert client.get("/quality/rubric/").status_code == 403
    page = client.get("/quality/mine/").content.decode()
    assert f"#{mine.pk}" in page and f"#{theirs.pk}" not in page
    for outsider in (staff.sales, companies.client1):
        client.force_login(outsider)
        assert client.get("/quality/").status_code == 403
        assert client.get(f"/quality/reviews/{own.pk}/").status_code == 403


def test_the_head_names_a_reviewer_who_then_reviews(client, resolved, agents, staff):
    first, second = agents
    resolved(csat=1, agent=first)
    client.force_login(second)
    assert client.get("/quality/").status_code == 302  # to their own reviews
    actions.do_save_settings(staff.head, reviewer=second, random_count=0)
    assert client.get("/quality/").status_code == 200
    client.post("/quality/build/", {"week": WEEK.isoformat()})
    item = ReviewItem.objects.get()
    rubric = actions.current_rubric()
    data = {f"c{c.pk}": 4 for c in rubric.criteria.all()}
    response = client.post(f"/quality/reviews/{item.pk}/", {**data, "comment": "Ок"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.reviewed_by == second and item.comment == "Ок"
