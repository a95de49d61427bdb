"""Who sees and works mass incidents: whoever reads the whole queue sees them (the support
department and the CEO), the support department works them. A client contact never sees an
incident: they see the public updates as replies on their own company's ticket, nothing
of the other clients."""

from __future__ import annotations

from django.db.models import QuerySet

from soprovod.accounts.permissions import can_read_queue, can_work_tickets, require
from soprovod.incidents.models import Incident


def can_see_incidents(user) -> bool:
    return can_read_queue(user)


def can_work_incidents(user) -> bool:
    return can_work_tickets(user)


def incidents_visible_to(user) -> QuerySet[Incident]:
    qs = Incident.objects.all()
    return qs if can_see_incidents(user) else qs.none()


def get_incident_or_404(user, pk: int, *, for_work: bool = False) -> Incident:
    incident = incidents_visible_to(user).filter(pk=pk).first()
    require(incident is not None, hidden=True)
    require(not for_work or can_work_incidents(user))
    return incident
