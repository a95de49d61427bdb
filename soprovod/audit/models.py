from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.audit import hashing

# pg_advisory_xact_lock key of the chain's tail (any constant unique within the database).
CHAIN_LOCK = 7_403_113_290_551


def _chain_tail(using: str) -> str:
    """The hash of the newest event, with the right to append after it until the current
    transaction ends.

    On PostgreSQL one call to ``soprovod_audit_chain_tail()`` (audit migration 0002) takes
    a transaction-level advisory lock and then reads the tail with a fresh snapshot, so
    two concurrent writers never link to the same predecessor. SQLite transactions begin
    IMMEDIATE (env.py), which already serialises writers.

    Within one transaction the tail is remembered, so only the first event of a transaction
    costs a query. The memory is tied to the connection's list of on-commit callbacks, a
    list Django replaces (never empties in place) on commit, on rollback and on the rollback
    of any savepoint — exactly the moments the remembered tail may stop being the tail.
    """
    connection = connections[using]
    remembered = getattr(connection, "_audit_chain_tail", None)
    if remembered is not None and connection.in_atomic_block:
        callbacks, tail = remembered
        if callbacks is connection.run_on_commit:
            return tail
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT soprovod_audit_chain_tail(%s)", [CHAIN_LOCK])
        else:
            cursor.execute("SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return (row[0] if row else None) or ""


def _remember_tail(using: str, tail: str) -> None:
    connection = connections[using]
    connection._audit_chain_tail = (connection.run_on_commit, tail)


def chain_fields(event) -> dict:
    """The fields `hashing.canonical` covers, content types by natural key."""
    types = ContentType.objects.db_manager(event._state.db or "default")
    return {
        "at": event.at,
        "actor_id": event.actor_id,
        "action": event.action,
        "content_type": ".".join(types.get_for_id(event.content_type_id).natural_key()),
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "reason": event.reason,
        "parent_type": (
            ".".join(types.get_for_id(event.parent_type_id).natural_key())
            if event.parent_type_id
            else ""
        ),
        "parent_id": event.parent_id,
    }


def _seal(events: list, using: str) -> None:
    """Give ``events`` (about to be inserted, in this order) their place in the chain.
    Call inside the transaction that inserts them."""
    tail = _chain_tail(using)
    for event in events:
        event.prev_hash = tail
        event.hash = tail = hashing.link(tail, chain_fields(event))
    _remember_tail(using, tail)


def seal(events: list, using: str = "default") -> None:
    """`_seal` for a writer that inserts ``events`` by other means than ``bulk_create`` (the
    import's COPY, `core.bulk`): call inside the transaction that inserts them, in order."""
    with transaction.atomic(using=using, savepoint=False):
        _seal(events, using)


def _chained(model) -> bool:
    return any(field.name == "hash" for field in model._meta.concrete_fields)


class AuditEventManager(models.Manager):
    """Every insert joins the hash chain: `record`, and the bulk writers of imports and
    demo data alike. Used in migrations too, so data migrations that write events chain
    them."""

    use_in_migrations = True

    def bulk_create(self, objs: Iterable, *args, **kwargs):
        events = list(objs)
        if not events or not _chained(self.model):
            return super().bulk_create(events, *args, **kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            _seal(events, self.db)
            return super().bulk_create(events, *args, **kwargs)

    def create(self, **kwargs):
        event = self.model(**kwargs)
        if not _chained(self.model):  # a data migration older than the chain
            event.save(force_insert=True, using=self.db)
            return event
        with transaction.atomic(using=self.db, savepoint=False):
            _seal([event], self.db)
            event.save(force_insert=True, using=self.db)
        return event


class AuditEvent(models.Model):
    """Who changed what and when, for every business object (domain.md «AuditEvent»)."""

    class Action(models.TextChoices):
        # Nouns, so that a history line agrees whatever it is about («создание: контактное
        # лицо …», not «создан контактное лицо …»).
        CREATED = "created", pgettext_lazy("audit action", "created")
        UPDATED = "updated", pgettext_lazy("audit action", "updated")
        DELETED = "deleted", pgettext_lazy("audit action", "deleted")
        IMPORTED = "imported", pgettext_lazy("audit action", "imported")
        STATUS = "status", _("status change")
        OTHER = "other", _("action")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: the actor is part of the hash chain, so a person with a trail is deactivated,
    # never deleted (deleting would blank the actor and break the chain).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    # {"field": [old, new], ...} with values as display strings.
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    # The object this change belongs to for display (a site's change shows on its client).
    parent_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    parent_id = models.CharField(max_length=64, blank=True)
    # The hash chain (hashing.py): the previous event's hash and this event's.
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventManager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            models.Index(fields=["parent_type", "parent_id", "-at"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.object_repr}"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:  # not re-chained: the chain exposes an edited event
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        if self.hash:  # sealed by the manager
            return super().save(*args, **kwargs)
        with transaction.atomic(using=using, savepoint=False):
            _seal([self], using)
            return super().save(*args, **kwargs)
