"""Problems are the department's own work: the support department reads and works them
(the head, the managers, the engineers); the CEO reads the register in the reports; nobody
else sees them."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import can_work_tickets, is_signed_in, require
from soprovod.problems.models import Problem


def can_see_problems(user) -> bool:
    return is_signed_in(user) and can_work_tickets(user)


def problems_visible_to(user) -> QuerySet[Problem]:
    qs = Problem.objects.all()
    return qs if can_see_problems(user) else qs.none()


def get_problem_or_404(user, pk: int) -> Problem:
    problem = problems_visible_to(user).filter(pk=pk).first()
    require(problem is not None, hidden=True)
    return problem
