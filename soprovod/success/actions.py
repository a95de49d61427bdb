"""Every write of customer success: atomic, audited, notices queued on commit.

Claims (претензии): registering and editing one keeps its response deadline
(`deadlines.response_due`); the checker (`do_check_claim_deadlines`) warns 7 and 2 days
before it and escalates a missed one to the head and the CEO, each once per deadline.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.clients import actions as client_actions
from soprovod.clients.models import Client, ClientStatus, Contact, MrrReason
from soprovod.core.errors import StaleObjectError
from soprovod.core.notify import notify
from soprovod.success import deadlines
from soprovod.success.models import (
    DEFAULT_CLAIM_RESPONSE_DAYS,
    CallNote,
    ChurnCase,
    ChurnOutcome,
    ChurnReason,
    ChurnSource,
    ChurnTask,
    Claim,
    ClaimDirection,
    ClaimNotice,
    ClientProfile,
    NextStep,
)
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Escalation

logger = logging.getLogger(__name__)

CLAIM_FIELDS = (
    "number",
    "direction",
    "client",
    "counterparty_inn",
    "contract",
    "sent_on",
    "received_on",
    "channel",
    "delivery_proof",
    "delivery_proof_file",
    "basis",
    "principal_rub",
    "penalty_rub",
    "response_days",
    "response_due_on",
    "owner",
    "replied_on",
    "outcome",
    "amount_paid_rub",
    "court_case_number",
    "notes",
)
PROFILE_FIELDS = ("key_account", "claim_response_days")


# ---- the client's success profile ----------------------------------------------------------


def profile_of(client: Client) -> ClientProfile:
    """The client's profile, unsaved defaults when it has none yet."""
    return ClientProfile.objects.filter(client=client).first() or ClientProfile(client=client)


def claim_response_days(client: Client) -> int:
    """The claim response term of the client's contract, else the 30 days of the АПК."""
    days = (
        ClientProfile.objects.filter(client=client)
        .values_list("claim_response_days", flat=True)
        .first()
    )
    return days or DEFAULT_CLAIM_RESPONSE_DAYS


@transaction.atomic
def do_save_client_profile(
    actor, client: Client, *, expected_version: int | None = None, **values: Any
) -> ClientProfile:
    """Set the key-account flag and/or the contract's claim term; audited on the client."""
    profile, _created = ClientProfile.objects.select_for_update().get_or_create(client=client)
    if expected_version is not None and profile.version != expected_version:
        raise StaleObjectError(profile)
    before = snapshot(profile, PROFILE_FIELDS)
    for name, value in values.items():
        if name not in PROFILE_FIELDS:
            raise TypeError(name)
        setattr(profile, name, value)
    profile.full_clean()
    changes = diff(before, snapshot(profile, PROFILE_FIELDS))
    if not changes:
        return profile
    profile.version = F("version") + 1
    profile.save()
    profile.refresh_from_db()
    record(actor, profile, AuditEvent.Action.UPDATED, changes, parent=client)
    return profile


# ---- claims ----------------------------------------------------------------------------


class ClaimError(ValidationError):
    """A change the claim rules refuse; the message says why."""


def _check_claim(claim: Claim) -> None:
    if claim.sent_on and claim.received_on and claim.received_on < claim.sent_on:
        raise ClaimError(_("The claim was received before it was sent."))
    if claim.replied_on and claim.received_on and claim.replied_on < claim.received_on:
        raise ClaimError(_("The reply is dated before the claim was received."))
    if claim.amount_paid_rub is not None and claim.amount_paid_rub < 0:
        raise ClaimError(_("The amount paid cannot be negative."))


def _next_number(today: dt.date) -> str:
    """«П-2026-007»: the year's next number (a taken one is skipped)."""
    prefix = f"П-{today.year}-"
    count = Claim.objects.filter(number__startswith=prefix).count()
    while True:
        count += 1
        number = f"{prefix}{count:03d}"
        if not Claim.objects.filter(number=number).exists():
            return number


@transaction.atomic
def do_create_claim(actor, *, client: Client, **values: Any) -> Claim:
    """Register a claim. Blank number: the year's next; blank INN: the client's; no term
    given: the client's contract term (`claim_response_days`)."""
    claim = Claim(client=client, created_by=actor if getattr(actor, "pk", None) else None)
    for name, value in values.items():
        setattr(claim, name, value)
    if not claim.number:
        claim.number = _next_number(timezone.localdate())
    if not claim.counterparty_inn:
        claim.counterparty_inn = client.inn
    if "response_days" not in values or not values["response_days"]:
        claim.response_days = claim_response_days(client)
    claim.response_due_on = deadlines.response_due(claim.received_on, claim.response_days)
    _check_claim(claim)
    claim.full_clean()
    claim.save()
    record(
        actor,
        claim,
        AuditEvent.Action.CREATED,
        diff({}, snapshot(claim, CLAIM_FIELDS)),
        parent=client,
    )
    return claim


@transaction.atomic
def do_update_claim(
    actor, claim: Claim, *, expected_version: int | None = None, reason: str = "", **values: Any
) -> Claim:
    """Change a claim (its dates, amounts, reply, outcome…); the deadline follows."""
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    before = snapshot(current, CLAIM_FIELDS)
    for name, value in values.items():
        setattr(current, name, value)
    if not current.counterparty_inn:
        current.counterparty_inn = current.client.inn
    current.response_due_on = deadlines.response_due(current.received_on, current.response_days)
    _check_claim(current)
    current.full_clean()
    changes = diff(before, snapshot(current, CLAIM_FIELDS))
    if not changes:
        return current
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(actor, current, AuditEvent.Action.UPDATED, changes, reason=reason, parent=current.client)
    return current


@transaction.atomic
def do_repair_claim_deadline(actor, claim: Claim, *, reason: str) -> Claim:
    """Set the stored deadline to its recomputation (`soprovod verify --fix`)."""
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    expected = deadlines.response_due(current.received_on, current.response_days)
    if current.response_due_on == expected:
        return current
    record(
        actor,
        current,
        AuditEvent.Action.UPDATED,
        {"response_due_on": [_display_date(current.response_due_on), _display_date(expected)]},
        reason=reason,
        parent=current.client,
    )
    Claim.objects.filter(pk=current.pk).update(response_due_on=expected)
    current.response_due_on = expected
    return current


def _display_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class ClaimCheckResult:
    warnings: int = 0
    missed: int = 0
    failed: int = 0


def claim_url(pk: int) -> str:
    return reverse("success:claim", args=[pk])


def awaiting_our_reply():
    """Claims from clients that we have not answered and that have no outcome yet, with a
    known deadline: the ones the checker watches."""
    return Claim.objects.filter(
        direction=ClaimDirection.FROM_CLIENT,
        replied_on__isnull=True,
        outcome="",
        response_due_on__isnull=False,
    )


def do_check_claim_deadlines(today: dt.date | None = None) -> ClaimCheckResult:
    """Warn 7 and 2 days before an unanswered claim's deadline (its owner and the client's
    success manager) and, the day after it, tell the head and the CEO and escalate to both.
    Each notice once per claim and deadline (`ClaimNotice`); each claim in a transaction of
    its own, so one failure does not stop the others."""
    today = today or timezone.localdate()
    result = ClaimCheckResult()
    watched = (
        awaiting_our_reply()
        .filter(response_due_on__lte=today + dt.timedelta(days=7))
        .order_by("response_due_on", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        for claim_id in watched.values_list("pk", flat=True):
            try:
                kind = _check_claim_deadline(claim_id, today)
            except Exception:
                logger.exception("Claim deadline check failed for claim %s", claim_id)
                result.failed += 1
                continue
            if kind == deadlines.MISSED:
                result.missed += 1
            elif kind:
                result.warnings += 1
    return result


def _check_claim_deadline(claim_id: int, today: dt.date) -> str | None:
    with transaction.atomic():
        claim = (
            awaiting_our_reply()
            .select_for_update(of=("self",))
            .select_related("client", "client__success_manager", "owner")
            .filter(pk=claim_id)
            .first()
        )
        if claim is None:
            return None
        kind = deadlines.notice_due(claim.response_due_on, today)
        if kind is None:
            return None
        try:
            with transaction.atomic():
                ClaimNotice.objects.create(claim=claim, kind=kind, due_on=claim.response_due_on)
        except IntegrityError:
            return None  # sent before (or by a run alongside)
        details = {
            "number": claim.number,
            "client": claim.client.name,
            "due": claim.response_due_on.strftime("%d.%m.%Y"),
            "days": deadlines.days_left(claim.response_due_on, today),
        }
        key = f"claim:{claim.pk}:{claim.response_due_on.isoformat()}:{kind}"
        managers = [claim.owner, claim.client.success_manager]
        if kind != deadlines.MISSED:
            notify(
                managers,
                key=key,
                text=_(
                    "Claim %(number)s from %(client)s must be answered by %(due)s "
                    "(%(days)s days left)."
                )
                % details,
                url=claim_url(claim.pk),
            )
            return kind
        reason = (
            _(
                "The reply to claim %(number)s from %(client)s was due %(due)s and has not been "
                "sent."
            )
            % details
        )
        notify(
            [*managers, *acting_for(Role.HEAD), *acting_for(Role.CEO)],
            key=key,
            text=reason,
            url=claim_url(claim.pk),
        )
        now = timezone.now()
        for level in (Escalation.Level.HEAD, Escalation.Level.CEO):
            ticket_actions.do_auto_escalate(
                None,
                level=level,
                source=Escalation.Source.SLA_BREACH,
                reason=reason,
                key=f"claim:{claim.pk}:{claim.response_due_on.isoformat()}:{level}",
                at=now,
                client_id=claim.client_id,
            )
        record(
            None,
            claim,
            AuditEvent.Action.OTHER,
            {"escalation": [None, _("Head of support and CEO")]},
            reason=reason,
            parent=claim.client,
        )
        return kind


# ---- churn cases -------------------------------------------------------------------------

CASE_FIELDS = ("source", "reason", "details", "owner", "outcome", "outcome_on", "outcome_notes")


class ChurnCaseError(ValidationError):
    """A change the churn-case rules refuse; the message says why."""


def do_open_churn_case(
    client: Client,
    *,
    source: str = ChurnSource.MANUAL,
    actor=None,
    reason: ChurnReason | None = None,
    details: str = "",
    owner=None,
) -> ChurnCase:
    """Open a churn case for ``client``, or return its open one (one per client: the health
    app calls this on every drop into red). An active client becomes «at risk» from today
    in its dated status history."""
    if source not in ChurnSource.values:
        raise ValueError(source)
    existing = ChurnCase.objects.filter(client=client, outcome="").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            case = ChurnCase.objects.create(
                client=client,
                source=source,
                reason=reason,
                details=details,
                owner=owner or client.success_manager,
                opened_by=actor if getattr(actor, "pk", None) else None,
            )
            record(
                actor,
                case,
                AuditEvent.Action.CREATED,
                diff({}, snapshot(case, CASE_FIELDS)),
                parent=client,
            )
            current = Client.objects.get(pk=client.pk)
            if current.status == ClientStatus.ACTIVE:
                client_actions.do_update_client(
                    actor,
                    current,
                    status=ClientStatus.AT_RISK,
                    reason=_("Churn case opened"),
                )
    except IntegrityError:
        # Opened by another request at the same moment: that one is the case.
        return ChurnCase.objects.get(client=client, outcome="")
    return case


def _lock_case(case: ChurnCase, expected_version: int | None) -> ChurnCase:
    current = ChurnCase.objects.select_for_update().select_related("client").get(pk=case.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _save_case(actor, current: ChurnCase, before: dict, reason: str = "") -> ChurnCase:
    changes = diff(before, snapshot(current, CASE_FIELDS))
    if not changes:
        return current
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(actor, current, AuditEvent.Action.UPDATED, changes, reason=reason, parent=current.client)
    return current


@transaction.atomic
def do_update_churn_case(
    actor, case: ChurnCase, *, expected_version: int | None = None, **values: Any
) -> ChurnCase:
    """Change the reason, what the client says, or the owner of an open case."""
    current = _lock_case(case, expected_version)
    if not current.is_open:
        raise ChurnCaseError(_("The case is closed."))
    before = snapshot(current, CASE_FIELDS)
    for name in values:
        if name not in ("reason", "details", "owner"):
            raise TypeError(name)
        setattr(current, name, values[name])
    return _save_case(actor, current, before)


@transaction.atomic
def do_add_churn_task(actor, case: ChurnCase, *, title: str, owner=None, due_on=None) -> ChurnTask:
    if not case.is_open:
        raise ChurnCaseError(_("The case is closed."))
    task = ChurnTask(case=case, title=title.strip(), owner=owner, due_on=due_on)
    task.full_clean()
    task.save()
    record(actor, task, AuditEvent.Action.CREATED, {"task": [None, task.title]}, parent=case.client)
    return task


def _set_done(actor, item, *, done: bool, client_path: str):
    """Tick or untick a step (a save-plan task, a call's next step), audited on the client
    its ``client_path`` parent (case, note) belongs to; ticking what is ticked changes nothing."""
    item = (
        type(item)
        .objects.select_for_update()
        .select_related(f"{client_path}__client")
        .get(pk=item.pk)
    )
    if (item.done_at is not None) == done:
        return item
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done_at"])
    client = getattr(item, client_path).client
    record(actor, item, AuditEvent.Action.UPDATED, {"done": [not done, done]}, parent=client)
    return item


@transaction.atomic
def do_set_churn_task_done(actor, task: ChurnTask, *, done: bool) -> ChurnTask:
    return _set_done(actor, task, done=done, client_path="case")


@transaction.atomic
def do_close_churn_case(
    actor,
    case: ChurnCase,
    *,
    outcome: str,
    outcome_on: dt.date,
    notes: str = "",
    new_mrr_rub=None,
    expected_version: int | None = None,
) -> ChurnCase:
    """Record the outcome with its date. Lost: the client churns on that date (its dated
    status history and ``churned_at``, through the clients app). Saved or downgraded: the
    client is active again from that date; a downgrade with a new MRR records a dated
    downsell."""
    if outcome not in ChurnOutcome.values:
        raise ChurnCaseError(_("Choose the outcome."))
    current = _lock_case(case, expected_version)
    if not current.is_open:
        raise ChurnCaseError(_("The case is closed."))
    if outcome_on > timezone.localdate():
        raise ChurnCaseError(_("The outcome date cannot be in the future."))
    if outcome_on < timezone.localdate(current.opened_at):
        raise ChurnCaseError(_("The outcome date cannot be before the case was opened."))
    before = snapshot(current, CASE_FIELDS)
    current.outcome, current.outcome_on, current.outcome_notes = outcome, outcome_on, notes
    current.closed_at = timezone.now()
    saved = _save_case(actor, current, before)
    client = Client.objects.get(pk=current.client_id)
    if outcome == ChurnOutcome.LOST:
        if client.status != ClientStatus.CHURNED:
            client_actions.do_update_client(
                actor,
                client,
                status=ClientStatus.CHURNED,
                churned_at=outcome_on,
                status_effective_on=outcome_on,
                reason=_("Churn case: the client is lost"),
            )
        return saved
    if outcome == ChurnOutcome.DOWNGRADED and new_mrr_rub is not None:
        client_actions.do_record_mrr_change(
            actor,
            client,
            effective_on=outcome_on,
            mrr_rub=new_mrr_rub,
            reason=MrrReason.DOWNSELL,
            comment=_("Churn case: downgraded"),
        )
        client = Client.objects.get(pk=client.pk)
    if client.status in (ClientStatus.AT_RISK, ClientStatus.CHURNED):
        client_actions.do_update_client(
            actor,
            client,
            status=ClientStatus.ACTIVE,
            churned_at=None,
            status_effective_on=outcome_on,
            reason=_("Churn case: the client is saved")
            if outcome == ChurnOutcome.SAVED
            else _("Churn case: the client stays on a smaller plan"),
        )
    return saved


@transaction.atomic
def do_save_churn_reason(actor, reason: ChurnReason | None = None, **values: Any) -> ChurnReason:
    """Add or change a churn reason of the taxonomy (the head's)."""
    reason = reason or ChurnReason()
    fields = ("name", "position", "active")
    before = snapshot(reason, fields) if reason.pk else {}
    for name, value in values.items():
        if name not in fields:
            raise TypeError(name)
        setattr(reason, name, value)
    reason.full_clean()
    reason.save()
    changes = diff(before, snapshot(reason, fields))
    if changes:
        action = AuditEvent.Action.UPDATED if before else AuditEvent.Action.CREATED
        record(actor, reason, action, changes)
    return reason


# ---- notes of calls and meetings ---------------------------------------------------------


@dataclass
class StepInput:
    text: str
    owner: Any = None
    due_on: dt.date | None = None


@transaction.atomic
def do_log_call_note(
    actor,
    client: Client,
    *,
    held_on: dt.date,
    summary: str,
    kind: str = "call",
    staff=(),
    contacts=(),
    other_participants: str = "",
    next_steps: list[StepInput] = (),
    detractor_task=None,
) -> CallNote:
    """Log a call or meeting with its participants and next steps; audited on the client."""
    contacts = list(contacts)
    if any(contact.client_id != client.pk for contact in contacts):
        raise ValidationError(_("A participant is not a contact of this client."))
    if detractor_task is not None and detractor_task.client_id != client.pk:
        raise ValidationError(_("The detractor task is about another client."))
    note = CallNote(
        client=client,
        kind=kind,
        held_on=held_on,
        summary=summary.strip(),
        other_participants=other_participants.strip(),
        detractor_task=detractor_task,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    note.full_clean()
    note.save()
    note.staff.set(list(staff))
    note.contacts.set(contacts)
    steps = [
        NextStep(note=note, text=step.text.strip(), owner=step.owner, due_on=step.due_on)
        for step in next_steps
        if step.text.strip()
    ]
    NextStep.objects.bulk_create(steps)
    record(
        actor,
        note,
        AuditEvent.Action.CREATED,
        {
            "kind": [None, note.get_kind_display()],
            "held_on": [None, held_on.isoformat()],
            "summary": [None, note.summary[:200]],
            "next_steps": [None, len(steps)],
        },
        parent=client,
    )
    return note


@transaction.atomic
def do_set_next_step_done(actor, step: NextStep, *, done: bool) -> NextStep:
    return _set_done(actor, step, done=done, client_path="note")


def contacts_of(client: Client):
    return Contact.objects.filter(client=client).order_by("-is_primary", "full_name")
