"""What an escalation is about, for the pages that list escalations of every kind.

An escalation names a ticket or a client itself; a record of a higher app (a hand-off, a
request to development) is linked from that app's side, and the app registers its subject
kind here in its ``AppConfig.ready``: a label and a function that describes a batch of its
escalations (one query per kind, whatever the number of rows). This layer never names the
higher apps, not even as strings: their kind codes arrive through ``register_subject``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from soprovod.tickets.models import Escalation


@dataclass(frozen=True)
class SubjectLink:
    """What a page shows for an escalation's subject: words and, when there is one, a link."""

    text: str
    url: str = ""


# ids of escalations of one kind → {escalation id: SubjectLink}
Describe = Callable[[list[int]], dict[int, SubjectLink]]


@dataclass(frozen=True)
class SubjectKind:
    code: str
    label: str
    describe: Describe | None = None


_KINDS: dict[str, SubjectKind] = {}


def register_subject(code: str, label, describe: Describe) -> None:
    """Called by a higher app in its ``AppConfig.ready``: escalations with ``subject=code``
    are about its records, and ``describe`` says which."""
    _KINDS[code] = SubjectKind(code, label, describe)


def _own_kinds() -> dict[str, SubjectKind]:
    return {
        Escalation.SUBJECT_TICKET: SubjectKind(Escalation.SUBJECT_TICKET, _("Ticket")),
        Escalation.SUBJECT_CLIENT: SubjectKind(Escalation.SUBJECT_CLIENT, _("Client")),
        Escalation.SUBJECT_DEPARTMENT: SubjectKind(
            Escalation.SUBJECT_DEPARTMENT, _("Cross-department issue")
        ),
    }


def subject_kinds() -> dict[str, SubjectKind]:
    """Every subject kind known: this layer's and the registered ones."""
    return {**_own_kinds(), **_KINDS}


def subject_label(code: str) -> str:
    kind = subject_kinds().get(code)
    return str(kind.label) if kind else code


def describe(escalations: Iterable[Escalation]) -> dict[int, SubjectLink]:
    """The subject of each escalation (their ticket and client selected with them): one
    query per registered kind present, none for tickets and clients."""
    rows = list(escalations)
    result: dict[int, SubjectLink] = {}
    by_kind: dict[str, list[int]] = {}
    for row in rows:
        if row.subject in _KINDS:
            by_kind.setdefault(row.subject, []).append(row.pk)
        elif row.ticket_id:
            result[row.pk] = SubjectLink(
                f"#{row.ticket_id} {row.ticket.subject}",
                reverse("tickets:detail", args=[row.ticket_id]),
            )
        elif row.client_id:
            result[row.pk] = SubjectLink(
                str(row.client), reverse("clients:detail", args=[row.client_id])
            )
        else:
            result[row.pk] = SubjectLink(str(_("Cross-department issue")))
    for code, ids in by_kind.items():
        described = _KINDS[code].describe(ids) if _KINDS[code].describe else {}
        for pk in ids:
            result[pk] = described.get(pk, SubjectLink(subject_label(code)))
    return result
