"""Every write to requests to development: atomic, audited, notices queued on commit.

The agreement clock (kpi.md «dev_request.*»): submitting starts a round; development's
decision — accept with a planned release or date, or decline with a decision text — ends
it. A declined request may be submitted again: a new round, the earlier one kept.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for, users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.clients.models import Client
from soprovod.core.errors import StaleObjectError, StateConflict
from soprovod.core.notify import notify
from soprovod.devrequests import clock, escalations
from soprovod.devrequests.models import (
    FINAL_STATUSES,
    AgreementRound,
    DevRequest,
    DevRequestEscalation,
    RequestStatus,
    RoundNotice,
    RoundOutcome,
)
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Escalation, Ticket, TicketStatus

logger = logging.getLogger(__name__)

FIELDS = (
    "kind",
    "title",
    "description",
    "category",
    "status",
    "planned_release",
    "planned_on",
    "decision",
    "released_in",
    "merged_into",
)


class DevRequestError(ValidationError):
    """A change the request rules refuse; the message says why."""


class DevRequestStateError(StateConflict, DevRequestError):
    """Refused because of the request's status (already decided, closed, merged, not
    awaiting a decision): the API answers 409."""


def request_url(request_id: int) -> str:
    return reverse("devrequests:detail", args=[request_id])


def _lock(request: DevRequest, expected_version: int | None = None) -> DevRequest:
    current = DevRequest.objects.select_for_update().get(pk=request.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _save(request: DevRequest, *fields: str) -> None:
    request.version = F("version") + 1
    request.save(update_fields=[*fields, "version"])
    request.refresh_from_db()


def _require(request: DevRequest, *statuses: str) -> None:
    if request.status not in statuses:
        raise DevRequestStateError(
            _("Not possible while the request is «%(status)s».")
            % {"status": request.get_status_display()}
        )


def _running_round(request: DevRequest) -> AgreementRound | None:
    return (
        AgreementRound.objects.select_for_update()
        .filter(request=request, ended_at__isnull=True)
        .first()
    )


# ---- creating and linking ------------------------------------------------------------------


def _link(request: DevRequest, tickets: Iterable[Ticket], clients: Iterable[Client]) -> dict:
    """Link tickets and clients; a linked ticket's client is linked too, so the request's
    clients are every client it concerns. Returns the audit changes."""
    tickets = list(tickets)
    clients = {c.pk: c for c in clients}
    for ticket in tickets:
        if ticket.client_id is not None:
            clients.setdefault(ticket.client_id, ticket.client)
    new_tickets = [t for t in tickets if not request.tickets.filter(pk=t.pk).exists()]
    new_clients = [c for c in clients.values() if not request.clients.filter(pk=c.pk).exists()]
    request.tickets.add(*new_tickets)
    request.clients.add(*new_clients)
    changes = {}
    if new_tickets:
        changes["tickets"] = [None, ", ".join(f"#{t.pk}" for t in new_tickets)]
    if new_clients:
        changes["clients"] = [None, ", ".join(c.name for c in new_clients)]
    return changes


@transaction.atomic
def do_create_request(
    actor,
    *,
    kind: str,
    title: str,
    description: str = "",
    tickets: Iterable[Ticket] = (),
    clients: Iterable[Client] = (),
    category=None,
    submit: bool = True,
    at: dt.datetime | None = None,
) -> DevRequest:
    """A request on its own, from a ticket (linked, its category taken) or from a client
    page. ``submit`` (the default) sends it to development at once; else it is a draft."""
    tickets = list(tickets)
    if category is None and tickets:
        category = next((t.category for t in tickets if t.category_id), None)
    at = at or timezone.now()
    request = DevRequest(
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        category=category,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=at,
    )
    request.full_clean(exclude=["created_by", "merged_into", "category"])
    request.save()
    changes = diff({}, snapshot(request, FIELDS))
    changes.update(_link(request, tickets, clients))
    record(actor, request, AuditEvent.Action.CREATED, changes)
    if submit:
        return do_submit(actor, request, at=at)
    return request


@transaction.atomic
def do_link(
    actor,
    request: DevRequest,
    *,
    tickets: Iterable[Ticket] = (),
    clients: Iterable[Client] = (),
    expected_version: int | None = None,
) -> DevRequest:
    request = _lock(request, expected_version)
    if request.status == RequestStatus.MERGED:
        raise DevRequestStateError(_("The request was merged: link to the one it was merged into."))
    changes = _link(request, tickets, clients)
    if changes:
        _save(request)
        record(actor, request, AuditEvent.Action.UPDATED, changes)
    return request


@transaction.atomic
def do_vote(actor, request: DevRequest, *, reason: str = "") -> DevRequest:
    """One more voice for the request (another client or colleague asked for the same)."""
    request = _lock(request)
    if request.status in FINAL_STATUSES:
        raise DevRequestStateError(_("The request is closed."))
    before = request.votes
    request.votes = F("votes") + 1
    _save(request, "votes")
    record(
        actor, request, AuditEvent.Action.UPDATED, {"votes": [before, request.votes]}, reason=reason
    )
    return request


# ---- the agreement clock -------------------------------------------------------------------


@transaction.atomic
def do_submit(
    actor, request: DevRequest, *, at: dt.datetime | None = None, expected_version=None
) -> DevRequest:
    """Send the request to development: a new agreement round starts its clock."""
    request = _lock(request, expected_version)
    _require(request, RequestStatus.DRAFT, RequestStatus.DECLINED)
    at = at or timezone.now()
    calendar = clock.agreement_calendar()
    warn_at, due_at = clock.deadlines(calendar, at)
    number = request.rounds.count() + 1
    AgreementRound.objects.create(
        request=request,
        number=number,
        submitted_at=at,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        calendar=calendar,
        target_seconds=clock.agreement_seconds(),
        due_at=due_at,
        warn_at=warn_at,
    )
    before = request.status
    request.status = RequestStatus.SUBMITTED
    request.decision = ""
    _save(request, "status", "decision")
    record(
        actor,
        request,
        AuditEvent.Action.STATUS,
        {"status": [before, request.status], "round": [None, number]},
    )
    transaction.on_commit(lambda: _announce_submitted(request.pk))
    return request


def _announce_submitted(request_id: int) -> None:
    request = DevRequest.objects.get(pk=request_id)
    notify(
        users_with_role(Role.DEVELOPMENT),
        key=f"devrequest:{request.pk}:round:{request.rounds.count()}:submitted",
        text=_("New request to development DEV-%(number)s: %(title)s")
        % {"number": request.pk, "title": request.title},
        url=request_url(request.pk),
        email=False,
    )


def _end_round(actor, request: DevRequest, outcome: str, at: dt.datetime) -> AgreementRound:
    running = _running_round(request)
    if running is None:
        raise DevRequestStateError(_("The request is not awaiting a decision."))
    if at < running.submitted_at:
        raise DevRequestError(_("A decision cannot come before the request was submitted."))
    running.ended_at = at
    running.outcome = outcome
    running.decided_by = actor if getattr(actor, "pk", None) else None
    running.elapsed_seconds = clock.between(running.calendar, running.submitted_at, at)
    running.save(update_fields=["ended_at", "outcome", "decided_by", "elapsed_seconds"])
    return running


@transaction.atomic
def do_accept(
    actor,
    request: DevRequest,
    *,
    planned_release: str = "",
    planned_on: dt.date | None = None,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> DevRequest:
    """Development takes the request, saying when: a planned release, a date, or both.
    Ends the agreement clock."""
    request = _lock(request, expected_version)
    _require(request, RequestStatus.SUBMITTED)
    planned_release = planned_release.strip()
    if not planned_release and planned_on is None:
        raise DevRequestError(_("Give a planned release or a date."))
    before = snapshot(request, FIELDS)
    _end_round(actor, request, RoundOutcome.ACCEPTED, at or timezone.now())
    request.status = RequestStatus.ACCEPTED
    request.planned_release, request.planned_on = planned_release, planned_on
    _save(request, "status", "planned_release", "planned_on")
    record(actor, request, AuditEvent.Action.STATUS, diff(before, snapshot(request, FIELDS)))
    transaction.on_commit(lambda: _announce_decision(request.pk))
    return request


@transaction.atomic
def do_decline(
    actor,
    request: DevRequest,
    *,
    decision: str,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> DevRequest:
    """Development declines, saying why. Ends the agreement clock; support may add what is
    missing and submit again (a new round)."""
    request = _lock(request, expected_version)
    _require(request, RequestStatus.SUBMITTED)
    decision = decision.strip()
    if not decision:
        raise DevRequestError(_("Say why the request is declined."))
    before = snapshot(request, FIELDS)
    _end_round(actor, request, RoundOutcome.DECLINED, at or timezone.now())
    request.status, request.decision = RequestStatus.DECLINED, decision
    _save(request, "status", "decision")
    record(actor, request, AuditEvent.Action.STATUS, diff(before, snapshot(request, FIELDS)))
    transaction.on_commit(lambda: _announce_decision(request.pk))
    return request


def _announce_decision(request_id: int) -> None:
    request = DevRequest.objects.select_related("created_by").get(pk=request_id)
    notify(
        [request.created_by],
        key=f"devrequest:{request.pk}:{request.status}:{request.version}",
        text=_("DEV-%(number)s %(title)s: %(status)s")
        % {"number": request.pk, "title": request.title, "status": request.get_status_display()},
        url=request_url(request.pk),
        email=False,
    )


# ---- after the decision ----------------------------------------------------------------------


@transaction.atomic
def do_start(actor, request: DevRequest, *, expected_version: int | None = None) -> DevRequest:
    request = _lock(request, expected_version)
    _require(request, RequestStatus.ACCEPTED)
    request.status = RequestStatus.IN_PROGRESS
    _save(request, "status")
    record(
        actor,
        request,
        AuditEvent.Action.STATUS,
        {"status": [RequestStatus.ACCEPTED.label, request.get_status_display()]},
    )
    return request


@transaction.atomic
def do_wont_do(
    actor, request: DevRequest, *, decision: str, expected_version: int | None = None
) -> DevRequest:
    """An accepted request that will not be done after all, with the reason."""
    request = _lock(request, expected_version)
    _require(request, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)
    decision = decision.strip()
    if not decision:
        raise DevRequestError(_("Say why it will not be done."))
    before = snapshot(request, FIELDS)
    request.status, request.decision = RequestStatus.WONT_DO, decision
    _save(request, "status", "decision")
    record(actor, request, AuditEvent.Action.STATUS, diff(before, snapshot(request, FIELDS)))
    transaction.on_commit(lambda: _announce_decision(request.pk))
    return request


def _open_tickets(request: DevRequest) -> list[Ticket]:
    """Linked tickets that can still take a message (a closed ticket cannot)."""
    return list(
        request.tickets.exclude(status=TicketStatus.CLOSED).select_related("client").order_by("pk")
    )


@transaction.atomic
def do_release(
    actor,
    request: DevRequest,
    *,
    released_in: str = "",
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> DevRequest:
    """Released: every linked ticket that is not closed gets an internal note, and the
    success managers of the linked clients are told (after commit). Telling the clients
    themselves is support's choice: `do_tell_clients`."""
    request = _lock(request, expected_version)
    _require(request, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)
    at = at or timezone.now()
    before = snapshot(request, FIELDS)
    request.status = RequestStatus.RELEASED
    request.released_in = released_in.strip() or request.planned_release
    request.released_at = at
    _save(request, "status", "released_in", "released_at")
    note = _("Development released DEV-%(number)s «%(title)s»%(release)s.") % {
        "number": request.pk,
        "title": request.title,
        "release": f" ({request.released_in})" if request.released_in else "",
    }
    for ticket in _open_tickets(request):
        ticket_actions.do_add_message(
            actor, ticket, note, internal=True, from_staff=True, is_automatic=True, at=at
        )
    record(actor, request, AuditEvent.Action.STATUS, diff(before, snapshot(request, FIELDS)))
    transaction.on_commit(lambda: _announce_release(request.pk))
    return request


def _announce_release(request_id: int) -> None:
    request = DevRequest.objects.get(pk=request_id)
    managers = [
        client.success_manager
        for client in request.clients.select_related("success_manager")
        if client.success_manager is not None
    ]
    notify(
        managers,
        key=f"devrequest:{request.pk}:released",
        text=_("Released: DEV-%(number)s %(title)s — tell your clients who asked for it")
        % {"number": request.pk, "title": request.title},
        url=request_url(request.pk),
    )


@transaction.atomic
def do_tell_clients(actor, request: DevRequest) -> int:
    """Tell the clients of a released request by email: a public reply from the template
    `devrequests/email/released.txt` on each linked ticket that is not closed, sent by the
    tickets' outgoing mail (threaded with the ticket). Once per request. Returns how many
    tickets were answered."""
    request = _lock(request)
    _require(request, RequestStatus.RELEASED)
    if request.clients_told_at is not None:
        raise DevRequestStateError(_("The clients were already told."))
    told = 0
    for ticket in _open_tickets(request):
        body = render_to_string(
            "devrequests/email/released.txt", {"request": request, "ticket": ticket}
        ).strip()
        ticket_actions.do_add_message(actor, ticket, body, internal=False, from_staff=True)
        told += 1
    request.clients_told_at = timezone.now()
    _save(request, "clients_told_at")
    record(actor, request, AuditEvent.Action.OTHER, {"clients told": [None, told]})
    return told


# ---- duplicates ------------------------------------------------------------------------------


@transaction.atomic
def do_merge(
    actor,
    duplicate: DevRequest,
    survivor: DevRequest,
    *,
    reason: str = "",
    at: dt.datetime | None = None,
) -> DevRequest:
    """Merge ``duplicate`` into ``survivor``: its tickets, clients and votes carry over, it
    points at the survivor and is finished. A clock still running on the duplicate ends
    without a decision (withdrawn). Returns the survivor."""
    if duplicate.pk == survivor.pk:
        raise DevRequestError(_("A request cannot be merged into itself."))
    # Lock both in one order, so two merges the other way round cannot deadlock.
    locked = {
        r.pk: r
        for r in DevRequest.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, survivor.pk])
        .order_by("pk")
    }
    duplicate, survivor = locked[duplicate.pk], locked[survivor.pk]
    if duplicate.status in FINAL_STATUSES:
        raise DevRequestStateError(_("A finished request cannot be merged."))
    if survivor.status in FINAL_STATUSES:
        raise DevRequestStateError(_("Merge into a request that is still open."))
    now = at or timezone.now()
    running = _running_round(duplicate)
    if running is not None:
        running.ended_at, running.outcome = now, RoundOutcome.WITHDRAWN
        running.elapsed_seconds = clock.between(running.calendar, running.submitted_at, now)
        running.save(update_fields=["ended_at", "outcome", "elapsed_seconds"])
    changes = _link(survivor, duplicate.tickets.all(), duplicate.clients.all())
    votes_before = survivor.votes
    survivor.votes = F("votes") + duplicate.votes
    _save(survivor, "votes")
    changes["votes"] = [votes_before, survivor.votes]
    changes["merged"] = [None, f"DEV-{duplicate.pk}"]
    before = snapshot(duplicate, FIELDS)
    duplicate.status, duplicate.merged_into = RequestStatus.MERGED, survivor
    _save(duplicate, "status", "merged_into")
    record(
        actor,
        duplicate,
        AuditEvent.Action.STATUS,
        diff(before, snapshot(duplicate, FIELDS)),
        reason=reason,
    )
    record(actor, survivor, AuditEvent.Action.UPDATED, changes, reason=reason)
    return survivor


# ---- repairs (soprovod verify --fix) --------------------------------------------------------


@transaction.atomic
def do_repair_round(actor, current: AgreementRound, *, reason: str = "", **values) -> None:
    """Store a round's recomputed clock figures (``due_at``, ``warn_at``, ``elapsed_seconds``),
    audited on its request."""
    current = AgreementRound.objects.select_for_update().get(pk=current.pk)
    before = {name: getattr(current, name) for name in values}
    for name, value in values.items():
        setattr(current, name, value)
    current.save(update_fields=list(values))
    record(actor, current.request, AuditEvent.Action.OTHER, diff(before, values), reason=reason)


# ---- warnings and escalation (run by the task `devrequests.check_clocks`) ---------------------

WARNING = RoundNotice.Threshold.WARNING
BREACH = RoundNotice.Threshold.BREACH


@dataclass
class CheckResult:
    warnings: int = 0
    breaches: int = 0
    failed: int = 0


def _without_notice(rounds, threshold: str):
    return rounds.exclude(
        Exists(RoundNotice.objects.filter(round=OuterRef("pk"), threshold=threshold))
    )


def do_check_clocks(now: dt.datetime | None = None) -> CheckResult:
    """As the ticket SLA checker (tickets/sla_checker.py): at 80 % of a running round warn
    development and the request's author; at breach tell development and the head and
    escalate to the head. Each notice once (`RoundNotice`), each round in a transaction of
    its own; a round past due is not warned any more."""
    now = now or timezone.now()
    result = CheckResult()
    running = AgreementRound.objects.filter(ended_at__isnull=True)
    breaches = _without_notice(running.filter(due_at__lte=now), BREACH)
    warnings = _without_notice(
        _without_notice(running.filter(warn_at__lte=now, due_at__gt=now), WARNING), BREACH
    )
    todo = [(pk, BREACH) for pk in breaches.order_by("due_at", "pk").values_list("pk", flat=True)]
    todo += [(pk, WARNING) for pk in warnings.order_by("due_at", "pk").values_list("pk", flat=True)]
    with translation.override(settings.LANGUAGE_CODE):
        for round_id, threshold in todo:
            try:
                sent = _handle_round(round_id, threshold, now)
            except Exception:
                logger.exception("Dev request clock check failed for round %s", round_id)
                result.failed += 1
                continue
            if sent and threshold == WARNING:
                result.warnings += 1
            elif sent:
                result.breaches += 1
    return result


def _handle_round(round_id: int, threshold: str, now: dt.datetime) -> bool:
    with transaction.atomic():
        current = (
            AgreementRound.objects.select_for_update(of=("self",))
            .select_related("request", "request__created_by")
            .filter(pk=round_id)
            .first()
        )
        if current is None or current.ended_at is not None:
            return False
        if threshold == WARNING and not current.warn_at <= now < current.due_at:
            return False
        if threshold == BREACH and current.due_at > now:
            return False
        try:
            with transaction.atomic():
                RoundNotice.objects.create(round=current, threshold=threshold, created_at=now)
        except IntegrityError:
            return False  # another run got there first
        request = current.request
        details = {
            "number": request.pk,
            "title": request.title,
            "due": timezone.localtime(current.due_at).strftime("%d.%m.%Y %H:%M"),
        }
        key = f"devrequest-round:{current.pk}:{threshold}"
        developers = list(users_with_role(Role.DEVELOPMENT))
        if threshold == WARNING:
            notify(
                [*developers, request.created_by],
                key=key,
                text=_("Decision due %(due)s on DEV-%(number)s: %(title)s") % details,
                url=request_url(request.pk),
            )
            return True
        reason = _("Development has not decided on DEV-%(number)s «%(title)s», due %(due)s.") % (
            details
        )
        notify(
            [*developers, *acting_for(Role.HEAD, now)],
            key=key,
            text=reason,
            url=request_url(request.pk),
        )
        first_ticket = request.tickets.order_by("pk").first()
        first_client = request.clients.order_by("pk").values_list("pk", flat=True).first()
        escalation = ticket_actions.do_auto_escalate(
            first_ticket,
            level=Escalation.Level.HEAD,
            source=Escalation.Source.SLA_BREACH,
            reason=reason,
            key=f"devrequest-round:{current.pk}:head",
            at=now,
            client_id=first_client,
            subject=escalations.SUBJECT,
        )
        if escalation is not None:
            DevRequestEscalation.objects.create(escalation=escalation, request=request)
            record(
                None,
                request,
                AuditEvent.Action.OTHER,
                {"escalation": [None, Escalation.Level.HEAD.label]},
                reason=reason,
            )
        return True
