"""The records an agenda item or an action item can point at: a kind and a primary key.

A link is stored as ``(kind, id)`` with the label the record had when it was linked, not as
a foreign key: an action item may be about a ticket, a client, a hand-off, a request to
development, a project task, or a record of an app above or beside this one (a claim), and
meetings must not name those apps' models. Each kind says how to find the record for a user
(so nobody links a record they may not read) and where its page is.

The kinds of the apps below meetings are registered here; an app that lands later adds its
own with `register_kind` from its ``AppConfig.ready``, or meetings registers it once that app
sits below it (e.g. ``success``'s claims).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.clients.permissions import clients_visible_to
from soprovod.devrequests.permissions import requests_visible_to
from soprovod.handoffs.permissions import handoffs_visible_to
from soprovod.projects.models import ProjectTask
from soprovod.projects.permissions import tasks_visible_to
from soprovod.success.permissions import claims_visible_to
from soprovod.tickets.permissions import tickets_visible_to


@dataclass(frozen=True)
class RecordKind:
    """``visible(user)``: the records of this kind the user may read (a queryset);
    ``label(record)``: what to call one; ``urls(ids)``: ``{id: url}`` for many at once (one
    query at most)."""

    key: str
    title: str
    visible: Callable[[object], QuerySet]
    label: Callable[[object], str]
    urls: Callable[[list[int]], dict[int, str]]


_kinds: dict[str, RecordKind] = {}


def register_kind(kind: RecordKind) -> None:
    """Add a kind of record (the same key replaces the earlier one)."""
    _kinds[kind.key] = kind


def kinds() -> list[RecordKind]:
    return list(_kinds.values())


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.key, kind.title) for kind in _kinds.values()]


def find(user, key: str, record_id: int):
    """The record ``(key, record_id)`` if it exists and the user may read it, else None."""
    kind = _kinds.get(key)
    if kind is None:
        return None
    return kind.visible(user).filter(pk=record_id).first()


def label_of(key: str, record) -> str:
    return _kinds[key].label(record)[:300]


def urls_for(pairs: Iterable[tuple[str, int | None]]) -> dict[tuple[str, int], str]:
    """``{(kind, id): url}`` for the given links, one query at most per kind; links of a
    kind no longer registered have no URL."""
    by_kind: dict[str, set[int]] = {}
    for key, record_id in pairs:
        if key and record_id is not None and key in _kinds:
            by_kind.setdefault(key, set()).add(int(record_id))
    found: dict[tuple[str, int], str] = {}
    for key, ids in by_kind.items():
        for record_id, url in _kinds[key].urls(sorted(ids)).items():
            found[(key, record_id)] = url
    return found


def _each(url_name: str) -> Callable[[list[int]], dict[int, str]]:
    return lambda ids: {pk: reverse(url_name, args=[pk]) for pk in ids}


def _task_urls(ids: list[int]) -> dict[int, str]:
    rows = ProjectTask.objects.filter(pk__in=ids).values_list("pk", "project_id")
    return {pk: reverse("projects:detail", args=[project]) for pk, project in rows}


register_kind(
    RecordKind("ticket", _("Ticket"), tickets_visible_to, lambda t: str(t), _each("tickets:detail"))
)
register_kind(
    RecordKind("client", _("Client"), clients_visible_to, lambda c: c.name, _each("clients:detail"))
)
register_kind(
    RecordKind(
        "handoff",
        _("Hand-off"),
        lambda user: handoffs_visible_to(user).select_related("client"),
        lambda h: h.display_name,
        _each("handoffs:detail"),
    )
)
register_kind(
    RecordKind(
        "dev_request",
        _("Request to development"),
        requests_visible_to,
        lambda r: f"DEV-{r.pk} {r.title}",
        _each("devrequests:detail"),
    )
)
register_kind(
    RecordKind(
        "project_task",
        _("Project task"),
        lambda user: tasks_visible_to(user).select_related("project__client"),
        lambda t: f"{t.project.client.name}: {t.title}",
        _task_urls,
    )
)
register_kind(
    RecordKind(
        "claim",
        _("Claim"),
        lambda user: claims_visible_to(user).select_related("client"),
        lambda c: f"{c} — {c.client.name}",
        _each("success:claim"),
    )
)
