"""Reads that the survey pages, the home page and the background tasks share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from soprovod.accounts.models import User
from soprovod.accounts.permissions import INTERNAL_SURVEY_ROLES
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.clients.models import Client, ClientStatus, Contact
from soprovod.clients.queries import reachable_contacts
from soprovod.surveys.models import DetractorTask, InternalSurveyTurn, NpsCampaign, SurveyLink

PAGE_SIZE = 50

# The relationship survey goes to current clients: not those still being set up, nor gone.
SURVEYED_STATUSES = (ClientStatus.ACTIVE, ClientStatus.AT_RISK)


def surveyable_contacts(*, segment: str = "") -> list[Contact]:
    """Contacts with an email of current clients (of ``segment`` when given), with their
    client; one query. Only contacts who may still be told about their company
    (`clients.queries.reachable_contacts`): a person whose login moved to another company is
    not asked about the old one."""
    contacts = (
        reachable_contacts()
        .filter(client__status__in=SURVEYED_STATUSES)
        .select_related("client")
        .order_by("client__name", "pk")
    )
    if segment:
        contacts = contacts.filter(client__segment=segment)
    return list(contacts)


def last_nps_sent(contacts=None) -> dict[int, dt.date]:
    """When each contact was last sent the NPS survey (their local date), by contact id;
    one grouped query."""
    rows = (
        SurveyLink.objects.filter(kind=SurveyLink.Kind.NPS, contact__isnull=False)
        .values("contact")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    return {row["contact"]: timezone.localdate(row["last"]) for row in rows}


def segments() -> list[str]:
    return list(
        Client.objects.exclude(segment="")
        .values_list("segment", flat=True)
        .distinct()
        .order_by("segment")
    )


def campaign_stats() -> dict:
    """Per campaign: links sent, answered, promoters and detractors (for the response rate
    and the campaign's NPS)."""
    answered = Q(links__used_at__isnull=False)
    return {
        "sent": Count("links", filter=Q(links__sent_at__isnull=False)),
        "invited": Count("links"),
        "answered": Count("links", filter=answered),
        "promoters": Count("links", filter=answered & Q(links__response__score__gte=9)),
        "detractors": Count("links", filter=answered & Q(links__response__score__lte=6)),
    }


def campaign_list() -> QuerySet[NpsCampaign]:
    return (
        NpsCampaign.objects.annotate(**campaign_stats())
        .select_related("started_by")
        .order_by("-started_at", "-id")
    )


def campaign_links(campaign: NpsCampaign) -> QuerySet[SurveyLink]:
    return campaign.links.select_related("client", "contact", "response").order_by(
        "client__name", "contact__full_name", "pk"
    )


def nps_score(promoters: int, detractors: int, answers: int) -> float | None:
    """kpi.md «nps»: 100 × (promoters − detractors) ÷ responses (the KPI engine's rule, and
    a campaign's NPS)."""
    return 100 * (promoters - detractors) / answers if answers else None


def response_rate(answered: int, sent: int) -> float | None:
    return answered / sent if sent else None


def detractor_tasks(tasks: QuerySet[DetractorTask], *, status: str = "") -> QuerySet:
    if status:
        tasks = tasks.filter(status=status)
    return tasks.select_related("client", "assignee", "response__contact").order_by(
        "status", "due_at", "pk"
    )


def open_tasks_of(user) -> QuerySet[DetractorTask]:
    """The open detractor tasks assigned to ``user`` (the success manager's home page)."""
    return detractor_tasks(
        DetractorTask.objects.filter(assignee=user), status=DetractorTask.Status.OPEN
    )


def internal_survey_audience() -> QuerySet[User]:
    """Who is asked the internal survey (`accounts.permissions.can_take_internal_survey`)."""
    return users_with_role(*INTERNAL_SURVEY_ROLES).exclude(role_rows__role=Role.HEAD)


def answered_internal_survey(user, today: dt.date | None = None) -> bool:
    month = (today or timezone.localdate()).replace(day=1)
    return InternalSurveyTurn.objects.filter(user=user, month=month).exists()
