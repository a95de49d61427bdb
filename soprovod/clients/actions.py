"""Every write to clients, sites and contacts: atomic, audited, version-checked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
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
    if client.status == ClientStatus.CHURNED and client.churned_at:
        return client.churned_at
    return today or timezone.localdate()


@transaction.atomic
def do_create_client(
    actor, *, reason: str = "", action: str = AuditEvent.Action.CREATED, **values: Any
) -> Client:
    client = Client(**values)
    client.full_clean()
    client.save()
    ClientStatusChange.objects.create(
        client=client,
        status=client.status,
        effective_on=client.contract_start
        if client.status != ClientStatus.CHURNED
        else client.churned_at,
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
    old_status = current.status
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
    record(actor, current, action, changes, reason=reason)
    return current


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
