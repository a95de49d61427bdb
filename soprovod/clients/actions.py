"""Every write to clients, sites and contacts: atomic, audited, version-checked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.clients import history
from soprovod.clients.models import Client, ClientStatus, ClientStatusChange, Contact, Site
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
    record(actor, client, action, diff({}, snapshot(client, CLIENT_FIELDS)), reason=reason)
    return client


@transaction.atomic
def do_update_client(
    actor,
    client: Client,
    *,
    expected_version: int | None = None,
    status_effective_on: date | None = None,
    reason: str = "",
    action: str = AuditEvent.Action.UPDATED,
    **values: Any,
) -> Client:
    """Apply ``values`` to ``client``. With ``expected_version``, refuse a stale form.

    A status change writes a dated `ClientStatusChange` (effective on ``status_effective_on``,
    the churn date for a churned client, else today)."""
    current = Client.objects.select_for_update().get(pk=client.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    before = snapshot(current, CLIENT_FIELDS)
    old_status, old_start, old_churn = current.status, current.contract_start, current.churned_at
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
