"""Checking the audit trail's hash chain (hashing.py): the first link that does not hold."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from soprovod.audit import hashing
from soprovod.audit.models import AuditEvent


@dataclass(frozen=True)
class BrokenLink:
    """The first event whose stored hashes disagree with the chain recomputed up to it.

    ``field`` is ``prev_hash`` when the event does not name its predecessor's hash (an event
    before it was deleted or inserted) and ``hash`` when its own fields no longer give its
    hash (it was edited)."""

    event_id: int
    field: str
    stored: str
    recomputed: str


@dataclass(frozen=True)
class ChainCheck:
    checked: int  # events read, up to and including the broken one
    broken: BrokenLink | None
    tail: str  # the newest event's hash when the chain holds: kept elsewhere, it shows a
    # truncation (deleting the newest events leaves a shorter chain that still holds)


def check_chain(*, chunk_size: int = 5000) -> ChainCheck:
    """Recompute the chain in id order and stop at the first broken link.

    Reads the trail once, two queries plus one per chunk of events; content types are
    named by natural key, as `hashing.canonical` wants."""
    types = {
        pk: f"{app_label}.{model}"
        for pk, app_label, model in ContentType.objects.values_list("pk", "app_label", "model")
    }
    rows = AuditEvent.objects.order_by("id").values_list(
        "id", "prev_hash", "hash", *(f for f in hashing.FIELDS if f not in _TYPE_FIELDS),
        "content_type_id", "parent_type_id",
    )  # fmt: skip
    expected_prev = ""
    checked = 0
    for event_id, prev_hash, stored, *values, content_type_id, parent_type_id in rows.iterator(
        chunk_size=chunk_size
    ):
        checked += 1
        if prev_hash != expected_prev:
            return ChainCheck(
                checked, BrokenLink(event_id, "prev_hash", prev_hash, expected_prev), ""
            )
        fields = dict(
            zip((f for f in hashing.FIELDS if f not in _TYPE_FIELDS), values, strict=True)
        )
        fields["content_type"] = types.get(content_type_id, "")
        fields["parent_type"] = types.get(parent_type_id, "")
        recomputed = hashing.link(prev_hash, fields)
        if stored != recomputed:
            return ChainCheck(checked, BrokenLink(event_id, "hash", stored, recomputed), "")
        expected_prev = stored
    return ChainCheck(checked, None, expected_prev)


_TYPE_FIELDS = ("content_type", "parent_type")
