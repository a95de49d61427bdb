"""Every write to surveys: answers are added (never changed), each with its audit event;
one-time links (NPS invitations, the CSAT links of a resolution email) answer once and
expire; NPS campaigns, by hand or by the cadence; detractor tasks; the internal survey."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.clients.models import Client
from soprovod.core.errors import StaleObjectError
from soprovod.core.notify import notify
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import WorkCalendar
from soprovod.surveys import cadence, queries, tasks
from soprovod.surveys.models import (
    DetractorTask,
    InternalSurveyTurn,
    NpsCampaign,
    SurveyLink,
    SurveyResponse,
)
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets import mail as ticket_mail
from soprovod.tickets.models import Ticket, TicketMessage


@transaction.atomic
def do_add_nps_answers(
    actor, responses: list[SurveyResponse], *, filename: str = "", at: dt.datetime | None = None
) -> list[SurveyResponse]:
    """Store new answers (validated by the caller, e.g. `imports.import_nps`) in one insert,
    with one ``imported`` audit event each, naming the file they came from."""
    SurveyResponse.objects.bulk_create(responses)
    AuditEvent.objects.bulk_create(_audit(responses, actor, filename, at or timezone.now()))
    return responses


def _audit(responses: list[SurveyResponse], actor, filename: str, now: dt.datetime):
    content_type = ContentType.objects.get_for_model(SurveyResponse)
    for response in responses:
        yield AuditEvent(
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            action=AuditEvent.Action.IMPORTED,
            content_type=content_type,
            object_id=str(response.pk),
            object_repr=str(response)[:300],
            changes={
                "client": [None, str(response.client)],
                "answered_at": [None, response.answered_at.isoformat()],
                "score": [None, response.score],
                "comment": [None, response.comment],
            },
            reason=filename,
            parent_type=ContentType.objects.get_for_model(Client),
            parent_id=str(response.client_id),
        )


# ---- one-time links ------------------------------------------------------------------------

CSAT_LINK_DAYS = 14
NPS_LINK_DAYS = 30


class LinkProblem(Exception):
    """A survey link that cannot answer: ``state`` is ``unknown`` (no such link: mistyped or
    made up), ``expired``, ``used`` (answered already), or ``closed`` (the ticket can no
    longer be rated, or it was rated already); ``detail`` may say more."""

    def __init__(self, state: str, link: SurveyLink | None = None, detail: str = "") -> None:
        super().__init__(state)
        self.state = state
        self.link = link
        self.detail = detail


def new_token() -> str:
    """256 random bits, URL-safe: a link nobody can guess."""
    return secrets.token_urlsafe(32)


def link_problem(link: SurveyLink | None, now: dt.datetime) -> LinkProblem | None:
    """Why ``link`` cannot answer now, or None when it can."""
    if link is None:
        return LinkProblem("unknown")
    if link.used_at is not None:
        return LinkProblem("used", link)
    if now >= link.expires_at:
        return LinkProblem("expired", link)
    return None


_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def find_link(token: str, kind: str, *, lock: bool = False) -> SurveyLink | None:
    """The link of ``token`` (None for anything that is not one of our tokens, whatever
    characters a mangled URL carries)."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    links = SurveyLink.objects.select_related("client", "contact", "ticket")
    if lock:
        links = links.select_for_update(of=("self",))
    return links.filter(token=token, kind=kind).first()


def _open_link(token: str, kind: str, now: dt.datetime) -> SurveyLink:
    """The link of ``token``, locked for the answer; LinkProblem when it cannot answer."""
    link = find_link(token, kind, lock=True)
    problem = link_problem(link, now)
    if problem is not None:
        raise problem
    return link


def _ensure_link(key: str, **values) -> SurveyLink:
    """The link of ``key``, created once (its token stays the same when asked again)."""
    link = SurveyLink.objects.filter(key=key).first()
    if link is not None:
        return link
    try:
        with transaction.atomic():
            return SurveyLink.objects.create(key=key, token=new_token(), **values)
    except IntegrityError:  # built at the same moment by another worker
        return SurveyLink.objects.get(key=key)


# ---- CSAT by email ---------------------------------------------------------------------------


def csat_link_for(message: TicketMessage, now: dt.datetime | None = None) -> SurveyLink | None:
    """The CSAT link of a resolution notice (one per notice; None for other messages and
    tickets without a client)."""
    ticket = message.ticket
    if message.source != TicketMessage.Source.RESOLUTION or ticket.client_id is None:
        return None
    now = now or timezone.now()
    return _ensure_link(
        f"csat:{message.pk}",
        kind=SurveyLink.Kind.CSAT,
        client_id=ticket.client_id,
        contact_id=ticket.contact_id,
        ticket=ticket,
        email=ticket_mail.recipient_for(ticket),
        expires_at=now + dt.timedelta(days=CSAT_LINK_DAYS),
        sent_at=now,
    )


@transaction.atomic
def do_rate_by_link(token: str, score: int, *, now: dt.datetime | None = None) -> Ticket:
    """A client rates a resolved ticket 1–5 from the resolution email: once per link, and
    only a ticket not rated yet (through `tickets.actions.do_rate`, which keeps the rating
    rules). Raises LinkProblem."""
    now = now or timezone.now()
    if not 1 <= score <= 5:
        raise LinkProblem("unknown")
    link = _open_link(token, SurveyLink.Kind.CSAT, now)
    ticket = link.ticket
    if ticket is None or ticket.csat_score is not None:
        raise LinkProblem("closed", link)
    actor = link.contact.user if link.contact_id and link.contact.user_id else None
    try:
        ticket_actions.do_rate(actor, ticket, score, at=now)
    except ticket_actions.TicketError as error:
        raise LinkProblem("closed", link, str(error)) from None
    link.used_at = now
    link.save(update_fields=["used_at"])
    return ticket


# ---- NPS campaigns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignStart:
    campaign: NpsCampaign | None
    invited: int
    skipped: int  # asked within the last 90 days (cadence.may_survey)


def _invite(campaign: NpsCampaign, contacts, now: dt.datetime) -> int:
    links = [
        SurveyLink(
            kind=SurveyLink.Kind.NPS,
            token=new_token(),
            key=f"nps:{campaign.pk}:{contact.pk}",
            campaign=campaign,
            client_id=contact.client_id,
            contact=contact,
            email=contact.email,
            created_at=now,
            expires_at=now + dt.timedelta(days=NPS_LINK_DAYS),
        )
        for contact in contacts
    ]
    SurveyLink.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)
    campaign_id = campaign.pk
    transaction.on_commit(lambda: tasks.send_campaign.delay(campaign_id))
    return len(links)


@transaction.atomic
def do_start_campaign(
    actor, *, name: str, segment: str = "", now: dt.datetime | None = None
) -> CampaignStart:
    """The head starts an NPS campaign by hand for a segment (empty: every segment): every
    contact with an email of a current client (active or at risk) gets a one-time link,
    except those asked in the last 90 days (`cadence.may_survey`). Mailed after commit."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    eligible = queries.surveyable_contacts(segment=segment)
    last = queries.last_nps_sent(eligible)
    contacts = [c for c in eligible if cadence.may_survey(last.get(c.pk), today)]
    skipped = len(eligible) - len(contacts)
    if not contacts:
        return CampaignStart(None, 0, skipped)
    campaign = NpsCampaign.objects.create(
        name=name, kind=NpsCampaign.Kind.MANUAL, segment=segment, started_by=actor, started_at=now
    )
    invited = _invite(campaign, contacts, now)
    record(
        actor,
        campaign,
        AuditEvent.Action.CREATED,
        {"name": [None, name], "segment": [None, segment], "invited": [None, invited]},
    )
    return CampaignStart(campaign, invited, skipped)


@transaction.atomic
def do_send_due_surveys(now: dt.datetime | None = None) -> CampaignStart:
    """The regular cadence (a daily task): every contact due today (`cadence.is_due`) gets
    a link, in the day's campaign. Run again the same day, it finds nobody due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    eligible = queries.surveyable_contacts()
    last = queries.last_nps_sent(eligible)
    contacts = [
        c for c in eligible if cadence.is_due(last.get(c.pk), c.client.contract_start, today)
    ]
    if not contacts:
        return CampaignStart(None, 0, 0)
    campaign, _created = NpsCampaign.objects.get_or_create(
        key=f"periodic:{today.isoformat()}",
        defaults={
            "name": _("Regular NPS survey, %(day)s") % {"day": formats.date_format(today)},
            "kind": NpsCampaign.Kind.PERIODIC,
            "started_at": now,
        },
    )
    return CampaignStart(campaign, _invite(campaign, contacts, now), 0)


@transaction.atomic
def do_answer_nps(
    token: str, score: int, comment: str = "", *, now: dt.datetime | None = None
) -> SurveyResponse:
    """A contact answers the NPS survey from their link (0–10 and a comment), once. A
    detractor's answer (0–6) becomes a task for the client's success manager, due in 48
    business hours on the department's calendar. Raises LinkProblem."""
    now = now or timezone.now()
    link = _open_link(token, SurveyLink.Kind.NPS, now)
    if not 0 <= score <= 10:
        raise ValueError("NPS score out of range")
    response = SurveyResponse.objects.create(
        kind=SurveyResponse.Kind.NPS,
        client=link.client,
        contact=link.contact,
        score=score,
        comment=comment.strip()[:5000],
        answered_at=now,
    )
    link.used_at = now
    link.response = response
    link.save(update_fields=["used_at", "response"])
    record(
        None,
        response,
        AuditEvent.Action.CREATED,
        {"score": [None, score], "comment": [None, response.comment]},
        reason=str(link.contact or link.email),
        parent=link.client,
    )
    if score <= 6:
        _open_detractor_task(response, now)
    return response


DETRACTOR_TASK_HOURS = 48


def detractor_due(start: dt.datetime) -> dt.datetime:
    """48 business hours after ``start`` on the department's calendar (the default SLA
    calendar); 48 hours flat when no calendar is set up."""
    calendar = WorkCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        return start + dt.timedelta(hours=DETRACTOR_TASK_HOURS)
    return business_calendar(calendar).add(start, DETRACTOR_TASK_HOURS * 60)


def _open_detractor_task(response: SurveyResponse, now: dt.datetime) -> DetractorTask:
    client = response.client
    task = DetractorTask.objects.create(
        response=response,
        client=client,
        assignee=client.success_manager,
        created_at=now,
        due_at=detractor_due(now),
    )
    record(None, task, AuditEvent.Action.CREATED, {"due_at": [None, task.due_at]}, parent=client)
    task_id = task.pk
    transaction.on_commit(lambda: notify_detractor(task_id))
    return task


def notify_detractor(task_id: int) -> None:
    task = DetractorTask.objects.select_related("client", "response", "assignee").get(pk=task_id)
    recipients = [task.assignee] if task.assignee else list(users_with_role(Role.HEAD))
    notify(
        recipients,
        key=f"detractor:{task.pk}",
        text=_("NPS %(score)s from %(client)s: call the client by %(due)s")
        % {
            "score": task.response.score,
            "client": task.client,
            "due": formats.date_format(timezone.localtime(task.due_at), "d.m.Y H:i"),
        },
        url=reverse("surveys:task", args=[task.pk]),
    )


@transaction.atomic
def do_close_detractor_task(
    actor,
    task: DetractorTask,
    *,
    outcome: str,
    notes: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> DetractorTask:
    """Close the loop: the success manager records the outcome of the call and its notes."""
    current = DetractorTask.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    if current.status == DetractorTask.Status.CLOSED:
        raise DetractorTaskError(_("This task is closed already."))
    if outcome not in DetractorTask.Outcome.values:
        raise DetractorTaskError(_("Choose the outcome of the call."))
    if not notes.strip():
        raise DetractorTaskError(_("Write down what was said and agreed."))
    before = snapshot(current, TASK_FIELDS)
    current.status = DetractorTask.Status.CLOSED
    current.outcome = outcome
    current.notes = notes.strip()
    current.closed_at = now or timezone.now()
    current.closed_by = actor
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(
        actor,
        current,
        AuditEvent.Action.UPDATED,
        diff(before, snapshot(current, TASK_FIELDS)),
        parent=current.client,
    )
    return current


class DetractorTaskError(ValueError):
    """A change the task rules refuse; the message says why (shown to the user)."""


TASK_FIELDS = ("status", "outcome", "notes", "closed_at")


# ---- internal satisfaction -------------------------------------------------------------------


class InternalSurveyError(ValueError):
    """The internal survey refuses the answer; the message says why."""


@transaction.atomic
def do_answer_internal(
    user, score: int, comment: str = "", *, signed: bool = False, now: dt.datetime | None = None
) -> SurveyResponse:
    """A colleague from sales, development or support answers the monthly survey about
    working with the department (1–5 and a comment), once a month. The answer names nobody
    unless its author signs it; that the person answered is kept apart
    (`InternalSurveyTurn`), and the answer is stamped with its day only, so the two cannot
    be matched by the minute."""
    now = now or timezone.now()
    if not 1 <= score <= 5:
        raise InternalSurveyError(_("The score must be from 1 to 5."))
    today = timezone.localdate(now)
    month = today.replace(day=1)
    try:
        with transaction.atomic():
            InternalSurveyTurn.objects.create(user=user, month=month)
    except IntegrityError:
        raise InternalSurveyError(_("You have answered this month's survey already.")) from None
    day_start = timezone.make_aware(dt.datetime.combine(today, dt.time(0)))
    return SurveyResponse.objects.create(
        kind=SurveyResponse.Kind.INTERNAL,
        respondent=user if signed else None,
        score=score,
        comment=comment.strip()[:5000],
        answered_at=day_start,
    )


def remind_internal_survey(today: dt.date | None = None) -> int:
    """Monthly: ask everyone the survey is for (a notification once per person and month)."""
    today = today or timezone.localdate()
    return notify(
        queries.internal_survey_audience(),
        key=f"internal-survey:{today:%Y-%m}",
        text=_("A short monthly survey: how is working with the support department?"),
        url=reverse("surveys:internal"),
    )
