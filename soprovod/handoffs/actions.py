"""Every write to hand-offs: atomic, audited, notices queued on commit.

The agreement clock (kpi.md «handoff.on_time»): a submission starts a round due
``HANDOFF_AGREEMENT_HOURS`` later — calendar time, or working time on the SLA work calendar
named by ``HANDOFF_CALENDAR`` (the same business-time engine as ticket SLA). Accepting or
returning the hand-off ends the round's clock; a resubmission is a new round.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for, users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.clients.actions import (
    do_create_client,
    do_save_contact,
    do_save_site,
    do_update_client,
)
from soprovod.clients.models import Client, ClientStatus
from soprovod.core.errors import StaleObjectError, StateConflict
from soprovod.core.notify import notify
from soprovod.handoffs import checklist, escalations
from soprovod.handoffs.models import (
    Handoff,
    HandoffDocument,
    HandoffEscalation,
    HandoffRound,
    HandoffSite,
    HandoffStatus,
    RoundOutcome,
)
from soprovod.lib.periods import months_before
from soprovod.projects.actions import do_open_project
from soprovod.sla import agreement as agreement_clock
from soprovod.sla.models import WorkCalendar
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Escalation

logger = logging.getLogger(__name__)

HANDOFF_FIELDS = (
    "client",
    "client_name",
    "inn",
    "segment",
    "status",
    "contract_number",
    "contract_date",
    "tariff",
    "mrr_rub",
    "term_months",
    "decision_maker_name",
    "decision_maker_phone",
    "decision_maker_email",
    "technical_name",
    "technical_phone",
    "technical_email",
    "billing_name",
    "billing_phone",
    "billing_email",
    "modules",
    "integrations",
    "passes_or_users",
    "promised_go_live",
    "promised_dates",
    "special_terms",
)
EDITABLE_FIELDS = tuple(f for f in HANDOFF_FIELDS if f != "status")
SITE_FIELDS = ("name", "address", "timezone", "equipment")
EDITABLE = (HandoffStatus.DRAFT, HandoffStatus.RETURNED)
# The roles that agree hand-offs for support (issue 10): they are warned at 80 %.
AGREERS = (Role.HEAD, Role.SUCCESS_MANAGER, Role.IMPLEMENTATION_MANAGER)


class HandoffError(ValidationError):
    """A hand-off action the rules refuse; ``messages`` say why (each missing item named)."""


class HandoffStateError(StateConflict, HandoffError):
    """Refused because of the hand-off's status (already submitted, not submitted): the API
    answers 409."""


# ---- the clock ---------------------------------------------------------------------------


def agreement_calendar() -> WorkCalendar | None:
    """The calendar of new rounds: None for calendar time (the default), else the SLA work
    calendar named by ``HANDOFF_CALENDAR`` («default» is the department's default one)."""
    name = settings.HANDOFF_CALENDAR
    try:
        return agreement_clock.work_calendar(name, default_word="default")
    except LookupError:
        raise HandoffError(
            _("The work calendar «%(name)s» set for hand-offs does not exist.") % {"name": name}
        ) from None


def deadlines(
    calendar: WorkCalendar | None, submitted_at: dt.datetime, target_seconds: int
) -> tuple[dt.datetime, dt.datetime]:
    """A round's warning instant (``HANDOFF_WARNING_PERCENT`` of its time) and due time:
    the one rule for submitting and for `soprovod verify`."""
    return agreement_clock.deadlines(
        calendar, submitted_at, target_seconds, settings.HANDOFF_WARNING_PERCENT
    )


@transaction.atomic
def do_repair_round(actor, agreement: HandoffRound, *, reason: str, **values) -> HandoffRound:
    """Store a round's recomputed due time, warning instant or elapsed time (`soprovod
    verify --fix`, e.g. after a holiday was added to its calendar), audited."""
    current = HandoffRound.objects.select_for_update().get(pk=agreement.pk)
    allowed = {"due_at", "warn_at", "elapsed_seconds"}
    if set(values) - allowed:
        raise TypeError(f"not repairable: {', '.join(sorted(set(values) - allowed))}")
    changes = {name: [getattr(current, name), value] for name, value in values.items()}
    for name, value in values.items():
        setattr(current, name, value)
    current.save(update_fields=list(values))
    record(
        actor,
        current.handoff,
        AuditEvent.Action.UPDATED,
        {f"round {current.number} {k}": [str(a), str(b)] for k, (a, b) in changes.items()},
        reason=reason,
    )
    return current


# ---- drafts ------------------------------------------------------------------------------


def _lock(handoff: Handoff, expected_version: int | None = None) -> Handoff:
    current = Handoff.objects.select_for_update().get(pk=handoff.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _bump(handoff: Handoff) -> None:
    Handoff.objects.filter(pk=handoff.pk).update(version=F("version") + 1)
    handoff.version += 1


def _sites_text(sites) -> str:
    return "; ".join(f"{s.name} ({s.address}, {s.timezone}): {s.equipment}" for s in sites)


@transaction.atomic
def do_save_handoff(
    actor,
    handoff: Handoff | None = None,
    *,
    sites: list[dict] | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    **values,
) -> Handoff:
    """Create a draft hand-off (``actor`` is its sales owner; made ``now``) or change one
    that is a draft or was returned. ``sites`` (dicts of name, address, timezone,
    equipment) replace the hand-off's sites when given."""
    if handoff is not None and handoff.pk:
        handoff = _lock(handoff, expected_version)
        if handoff.status not in EDITABLE:
            raise HandoffStateError(_("Only a draft or a returned hand-off can be changed."))
        before = snapshot(handoff, EDITABLE_FIELDS)
        before["sites"] = _sites_text(handoff.sites.all())
    else:
        handoff, before = Handoff(sales=actor, created_at=now or timezone.now()), {}
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not hand-off fields: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        setattr(handoff, name, value)
    if handoff.client_id:
        # An existing client's name and INN are the portfolio's; only a new one is typed.
        handoff.client_name, handoff.inn = "", ""
    handoff.full_clean()
    if handoff.pk:
        handoff.version = F("version") + 1
    handoff.save()
    handoff.refresh_from_db()
    if sites is not None:
        handoff.sites.all().delete()
        for row in sites:
            site = HandoffSite(handoff=handoff, **{k: row.get(k, "") for k in SITE_FIELDS})
            if not site.timezone:
                site.timezone = "Europe/Moscow"
            site.full_clean()
            site.save()
    after = snapshot(handoff, EDITABLE_FIELDS)
    after["sites"] = _sites_text(handoff.sites.all())
    changes = diff(before, after)
    if changes or not before:
        action = AuditEvent.Action.UPDATED if before else AuditEvent.Action.CREATED
        record(actor, handoff, action, changes)
    return handoff


@transaction.atomic
def do_add_document(actor, handoff: Handoff, *, file, name: str = "") -> HandoffDocument:
    handoff = _lock(handoff)
    if handoff.status not in EDITABLE:
        raise HandoffStateError(_("Only a draft or a returned hand-off can be changed."))
    document = HandoffDocument(
        handoff=handoff,
        name=(name or getattr(file, "name", "") or _("document"))[:300],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    document.file.save(file.name, file, save=False)
    document.save()
    _bump(handoff)
    record(
        actor,
        document,
        AuditEvent.Action.CREATED,
        {"document": [None, document.name]},
        parent=handoff,
    )
    return document


@transaction.atomic
def do_remove_document(actor, document: HandoffDocument) -> None:
    handoff = _lock(document.handoff)
    if handoff.status not in EDITABLE:
        raise HandoffStateError(_("Only a draft or a returned hand-off can be changed."))
    record(
        actor,
        document,
        AuditEvent.Action.DELETED,
        {"document": [document.name, None]},
        parent=handoff,
    )
    document.file.delete(save=False)
    document.delete()
    _bump(handoff)


# ---- the rounds --------------------------------------------------------------------------


def missing_items(handoff: Handoff) -> list[tuple[str, str]]:
    """What the hand-off still lacks before it can be submitted (checklist order)."""
    return checklist.missing(handoff, list(handoff.sites.all()), handoff.documents.count())


def open_round(handoff: Handoff) -> HandoffRound | None:
    return handoff.rounds.filter(answered_at__isnull=True).order_by("-number").first()


@transaction.atomic
def do_submit_handoff(actor, handoff: Handoff, *, now: dt.datetime | None = None) -> HandoffRound:
    """Submit a draft (or resubmit a returned hand-off): a new agreement round whose clock
    starts now. Refused naming every missing required item."""
    now = now or timezone.now()
    handoff = _lock(handoff)
    if handoff.status not in EDITABLE:
        raise HandoffStateError(_("The hand-off is already submitted or accepted."))
    lacking = missing_items(handoff)
    if lacking:
        raise HandoffError(
            [
                _("%(item)s: %(what)s is missing.")
                % {"item": checklist.ITEM_LABELS[item], "what": what}
                for item, what in lacking
            ]
        )
    calendar = agreement_calendar()
    target = settings.HANDOFF_AGREEMENT_HOURS * 3600
    sites, documents = list(handoff.sites.all()), list(handoff.documents.all())
    warn_at, due_at = deadlines(calendar, now, target)
    agreement = HandoffRound.objects.create(
        handoff=handoff,
        number=handoff.rounds.count() + 1,
        submitted_at=now,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        calendar=calendar,
        target_seconds=target,
        warn_at=warn_at,
        due_at=due_at,
        checklist=checklist.snapshot(handoff, sites, documents),
    )
    before = handoff.get_status_display()
    handoff.status = HandoffStatus.SUBMITTED
    handoff.version = F("version") + 1
    handoff.save(update_fields=["status", "version", "updated_at"])
    handoff.refresh_from_db()
    record(
        actor,
        handoff,
        AuditEvent.Action.STATUS,
        {"status": [before, handoff.get_status_display()], "round": [None, agreement.number]},
    )
    transaction.on_commit(lambda: _announce_submitted(agreement.pk))
    return agreement


def _close_round(
    handoff: Handoff, actor, outcome: str, now: dt.datetime, *, reasons=None, comment: str = ""
) -> HandoffRound:
    agreement = (
        HandoffRound.objects.select_for_update()
        .filter(handoff=handoff, answered_at__isnull=True)
        .order_by("-number")
        .first()
    )
    if agreement is None:
        raise HandoffStateError(_("The hand-off has no round waiting for an answer."))
    agreement.answered_at = max(now, agreement.submitted_at)
    agreement.answered_by = actor if getattr(actor, "pk", None) else None
    agreement.outcome = outcome
    agreement.elapsed_seconds = agreement_clock.between(
        agreement.calendar, agreement.submitted_at, agreement.answered_at
    )
    agreement.reasons = reasons or {}
    agreement.comment = comment
    agreement.save()
    return agreement


@transaction.atomic
def do_return_handoff(
    actor,
    handoff: Handoff,
    *,
    reasons: dict[str, str],
    comment: str = "",
    now: dt.datetime | None = None,
) -> HandoffRound:
    """Send the hand-off back to sales with a reason per checklist item; ends the clock."""
    now = now or timezone.now()
    handoff = _lock(handoff)
    if handoff.status != HandoffStatus.SUBMITTED:
        raise HandoffStateError(_("Only a submitted hand-off can be returned."))
    unknown = set(reasons) - set(checklist.ITEM_KEYS)
    if unknown:
        raise HandoffError(_("Unknown checklist items: %(items)s") % {"items": ", ".join(unknown)})
    cleaned = {k: v.strip() for k, v in reasons.items() if v and v.strip()}
    if not cleaned:
        raise HandoffError(_("Say what is wrong with at least one checklist item."))
    ordered = {key: cleaned[key] for key in checklist.ITEM_KEYS if key in cleaned}
    agreement = _close_round(
        handoff, actor, RoundOutcome.RETURNED, now, reasons=ordered, comment=comment.strip()
    )
    handoff.status = HandoffStatus.RETURNED
    handoff.version = F("version") + 1
    handoff.save(update_fields=["status", "version", "updated_at"])
    handoff.refresh_from_db()
    record(
        actor,
        handoff,
        AuditEvent.Action.STATUS,
        {"status": [HandoffStatus.SUBMITTED.label, HandoffStatus.RETURNED.label]},
        reason="; ".join(f"{checklist.ITEM_LABELS[k]}: {v}" for k, v in ordered.items()),
    )
    transaction.on_commit(lambda: _announce_answer(agreement.pk))
    return agreement


@dataclass
class Accepted:
    handoff: Handoff
    round: HandoffRound
    client: Client
    project: object


@transaction.atomic
def do_accept_handoff(
    actor,
    handoff: Handoff,
    *,
    success_manager,
    implementation_manager=None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Accepted:
    """Support accepts the hand-off, all in one transaction: the round's clock ends; the
    client is created (or updated) as onboarding with a dated status record, its contacts,
    sites and success manager; and its implementation project opens from the template of
    its tariff. Any failure leaves nothing of it behind."""
    now = now or timezone.now()
    handoff = _lock(handoff)
    if handoff.status != HandoffStatus.SUBMITTED:
        raise HandoffStateError(_("Only a submitted hand-off can be accepted."))
    if success_manager is None:
        raise HandoffError(_("Choose the client's success manager."))
    agreement = _close_round(handoff, actor, RoundOutcome.ACCEPTED, now, comment=comment.strip())
    reason = _("Hand-off #%(number)s accepted") % {"number": handoff.pk}
    client = _save_client(actor, handoff, success_manager, reason, now)
    _save_contacts(actor, handoff, client)
    _save_sites(actor, handoff, client)
    project = do_open_project(
        actor, client, owner=implementation_manager, start=timezone.localdate(now), reason=reason
    )
    handoff.client, handoff.project, handoff.success_manager = client, project, success_manager
    handoff.status = HandoffStatus.ACCEPTED
    handoff.version = F("version") + 1
    handoff.save(
        update_fields=["client", "project", "success_manager", "status", "version", "updated_at"]
    )
    handoff.refresh_from_db()
    record(
        actor,
        handoff,
        AuditEvent.Action.STATUS,
        {
            "status": [HandoffStatus.SUBMITTED.label, HandoffStatus.ACCEPTED.label],
            "client": [None, client.name],
            "project": [None, project.name],
        },
        reason=comment.strip(),
    )
    transaction.on_commit(lambda: _announce_answer(agreement.pk))
    return Accepted(handoff, agreement, client, project)


@transaction.atomic
def do_record_past_acceptance(
    actor, handoff: Handoff, *, client: Client, comment: str = "", now: dt.datetime
) -> HandoffRound:
    """An acceptance that happened before Soprovod knew of it (demo history, a CRM
    import): the client is already in the portfolio with its own dated history, so only
    the round ends (as kpi.md counts it) and the hand-off points at the client. Nothing
    of the client changes and no project is opened."""
    handoff = _lock(handoff)
    if handoff.status != HandoffStatus.SUBMITTED:
        raise HandoffStateError(_("Only a submitted hand-off can be accepted."))
    agreement = _close_round(handoff, actor, RoundOutcome.ACCEPTED, now, comment=comment)
    handoff.client, handoff.success_manager = client, client.success_manager
    handoff.status = HandoffStatus.ACCEPTED
    handoff.version = F("version") + 1
    handoff.save(update_fields=["client", "success_manager", "status", "version", "updated_at"])
    handoff.refresh_from_db()
    record(
        actor,
        handoff,
        AuditEvent.Action.STATUS,
        {
            "status": [HandoffStatus.SUBMITTED.label, HandoffStatus.ACCEPTED.label],
            "client": [None, client.name],
        },
        reason=comment,
    )
    return agreement


def _contract_end(handoff: Handoff) -> dt.date:
    return months_before(handoff.contract_date, -handoff.term_months) - dt.timedelta(days=1)


def _save_client(actor, handoff: Handoff, success_manager, reason: str, now) -> Client:
    values = {
        "tariff": handoff.tariff,
        "mrr_rub": handoff.mrr_rub,
        "success_manager": success_manager,
        "contract_end": _contract_end(handoff),
    }
    if handoff.segment:
        values["segment"] = handoff.segment
    if handoff.client_id is None:
        return do_create_client(
            actor,
            name=handoff.client_name.strip(),
            inn=handoff.inn.strip(),
            status=ClientStatus.ONBOARDING,
            contract_start=handoff.contract_date,
            sold_by=handoff.sales,
            reason=reason,
            **values,
        )
    client = Client.objects.get(pk=handoff.client_id)
    if client.status != ClientStatus.ONBOARDING:
        values.update(status=ClientStatus.ONBOARDING, churned_at=None)
    if client.sold_by_id is None:
        values["sold_by"] = handoff.sales
    return do_update_client(
        actor,
        client,
        status_effective_on=timezone.localdate(now),
        reason=reason,
        **values,
    )


def _save_contacts(actor, handoff: Handoff, client: Client) -> None:
    positions = {
        "decision_maker": _("Decision maker"),
        "technical": _("Technical contact"),
        "billing": _("Billing contact"),
    }
    existing = list(client.contacts.all())
    for prefix, position in positions.items():
        name = getattr(handoff, f"{prefix}_name").strip()
        email = getattr(handoff, f"{prefix}_email").strip()
        phone = getattr(handoff, f"{prefix}_phone").strip()
        match = next(
            (
                c
                for c in existing
                if (email and c.email.lower() == email.lower())
                or c.full_name.strip().lower() == name.lower()
            ),
            None,
        )
        contact = do_save_contact(
            actor,
            client,
            match,
            full_name=name,
            email=email or (match.email if match else ""),
            phone=phone or (match.phone if match else ""),
            position=str(position),
            is_primary=prefix == "decision_maker"
            and not any(c.is_primary for c in existing if c != match),
        )
        if match is None:
            existing.append(contact)


def _save_sites(actor, handoff: Handoff, client: Client) -> None:
    existing = {site.name.strip().lower(): site for site in client.sites.all()}
    for site in handoff.sites.all():
        do_save_site(
            actor,
            client,
            existing.get(site.name.strip().lower()),
            name=site.name,
            address=site.address,
            timezone=site.timezone,
            equipment_notes=site.equipment,
        )


# ---- notices -----------------------------------------------------------------------------


def handoff_url(handoff_id: int) -> str:
    return reverse("handoffs:detail", args=[handoff_id])


def _agreers():
    """Who is asked to agree: the agreeing roles, and whoever stands in for an absent head
    (``acting_for``): the deputy receives the head's approvals for the period."""
    return [*users_with_role(*AGREERS), *acting_for(Role.HEAD)]


def _announce_submitted(round_id: int) -> None:
    agreement = HandoffRound.objects.select_related("handoff__client").get(pk=round_id)
    handoff = agreement.handoff
    notify(
        _agreers(),
        key=f"handoff-round:{agreement.pk}:submitted",
        text=_("Hand-off to agree by %(due)s: %(client)s")
        % {"due": _local(agreement.due_at), "client": handoff.display_name},
        url=handoff_url(handoff.pk),
    )


def _announce_answer(round_id: int) -> None:
    agreement = HandoffRound.objects.select_related("handoff__sales", "handoff__client").get(
        pk=round_id
    )
    handoff = agreement.handoff
    text = (
        _("Your hand-off is accepted: %(client)s")
        if agreement.outcome == RoundOutcome.ACCEPTED
        else _("Your hand-off is returned, fix and resubmit it: %(client)s")
    )
    recipients = [handoff.sales]
    if agreement.outcome == RoundOutcome.ACCEPTED and handoff.success_manager_id:
        recipients.append(handoff.success_manager)
    notify(
        recipients,
        key=f"handoff-round:{agreement.pk}:{agreement.outcome}",
        text=text % {"client": handoff.display_name},
        url=handoff_url(handoff.pk),
    )


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


# ---- the checker -------------------------------------------------------------------------


@dataclass
class CheckResult:
    warnings: int = 0
    breaches: int = 0
    failed: int = 0


def do_check_clocks(now: dt.datetime | None = None) -> CheckResult:
    """Run by the task ``handoffs.check_clocks`` every minute, like the ticket SLA checker:
    at 80 % of a round's time warn the support side; at breach tell them and the head and
    raise an escalation to the head. Each at most once per round (``warned_at``,
    ``escalated_at`` and the escalation's natural key), each round in its own
    transaction."""
    now = now or timezone.now()
    result = CheckResult()
    open_rounds = HandoffRound.objects.filter(answered_at__isnull=True)
    breached = list(
        open_rounds.filter(due_at__lte=now, escalated_at__isnull=True)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    warned = list(
        open_rounds.filter(warn_at__lte=now, due_at__gt=now, warned_at__isnull=True)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        for pk, breach in [(pk, True) for pk in breached] + [(pk, False) for pk in warned]:
            try:
                if _check_round(pk, breach, now):
                    if breach:
                        result.breaches += 1
                    else:
                        result.warnings += 1
            except Exception:
                logger.exception("Hand-off clock check failed for round %s", pk)
                result.failed += 1
    return result


def _check_round(round_id: int, breach: bool, now: dt.datetime) -> bool:
    with transaction.atomic():
        agreement = (
            HandoffRound.objects.select_for_update(of=("self",))
            .select_related("handoff__client")
            .filter(pk=round_id)
            .first()
        )
        if agreement is None or agreement.answered_at is not None:
            return False
        handoff = agreement.handoff
        details = {
            "client": handoff.display_name,
            "due": _local(agreement.due_at),
            "number": agreement.number,
        }
        if breach:
            if agreement.escalated_at is not None or agreement.due_at > now:
                return False
            agreement.escalated_at = now
            agreement.save(update_fields=["escalated_at"])
            reason = (
                _("Hand-off not agreed in time: %(client)s (round %(number)s) was due %(due)s.")
                % details
            )
            escalation = ticket_actions.do_auto_escalate(
                None,
                level=Escalation.Level.HEAD,
                source=Escalation.Source.SLA_BREACH,
                reason=reason,
                key=f"handoff-round:{agreement.pk}:head",
                at=now,
                client_id=handoff.client_id,
                subject=escalations.SUBJECT,
            )
            if escalation is not None:
                HandoffEscalation.objects.create(escalation=escalation, handoff=handoff)
                record(
                    None,
                    handoff,
                    AuditEvent.Action.OTHER,
                    {"escalation": [None, Escalation.Level.HEAD.label]},
                    reason=reason,
                )
            notify(
                [*_agreers(), *acting_for(Role.HEAD, now)],
                key=f"handoff-round:{agreement.pk}:breach",
                text=_("Hand-off overdue, escalated to the head: %(client)s was due %(due)s")
                % details,
                url=handoff_url(handoff.pk),
            )
            return True
        if agreement.warned_at is not None or agreement.warn_at > now or agreement.due_at <= now:
            return False
        agreement.warned_at = now
        agreement.save(update_fields=["warned_at"])
        notify(
            _agreers(),
            key=f"handoff-round:{agreement.pk}:warning",
            text=_("Hand-off due soon (%(due)s): %(client)s") % details,
            url=handoff_url(handoff.pk),
        )
        return True
