"""The kinds of record the search covers, each told by the app that owns it.

``search`` sits low in the layers (just above ``clients``), so it knows no ticket, client
or article: every app that wants its records found registers a ``Provider`` from its
``AppConfig.ready``::

    from soprovod.search.registry import Document, Provider, register

    register(Provider(
        kind="ticket", label=_("Tickets"), order=10,
        documents=ticket_documents,      # ids -> the Documents of those records
        all_ids=lambda: Ticket.objects.values_list("pk", flat=True),
        scope=ticket_scope,              # user -> Q on SearchDocument, or None (sees none)
        url=ticket_url,                  # (user, object_id) -> where a hit opens
        watch={Ticket: "pk", TicketMessage: "ticket_id"},
    ))

- ``documents(ids)`` builds the texts of the records ``ids`` in a few queries (a batch, not
  one record at a time); a record that no longer exists (or should not be found) yields
  nothing, and its old documents are dropped. A record may yield a document per audience:
  ``Audience.PUBLIC`` for what a client contact may read about their own company
  (``company_id``), ``Audience.STAFF`` for the rest.
- ``scope(user)`` is the provider's permission rule as a condition on ``SearchDocument``
  (``kind`` is added by the registry): ``Q()`` for everything of the kind,
  ``Q(company_id=…, audience="public")`` for a client contact, ``Q(object_id__in=…)`` for
  a narrower role, ``None`` when the user may find none of them.
- ``watch`` names the models whose saves and deletes change the kind's texts, with the
  attribute that holds the record's id: ``search`` re-indexes those records when the
  writer's transaction commits (``index.index_later``). A write that bypasses ``save()``
  (a bulk insert, ``QuerySet.update``) calls ``index.index_later(kind, ids)`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from soprovod.search import index  # each needs the other at call time only
from soprovod.search.models import Audience


@dataclass(frozen=True)
class Document:
    """One searchable text of a record."""

    object_id: int
    title: str
    body: str = ""
    audience: str = Audience.STAFF
    company_id: int | None = None
    # Exact keys that jump to the record: a number, an INN, e-mail addresses.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provider:
    kind: str
    label: Any  # the group's heading on the results page (lazy text)
    documents: Callable[[list[int]], Iterable[Document]]
    all_ids: Callable[[], Any]  # a flat values_list of the ids that must be indexed
    scope: Callable[[Any], Q | None]
    url: Callable[[Any, int], str]
    watch: Mapping[type, str] = field(default_factory=dict)
    order: int = 100


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Add a kind (registering it again replaces it) and re-index its records on writes of
    the models it watches."""
    _providers[provider.kind] = provider
    for model, attribute in provider.watch.items():
        receiver = _Reindexer(provider.kind, attribute)
        uid = f"search:{provider.kind}:{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


def providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.kind))


def provider(kind: str) -> Provider | None:
    return _providers.get(kind)


def kinds() -> list[str]:
    return [p.kind for p in providers()]


@dataclass(frozen=True)
class _Reindexer:
    kind: str
    attribute: str

    def __call__(self, sender, instance, raw: bool = False, **kwargs) -> None:
        if raw:  # loaddata: the restore rebuilds the index afterwards
            return
        object_id = getattr(instance, self.attribute, None)
        if object_id is not None:
            index.index_later(self.kind, [object_id])
