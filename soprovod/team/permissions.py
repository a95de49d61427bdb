"""Whose team records a user may see (issue 12): the head sees the whole department and
manages it; every other member of the department sees only their own roles, absences and
training; nobody else sees any (403 on the section, 404 on another person)."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.models import User
from soprovod.accounts.permissions import can_manage_team, can_see_team, require
from soprovod.team.queries import team_members


def people_visible_to(user) -> QuerySet[User]:
    if can_manage_team(user):
        return team_members()
    if can_see_team(user):
        return team_members().filter(pk=user.pk)
    return User.objects.none()


def get_person_or_404(user, pk: int) -> User:
    require(can_see_team(user))
    person = people_visible_to(user).filter(pk=pk).first()
    if person is None and can_manage_team(user):
        # The head also opens a colleague outside the department (to give a first role).
        person = User.objects.filter(pk=pk, is_active=True).first()
        if person is not None and person.is_client_contact:
            person = None
    require(person is not None, hidden=True)
    return person
