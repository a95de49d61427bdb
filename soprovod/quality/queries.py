"""Reads of the quality review: the week's sample, an agent's reviews, and the scores per
agent and for the team with their trend (aggregated in the database). A score is the share
of the possible points: Σ scores ÷ Σ maximum scores of the criteria they were given on,
so reviews on rubrics of different versions add up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast, TruncMonth

from soprovod.accounts.models import User
from soprovod.lib.periods import Period, add_months, month_start
from soprovod.quality.models import ReviewItem, ReviewScore


def items_of_week(week) -> QuerySet[ReviewItem]:
    return (
        week.items.select_related("ticket", "ticket__client", "agent", "rubric")
        .annotate(points=Sum("scores__score"), possible=Sum("scores__criterion__max_score"))
        .order_by("reviewed_at", "ticket_id")
    )


def reviews_of(agent) -> QuerySet[ReviewItem]:
    """The agent's reviewed tickets, newest first, with their points."""
    return (
        ReviewItem.objects.filter(agent=agent, reviewed_at__isnull=False)
        .select_related("ticket", "week", "rubric")
        .annotate(points=Sum("scores__score"), possible=Sum("scores__criterion__max_score"))
        .order_by("-reviewed_at")
    )


def _scores_in(start: dt.date, end: dt.date) -> QuerySet[ReviewScore]:
    """Scores of reviews of the sample weeks starting in ``[start, end]``."""
    return ReviewScore.objects.filter(
        item__week__week_start__gte=start, item__week__week_start__lte=end
    )


SHARE = Cast(Sum("score"), FloatField()) / Cast(Sum("criterion__max_score"), FloatField())


@dataclass
class AgentScore:
    agent_id: int | None
    name: str
    reviews: int
    score: float | None


def agent_scores(period: Period) -> list[AgentScore]:
    """Per agent: reviews and the share of points, over the weeks starting in the period."""
    rows = (
        _scores_in(period.start, period.end)
        .values("item__agent", "item__agent__first_name", "item__agent__last_name")
        .annotate(reviews=Count("item", distinct=True), score=SHARE)
        .order_by("item__agent__last_name", "item__agent__first_name")
    )
    return [
        AgentScore(
            r["item__agent"],
            f"{r['item__agent__first_name']} {r['item__agent__last_name']}".strip() or "—",
            r["reviews"],
            r["score"],
        )
        for r in rows
    ]


def team_score(period: Period) -> dict:
    row = _scores_in(period.start, period.end).aggregate(
        reviews=Count("item", distinct=True),
        points=Sum("score"),
        possible=Sum("criterion__max_score"),
    )
    row["score"] = row["points"] / row["possible"] if row["possible"] else None
    return row


def trend(end: dt.date, months: int = 6) -> dict:
    """The team's and each agent's score per month (by the sample week's start), the
    ``months`` months ending with ``end``'s: {"months": [...], "team": {month: share},
    "agents": {agent_id: {month: share}}}."""
    first = add_months(month_start(end), -(months - 1))
    last_day = add_months(month_start(end), 1) - dt.timedelta(days=1)
    scores = _scores_in(first, last_day).annotate(month=TruncMonth("item__week__week_start"))
    team = {
        _day(r["month"]): r["score"]
        for r in scores.values("month").annotate(score=SHARE).order_by("month")
    }
    agents: dict = {}
    for r in scores.values("month", "item__agent").annotate(score=SHARE).order_by("month"):
        agents.setdefault(r["item__agent"], {})[_day(r["month"])] = r["score"]
    return {
        "months": [add_months(first, i) for i in range(months)],
        "team": team,
        "agents": agents,
    }


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def pending_count(week) -> int:
    return week.items.filter(reviewed_at__isnull=True).count()


def week_counts(weeks: QuerySet) -> QuerySet:
    return weeks.annotate(
        total=Count("items"),
        reviewed=Count("items", filter=Q(items__reviewed_at__isnull=False)),
        low=Count("items", filter=Q(items__low_rating=True)),
        breaches=Count("items", filter=Q(items__breached=True)),
        reopens=Count("items", filter=Q(items__reopened=True)),
        randoms=Count("items", filter=Q(items__is_random=True)),
    )


@dataclass
class TrendRow:
    name: str
    values: list  # share per month, None for a month without reviews
    reviews: int = 0


def trend_table(end: dt.date, months: int = 6) -> tuple[list[dt.date], list[TrendRow], TrendRow]:
    """The team page's and the report's table: each agent's score per month and the team's,
    the ``months`` months ending with ``end``'s month."""
    data = trend(end, months)
    month_list = data["months"]
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in data["agents"] if k])}
    rows = [
        TrendRow(names.get(agent, "—"), [values.get(m) for m in month_list])
        for agent, values in data["agents"].items()
    ]
    rows.sort(key=lambda r: r.name)
    team = TrendRow("", [data["team"].get(m) for m in month_list])
    return month_list, rows, team
