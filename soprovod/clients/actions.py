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


@transaction.atomic
def do_save_site(actor, client: Client, site: Site | None = None, **values: Any) -> Site:
    before = snapshot(site, SITE_FIELDS) if site else {}
    site = site or Site(client=client)
    for name, value in values.items():
        setattr(site, name, value)
    site.client = client
    site.full_clean()
    site.save()
    changes = diff(before, snapshot(site, SITE_FIELDS))
    if changes:
        action = AuditEvent.Action.UPDATED if before else AuditEvent.Action.CREATED
        record(actor, site, action, changes, parent=client)
    return site


@transaction.atomic
def do_delete_site(actor, site: Site) -> None:
    record(
        actor,
        site,
        AuditEvent.Action.DELETED,
        diff(snapshot(site, SITE_FIELDS), {}),
        parent=site.client,
    )
    site.delete()


@transaction.atomic
def do_save_contact(
    actor, client: Client, contact: Contact | None = None, **values: Any
) -> Contact:
    before = snapshot(contact, CONTACT_FIELDS) if contact else {}
    contact = contact or Contact(client=client)
    for name, value in values.items():
        setattr(contact, name, value)
    contact.client = client
    contact.full_clean()
    contact.save()
    changes = diff(before, snapshot(contact, CONTACT_FIELDS))
    if changes:
        action = AuditEvent.Action.UPDATED if before else AuditEvent.Action.CREATED
        record(actor, contact, action, changes, parent=client)
    return contact


@transaction.atomic
def do_delete_contact(actor, contact: Contact) -> None:
    record(
        actor,
        contact,
        AuditEvent.Action.DELETED,
        diff(snapshot(contact, CONTACT_FIELDS), {}),
        parent=contact.client,
    )
    contact.delete()
