"""Reads of people that every app shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q, QuerySet
from django.utils import timezone

from soprovod.accounts.models import Absence, User


def users_with_role(*roles: str | Iterable[str], include: int | None = None) -> QuerySet[User]:
    """Active users holding any of ``roles``, by name (each once). ``include`` adds one user
    whatever their roles, e.g. a client's current manager who has since lost the role, so an
    unchanged form still validates."""
    codes = {str(code) for role in roles for code in ([role] if isinstance(role, str) else role)}
    condition = Q(is_active=True, role_rows__role__in=codes)
    if include:
        condition |= Q(pk=include)
    return User.objects.filter(condition).distinct().order_by("last_name", "first_name", "pk")


# ---- absences and deputies (замещение) ---------------------------------------------------


def _day(at: dt.datetime | dt.date | None) -> dt.date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, dt.datetime):
        return timezone.localdate(at)
    return at


def absences_on(at: dt.datetime | dt.date | None = None) -> QuerySet[Absence]:
    """The absences running on the department's day of ``at`` (today by default)."""
    day = _day(at)
    return Absence.objects.filter(cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


def _stand_ins(people: list[User], at, *, route: bool) -> list[User]:
    """``people`` with each absent one replaced by whoever stands in for them (the deputy,
    or with ``route`` the colleague their work is routed to first); someone away with
    nobody named stays, as does a stand-in who is away too (nobody better to tell)."""
    if not people:
        return []
    rows = (
        absences_on(at)
        .filter(person__in=[p.pk for p in people])
        .select_related("deputy", "route_to")
        .order_by("person_id", "-starts_on", "-pk")
    )
    away: dict[int, Absence] = {}
    for row in rows:
        away.setdefault(row.person_id, row)
    result: list[User] = []
    for person in people:
        absence = away.get(person.pk)
        stand_in = None
        if absence is not None:
            stand_in = (absence.route_to if route else None) or absence.deputy
        chosen = stand_in if stand_in is not None and stand_in.is_active else person
        if all(chosen.pk != other.pk for other in result):
            result.append(chosen)
    return result


def acting_for(role_or_user, at: dt.datetime | dt.date | None = None) -> list[User]:
    """Who acts for a role or a person at ``at`` (now by default): the one function that
    chooses the recipients of escalations and approvals.

    A role: its active holders, each one away replaced by their deputy for the period
    (the head's deputy receives the head's escalations and approvals while the head is
    away, and stops on the day after the absence ends). A person: themselves, or while
    away the colleague their work is routed to, else their deputy."""
    if isinstance(role_or_user, User):
        return _stand_ins([role_or_user], at, route=True)
    return _stand_ins(list(users_with_role(role_or_user)), at, route=False)


# Answers kept for one request (``request_memo``, opened by accounts.middleware): the menu
# and the page ask who stands in for whom several times, and each asking cost a query. Outside
# a request (tasks, commands, tests calling a function) nothing is kept, so nothing goes
# stale there; inside one, any write of an absence, a role or a user forgets everything kept
# (accounts.apps connects the signals), so a page that records an absence shows it at once.
# Nothing is kept across requests or processes: an absence recorded on one app server shows
# on the next request to any other.
_request_memo: ContextVar[dict | None] = ContextVar("soprovod_accounts_memo", default=None)


@contextmanager
def request_memo() -> Iterator[None]:
    """Keep the answers of this module for the duration of the block (one request)."""
    token = _request_memo.set({})
    try:
        yield
    finally:
        _request_memo.reset(token)


def forget_request_memo(*_args, **_kwargs) -> None:
    """Drop what the current request kept (a signal receiver: any arguments)."""
    memo = _request_memo.get()
    if memo is not None:
        memo.clear()


def roles_deputised(user: User, at: dt.datetime | dt.date | None = None) -> set[str]:
    """The roles ``user`` stands in for at ``at``: those of the active people away that day
    who named them deputy (one query, once per request and day; ``acting_for`` by role
    agrees with it)."""
    if not getattr(user, "pk", None) or not user.is_active:
        return set()
    memo = _request_memo.get()
    key = ("roles_deputised", user.pk, _day(at))
    if memo is not None and key in memo:
        return set(memo[key])
    roles = frozenset(
        absences_on(at)
        .filter(deputy=user, person__is_active=True)
        .values_list("person__role_rows__role", flat=True)
        .exclude(person__role_rows__role=None)
    )
    if memo is not None:
        memo[key] = roles
    return set(roles)


def acts_for_role(user: User, role: str, at: dt.datetime | dt.date | None = None) -> bool:
    """Whether ``user`` receives what is addressed to ``role`` at ``at``: they hold it, or
    stand in for someone away who does."""
    return user.has_role(role) or role in roles_deputised(user, at)
