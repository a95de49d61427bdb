"""The one place that writes the audit trail. Every action function calls it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from soprovod.audit.models import AuditEvent


def _display(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys by their display string)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.is_relation:
            values[name] = _display(getattr(obj, name))
        elif getattr(field, "choices", None):
            values[name] = _display(getattr(obj, f"get_{name}_display")())
        else:
            values[name] = _display(getattr(obj, name))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs (a missing side is None)."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    actor,
    obj: models.Model,
    action: str,
    changes: dict[str, list[Any]] | None = None,
    *,
    reason: str = "",
    parent: models.Model | None = None,
) -> AuditEvent:
    """Write one audit event. Call inside the action's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes={k: [_display(v) for v in pair] for k, pair in (changes or {}).items()},
        reason=reason,
        parent_type=ContentType.objects.get_for_model(parent) if parent is not None else None,
        parent_id=str(parent.pk) if parent is not None else "",
    )


def record_saved(
    actor,
    obj: models.Model,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    created: bool,
    reason: str = "",
) -> dict[str, list[Any]]:
    """Audit a save that has happened: CREATED for a new object (its values as ``[None, new]``),
    UPDATED with the diff only when something changed, nothing otherwise. Returns the changes."""
    changes = diff(before, after)
    if created or changes:
        action = AuditEvent.Action.CREATED if created else AuditEvent.Action.UPDATED
        record(actor, obj, action, changes, reason=reason)
    return changes


def save_audited(
    actor,
    obj: models.Model,
    fields: Iterable[str],
    before: dict[str, Any] | None = None,
    *,
    reason: str = "",
) -> dict[str, list[Any]]:
    """Save ``obj`` and audit it (see ``record_saved``). ``before`` is ``snapshot(obj, fields)``
    taken before the caller changed an existing object; a new (unsaved) object needs none."""
    created = obj._state.adding
    if before is None and not created:
        raise TypeError("an existing object needs the snapshot taken before it was changed")
    fields = tuple(fields)
    obj.save()
    return record_saved(
        actor, obj, before or {}, snapshot(obj, fields), created=created, reason=reason
    )


def trail_for(obj: models.Model, *, limit: int = 200):
    """Events about ``obj`` and about objects that name it as their parent, newest first."""
    ct = ContentType.objects.get_for_model(obj)
    pk = str(obj.pk)
    return (
        AuditEvent.objects.filter(
            models.Q(content_type=ct, object_id=pk) | models.Q(parent_type=ct, parent_id=pk)
        )
        .select_related("actor", "content_type")
        .order_by("-at", "-id")[:limit]
    )
