"""Every write to clients, sites and contacts: atomic, audited, version-checked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.clients import history, revenue
from soprovod.clients.models import (
    Client,
    ClientStatus,
    ClientStatusChange,
    Contact,
    MrrChange,
    MrrReason,
    Site,
)
from soprovod.core.errors import StaleObjectError  # noqa: F401 - re-exported for callers

CLIENT_FIELDS = (
    "external_id",
    "name",
    "inn",
    "tariff",
    "mrr_rub",
    "status",
    "contract_start",
    "contract_end",
    "churned_at",
    "success_manager",
    "sold_by",
    "segment",
    "notes",
)
MRR_FIELDS = ("effective_on", "mrr_rub", "reason", "comment")
SITE_FIELDS = ("name", "address", "timezone", "equipment_notes")
CONTACT_FIELDS = ("full_name", "email", "phone", "position", "is_primary", "user")


def _status_effective_on(client: Client, today: date | None = None) -> date:
    """When a status set now takes effect: a churn on its churn date, anything else today."""
    if client.status == ClientStatus.CHURNED and client.churned_at:
        return client.churned_at
    return today or timezone.localdate()


@transaction.atomic
def do_create_client(
    actor, *, reason: str = "", action: str = AuditEvent.Action.CREATED, **values: Any
) -> Client:
    """Create a client with its whole dated status history (`history.opening`)."""
    client = Client(**values)
    client.full_clean()
    client.save()
    ClientStatusChange.objects.bulk_create(
        ClientStatusChange(
            client=client,
            status=status,
            effective_on=effective_on,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        for status, effective_on in history.opening(
            client.status, client.contract_start, client.churned_at, timezone.localdate()
        )
    )
    # The MRR the client arrives with is its first dated value (interfaces.md «mrr»).
    MrrChange.objects.create(
        client=client,
        effective_on=client.contract_start,
        mrr_rub=client.mrr_rub,
        reason=MrrReason.NEW,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    record(actor, client, action, diff({}, snapshot(client, CLIENT_FIELDS)), reason=reason)
    return client


@transaction.atomic
def do_update_client(
    actor,
    client: Client,
    *,
    expected_version: int | None = None,
    status_effective_on: date | None = None,
    mrr_effective_on: date | None = None,
    mrr_reason: str = "",
    reason: str = "",
    action: str = AuditEvent.Action.UPDATED,
    **values: Any,
) -> Client:
    """Apply ``values`` to ``client``. With ``expected_version``, refuse a stale form.

    A status change writes a dated `ClientStatusChange` (effective on ``status_effective_on``,
    the churn date for a churned client, else today). A changed MRR writes a dated
    `MrrChange` (effective on ``mrr_effective_on``, else today; ``mrr_reason``, else the one
    `revenue.inferred_reason` gives)."""
    current = Client.objects.select_for_update().get(pk=client.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    before = snapshot(current, CLIENT_FIELDS)
    old_status, old_start, old_churn = current.status, current.contract_start, current.churned_at
    old_mrr = current.mrr_rub
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    changes = diff(before, snapshot(current, CLIENT_FIELDS))
    if not changes:
        return current
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    if current.status != old_status:
        ClientStatusChange.objects.create(
            client=current,
            status=current.status,
            effective_on=status_effective_on or _status_effective_on(current),
            actor=actor if getattr(actor, "pk", None) else None,
        )
    else:
        _move_dated_records(current, old_start, old_churn)
    if current.contract_start != old_start:
        _move_first_mrr_value(current, old_start)
    if current.mrr_rub != old_mrr:
        _save_mrr_value(
            actor,
            current,
            effective_on=mrr_effective_on or timezone.localdate(),
            mrr_rub=current.mrr_rub,
            reason=mrr_reason,
            audited=False,  # the client's own event below says the MRR changed
        )
    record(actor, current, action, changes, reason=reason)
    return current


def _move_dated_records(client: Client, old_start: date, old_churn: date | None) -> None:
    """A corrected contract start or churn date (the status unchanged) moves the history
    record that was dated by it, so the history keeps telling the same story."""
    history = client.status_history.order_by("effective_on", "id")
    if client.contract_start != old_start:
        first, *rest = list(history[:2]) or [None]
        if (
            first is not None
            and first.effective_on == old_start
            and (not rest or client.contract_start <= rest[0].effective_on)
        ):
            first.effective_on = client.contract_start
            first.save(update_fields=["effective_on"])
    if client.status == ClientStatus.CHURNED and old_churn and client.churned_at != old_churn:
        history.filter(status=ClientStatus.CHURNED, effective_on=old_churn).update(
            effective_on=client.churned_at
        )


def _save_child(actor, client: Client, obj, fields: tuple[str, ...], values: dict[str, Any]):
    """Create or change a site or contact of ``client``; audited on the client's page."""
    before = snapshot(obj, fields) if obj.pk else {}
    for name, value in values.items():
        setattr(obj, name, value)
    obj.client = client
    obj.full_clean()
    obj.save()
    changes = diff(before, snapshot(obj, fields))
    if changes:
        action = AuditEvent.Action.UPDATED if before else AuditEvent.Action.CREATED
        record(actor, obj, action, changes, parent=client)
    return obj


def _delete_child(actor, obj, fields: tuple[str, ...]) -> None:
    record(
        actor, obj, AuditEvent.Action.DELETED, diff(snapshot(obj, fields), {}), parent=obj.client
    )
    obj.delete()


@transaction.atomic
def do_save_site(actor, client: Client, site: Site | None = None, **values: Any) -> Site:
    return _save_child(actor, client, site or Site(client=client), SITE_FIELDS, values)


@transaction.atomic
def do_delete_site(actor, site: Site) -> None:
    _delete_child(actor, site, SITE_FIELDS)


@transaction.atomic
def do_save_contact(
    actor, client: Client, contact: Contact | None = None, **values: Any
) -> Contact:
    return _save_child(actor, client, contact or Contact(client=client), CONTACT_FIELDS, values)


@transaction.atomic
def do_delete_contact(actor, contact: Contact) -> None:
    _delete_child(actor, contact, CONTACT_FIELDS)


@transaction.atomic
def do_repair_status_history(actor, client: Client, *, reason: str, today: date | None = None):
    """Complete the client's dated status history so it tells the client's facts
    (`history.repairs`): records are added or re-dated, none is deleted. Audited on the
    client with the history before and after. Returns True when something changed."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    rows = list(client.status_history.order_by("id"))
    records = [(row.status, row.effective_on) for row in rows]
    moves, added = history.repairs(
        client.contract_start,
        client.status,
        client.churned_at,
        records,
        today or timezone.localdate(),
    )
    if not moves and not added:
        return False
    for index, effective_on in moves.items():
        rows[index].effective_on = effective_on
        rows[index].save(update_fields=["effective_on"])
    ClientStatusChange.objects.bulk_create(
        ClientStatusChange(
            client=client,
            status=status,
            effective_on=effective_on,
            actor=actor if getattr(actor, "pk", None) else None,
            comment=reason[:500],
        )
        for status, effective_on in added
    )
    after = [(s, moves.get(i, d)) for i, (s, d) in enumerate(records)] + added
    record(
        actor,
        client,
        AuditEvent.Action.UPDATED,
        {"status_history": [history.describe(records), history.describe(after)]},
        reason=reason,
    )
    return True


# ---- MRR history -----------------------------------------------------------------------------


def _move_first_mrr_value(client: Client, old_start: date) -> None:
    """A corrected contract start moves the first MRR value that was dated by it (unless a
    later value would then come before it)."""
    values = list(client.mrr_history.order_by("effective_on")[:2])
    if not values or values[0].effective_on != old_start:
        return
    if len(values) > 1 and values[1].effective_on <= client.contract_start:
        return
    values[0].effective_on = client.contract_start
    values[0].save(update_fields=["effective_on"])


def _save_mrr_value(
    actor,
    client: Client,
    *,
    effective_on: date,
    mrr_rub: Decimal,
    reason: str = "",
    comment: str = "",
    action: str = AuditEvent.Action.UPDATED,
    audit_reason: str = "",
    audited: bool = True,
) -> str:
    """Create or correct the client's MRR value of ``effective_on`` (one per day); audited
    on the client unless the caller's own event tells it. Returns ``created``, ``updated`` or ``unchanged``. An empty ``reason``
    keeps a stored one, or is inferred from the value before (`revenue.inferred_reason`)."""
    stored = MrrChange.objects.filter(client=client, effective_on=effective_on).first()
    if stored is None:
        previous = (
            MrrChange.objects.filter(client=client, effective_on__lt=effective_on)
            .order_by("-effective_on")
            .values_list("mrr_rub", flat=True)
            .first()
        )
        change = MrrChange(
            client=client,
            effective_on=effective_on,
            mrr_rub=mrr_rub,
            reason=reason or revenue.inferred_reason(previous, mrr_rub),
            comment=comment,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        before = {}
    else:
        change = stored
        before = snapshot(stored, MRR_FIELDS)
        change.mrr_rub = mrr_rub
        change.reason = reason or stored.reason
        change.comment = comment or stored.comment
    change.full_clean(exclude=["client", "actor"], validate_unique=False)
    changes = diff(before, snapshot(change, MRR_FIELDS))
    if not changes:
        return "unchanged"
    change.save()
    if not audited:
        return "created" if stored is None else "updated"
    if action != AuditEvent.Action.IMPORTED:
        action = AuditEvent.Action.CREATED if stored is None else AuditEvent.Action.UPDATED
    record(actor, change, action, changes, reason=audit_reason, parent=client)
    return "created" if stored is None else "updated"


def current_mrr(client: Client, today: date | None = None) -> Decimal | None:
    """The MRR the history gives for today (`revenue.mrr_on`), None when it has none yet."""
    return (
        client.mrr_history.filter(effective_on__lte=today or timezone.localdate())
        .order_by("-effective_on")
        .values_list("mrr_rub", flat=True)
        .first()
    )


@transaction.atomic
def do_record_mrr_change(
    actor,
    client: Client,
    *,
    effective_on: date,
    mrr_rub: Decimal,
    reason: str = "",
    comment: str = "",
    action: str = AuditEvent.Action.UPDATED,
    audit_reason: str = "",
) -> str:
    """Record a dated MRR value (an upsell, a downsell, a price change, a churn) and keep
    the client's current MRR equal to what its history says for today. Returns
    ``created``, ``updated`` or ``unchanged``; re-recording the same value changes nothing."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    outcome = _save_mrr_value(
        actor,
        client,
        effective_on=effective_on,
        mrr_rub=mrr_rub,
        reason=reason,
        comment=comment,
        action=action,
        audit_reason=audit_reason,
    )
    now_mrr = current_mrr(client)
    if outcome != "unchanged" and now_mrr is not None and now_mrr != client.mrr_rub:
        record(
            actor,
            client,
            action,
            {"mrr_rub": [client.mrr_rub, now_mrr]},
            reason=audit_reason,
        )
        Client.objects.filter(pk=client.pk).update(mrr_rub=now_mrr, version=F("version") + 1)
    return outcome


@transaction.atomic
def do_repair_mrr(actor, client: Client, *, reason: str, today: date | None = None) -> bool:
    """Make the client's MRR and its dated MRR history agree: a client without history gets
    its MRR as the first value at its contract start; otherwise its MRR becomes the value
    the history gives for today. Audited; returns True when something changed."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    today = today or timezone.localdate()
    if not client.mrr_history.exists():
        MrrChange.objects.create(
            client=client,
            effective_on=client.contract_start,
            mrr_rub=client.mrr_rub,
            reason=MrrReason.NEW,
            actor=actor if getattr(actor, "pk", None) else None,
            comment=reason[:500],
        )
        record(
            actor,
            client,
            AuditEvent.Action.UPDATED,
            {"mrr_history": [None, f"{client.mrr_rub} {client.contract_start.isoformat()}"]},
            reason=reason,
        )
        return True
    now_mrr = current_mrr(client, today)
    if now_mrr is None or now_mrr == client.mrr_rub:
        return False
    record(
        actor,
        client,
        AuditEvent.Action.UPDATED,
        {"mrr_rub": [client.mrr_rub, now_mrr]},
        reason=reason,
    )
    Client.objects.filter(pk=client.pk).update(mrr_rub=now_mrr, version=F("version") + 1)
    return True
