"""The audit trail's hash chain, as pure functions (no database).

Each event stores ``prev_hash`` (the hash of the event before it, in id order; empty for
the first) and ``hash = sha256(prev_hash + "\\n" + canonical(fields))``. Editing an event
changes its recomputed hash; deleting or inserting one leaves the next event's
``prev_hash`` naming a hash that is no longer the one before it.

The canonical form names content types by their natural key (``app_label.model``) and
times in UTC to the millisecond (a backup's JSON keeps no finer), so a backup restored into
another database, where content type ids differ, still verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

# The fields a link covers, in the order they are serialised (the order is part of the
# format: changing it breaks every stored chain).
FIELDS = (
    "at",
    "actor_id",
    "action",
    "content_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "parent_type",
    "parent_id",
)


def _normal(value: Any) -> Any:
    """JSON values as they come back from either database: PostgreSQL's jsonb gives an
    integral float such as 1e20 back as an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return value


def canonical(fields: dict[str, Any]) -> str:
    """One event's fields as a deterministic JSON text (see FIELDS)."""
    at = fields["at"]
    if isinstance(at, dt.datetime):
        at = at.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    values = [
        at,
        fields["actor_id"],
        fields["action"],
        fields["content_type"],
        str(fields["object_id"]),
        fields["object_repr"],
        _normal(fields["changes"]),
        fields["reason"],
        fields["parent_type"] or "",
        fields["parent_id"] or "",
    ]
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of an event whose predecessor's hash is ``prev_hash``."""
    text = prev_hash + "\n" + canonical(fields)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
