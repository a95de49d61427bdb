"""Reads of problems: which tickets are a problem's repeats, their count before and after
the fix over equal windows (one aggregate in the database), the candidates the repeat
analysis suggests, and the improvement register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from soprovod.incidents.models import Incident
from soprovod.problems.models import Problem, ProblemTicket
from soprovod.tickets.models import Ticket


def signature(problem: Problem) -> Q:
    """The problem's repeats: tickets linked to it, and tickets that match every field of
    its signature given (client, category, words in the subject). A problem with no
    signature has only its linked tickets."""
    linked = Q(pk__in=ProblemTicket.objects.filter(problem=problem).values("ticket_id"))
    parts = Q()
    given = False
    if problem.client_id:
        parts &= Q(client_id=problem.client_id)
        given = True
    if problem.category_id:
        parts &= Q(category_id=problem.category_id)
        given = True
    if problem.words.strip():
        for word in problem.words.split():
            parts &= Q(subject__icontains=word)
        given = True
    return (linked | parts) if given else linked


def repeats(problem: Problem) -> QuerySet[Ticket]:
    return Ticket.objects.filter(signature(problem), merged_into__isnull=True)


@dataclass
class Effect:
    """Repeats in equal windows before and after the fix (sla-free, calendar days)."""

    days: int
    before: int
    after: int
    before_from: dt.datetime | None = None
    after_to: dt.datetime | None = None

    @property
    def change(self) -> float | None:
        return (self.after - self.before) / self.before if self.before else None


def window_days(problem: Problem, now: dt.datetime) -> int:
    """The comparison window: the problem's window, or the whole time since the fix when
    that is shorter — so both sides always cover the same number of days."""
    if problem.fixed_at is None:
        return 0
    since = (now - problem.fixed_at).days
    return max(0, min(problem.window_days, since))


def effect(problem: Problem, now: dt.datetime) -> Effect | None:
    """The repeat count in the ``days`` before the fix and the ``days`` after it, counted in
    the database in one query; None before a fix."""
    if problem.fixed_at is None:
        return None
    days = window_days(problem, now)
    fixed = problem.fixed_at
    start, end = fixed - dt.timedelta(days=days), fixed + dt.timedelta(days=days)
    row = repeats(problem).aggregate(
        before=Count("pk", filter=Q(created_at__gte=start, created_at__lt=fixed)),
        after=Count("pk", filter=Q(created_at__gte=fixed, created_at__lt=end)),
    )
    return Effect(days, row["before"], row["after"], start, end)


def repeats_since(problem: Problem, since: dt.datetime) -> int:
    return repeats(problem).filter(created_at__gte=since).count()


def register(now: dt.datetime, *, created_from=None, created_to=None) -> list[tuple]:
    """The improvement register: every problem with its fix and effect."""
    qs = Problem.objects.select_related("owner", "fix_dev_request").annotate(tickets=Count("links"))
    if created_from is not None:
        qs = qs.filter(Q(fixed_at__isnull=True) | Q(fixed_at__gte=created_from))
    if created_to is not None:
        qs = qs.filter(created_at__lt=created_to)
    return [(problem, effect(problem, now)) for problem in qs.order_by("-created_at")]


# ---- the repeat analysis: candidates -----------------------------------------------------


def _recent(now: dt.datetime, days: int) -> QuerySet[Ticket]:
    return Ticket.objects.filter(
        created_at__gte=now - dt.timedelta(days=days), merged_into__isnull=True
    )


def candidates_by_client(now: dt.datetime, days: int = 90, least: int = 2) -> QuerySet:
    """Repeats of one client and category (kpi.md «repeat_rate»'s rule) that no open or
    fixed problem of that client and category covers yet, most first."""
    covered = Problem.objects.filter(
        client_id=OuterRef("client_id"), category_id=OuterRef("category_id")
    ).exclude(status=Problem.Status.CLOSED)
    return (
        _recent(now, days)
        .filter(is_repeat=True, client__isnull=False, category__isnull=False)
        .values("client_id", "client__name", "category_id", "category__name")
        .annotate(repeats=Count("pk"), covered=Exists(covered))
        .filter(repeats__gte=least, covered=False)
        .order_by("-repeats", "client__name")
    )


def candidates_by_words(now: dt.datetime, days: int = 90, least: int = 3) -> QuerySet:
    """The same subject from several tickets (any clients), most first."""
    return (
        _recent(now, days)
        .annotate(words=Lower("subject"))
        .values("words")
        .annotate(tickets=Count("pk"), clients=Count("client", distinct=True))
        .filter(tickets__gte=least)
        .order_by("-tickets")
    )


def candidate_incidents(now: dt.datetime, days: int = 90) -> QuerySet[Incident]:
    """Mass incidents of the period: one cause behind many tickets."""
    return (
        Incident.objects.filter(started_at__gte=now - dt.timedelta(days=days))
        .annotate(tickets=Count("links"))
        .order_by("-started_at")
    )
