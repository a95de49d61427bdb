"""The client's timeline (client 360): tickets, SLA breaches, CSAT and NPS answers, claims,
churn-case events, status changes, hand-offs, requests to development and call notes,
newest first, in pages.

Each source reads at most ``limit + 1`` of its own rows before the cursor, through an index
on (client, time), and the sources are merged in Python: a page costs one query per source
whatever the client's history, so a client with 5,000 tickets opens as fast as one with 5.

The cursor is the last event shown: its time, kind and id. Events are ordered by (time,
kind, id) descending, so a page never skips or repeats an event that shares its time with
another.

An app above this one adds a source with `register_source` (the health app: drops into red).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import merge

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.permissions import (
    can_read_queue,
    can_see_churn_cases,
    can_see_claims,
    reads_all_clients,
)
from soprovod.clients.models import ClientStatusChange
from soprovod.devrequests.permissions import requests_visible_to
from soprovod.handoffs.permissions import handoffs_visible_to
from soprovod.lib.periods import department_zone
from soprovod.sla import queries as sla_queries
from soprovod.sla.models import SlaClock
from soprovod.success.models import CallNote, ChurnCase, Claim
from soprovod.surveys.models import SurveyResponse
from soprovod.tickets.permissions import tickets_visible_to

PAGE = 30


@dataclass(frozen=True, order=True)
class Cursor:
    at: dt.datetime
    kind: str
    id: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}|{self.kind}|{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        try:
            at, kind, pk = text.split("|")
            parsed = dt.datetime.fromisoformat(at)
            if parsed.tzinfo is None:
                return None
            return cls(parsed, kind, int(pk))
        except (ValueError, TypeError):
            return None


@dataclass
class Event:
    at: dt.datetime
    kind: str
    id: int
    title: str
    detail: str = ""
    url: str = ""
    tone: str = ""  # "bad", "good", "" — how the row is coloured
    all_day: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.kind, self.id)


@dataclass(frozen=True)
class Source:
    """One kind of event. ``rows(user, client, condition, limit)`` returns events newest
    first that satisfy ``condition`` (a ``Q`` on the source's time field and id built by
    `before`); ``allowed(user)`` says whether the user sees this kind at all."""

    kind: str
    label: str
    allowed: Callable
    rows: Callable
    time_field: str
    is_date: bool = False


_sources: dict[str, Source] = {}


def register_source(source: Source) -> None:
    """Add (or replace) a kind of event. Its ``rows`` must cost one query."""
    _sources[source.kind] = source


def sources_for(user) -> list[Source]:
    return [source for source in _sources.values() if source.allowed(user)]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=department_zone())


def before(source: Source, cursor: Cursor | None, id_field: str = "pk") -> Q:
    """The rows of ``source`` that come after ``cursor`` in the timeline's order."""
    if cursor is None:
        return Q()
    name = source.time_field
    if source.is_date:
        day = timezone.localtime(cursor.at, department_zone()).date()
        if cursor.at > _midnight(day):
            return Q(**{f"{name}__lte": day})
        earlier, same = Q(**{f"{name}__lt": day}), Q(**{name: day})
    else:
        earlier, same = Q(**{f"{name}__lt": cursor.at}), Q(**{name: cursor.at})
    if source.kind < cursor.kind:
        return earlier | same
    if source.kind == cursor.kind:
        return earlier | (same & Q(**{f"{id_field}__lt": cursor.id}))
    return earlier


def page(
    user, client, *, cursor: Cursor | None = None, kinds: set[str] | None = None, limit=PAGE
) -> tuple[list[Event], Cursor | None]:
    """A page of the client's timeline for ``user``: the events, and the cursor of the next
    page (None at the end). ``kinds`` narrows it to some kinds of event."""
    chosen = [s for s in sources_for(user) if not kinds or s.kind in kinds]
    streams = []
    for source in chosen:
        events = list(source.rows(user, client, before(source, cursor), limit + 1))
        streams.append(events)
    ordered = list(merge(*streams, key=lambda e: (e.at, e.kind, e.id), reverse=True))
    shown = ordered[:limit]
    more = len(ordered) > limit
    return shown, (shown[-1].cursor if more and shown else None)


# ---- the sources ---------------------------------------------------------------------------


def _ticket_url(number: int) -> str:
    return reverse("tickets:detail", args=[number])


def _tickets(user, client, condition: Q, limit: int):
    rows = (
        tickets_visible_to(user)
        .filter(client=client)
        .filter(condition)
        .order_by("-created_at", "-pk")
        .values("pk", "created_at", "subject", "type", "status")[:limit]
    )
    for row in rows:
        yield Event(
            row["created_at"],
            "ticket",
            row["pk"],
            f"#{row['pk']} {row['subject']}",
            detail=str(_("Ticket")),
            url=_ticket_url(row["pk"]),
            tone="bad" if row["type"] == "emergency" else "",
            extra={"status": row["status"], "type": row["type"]},
        )


def _breaches(user, client, condition: Q, limit: int):
    now = timezone.now()
    rows = (
        SlaClock.objects.filter(
            sla_queries.breaches_sla(now),
            ticket__in=tickets_visible_to(user).filter(client=client),
            due_at__isnull=False,
        )
        .filter(condition)
        .order_by("-due_at", "-pk")
        .values("pk", "due_at", "metric", "ticket_id", "ticket__subject")[:limit]
    )
    for row in rows:
        yield Event(
            row["due_at"],
            "sla_breach",
            row["pk"],
            f"#{row['ticket_id']} {row['ticket__subject']}",
            detail=str(_("SLA breached: %(metric)s") % {"metric": _metric_label(row["metric"])}),
            url=_ticket_url(row["ticket_id"]),
            tone="bad",
        )


def _metric_label(metric: str) -> str:
    return str(
        SlaClock._meta.get_field("metric").flatchoices
        and dict(SlaClock._meta.get_field("metric").flatchoices).get(metric, metric)
    )


def _csat(user, client, condition: Q, limit: int):
    rows = (
        tickets_visible_to(user)
        .filter(client=client, csat_at__isnull=False)
        .filter(condition)
        .order_by("-csat_at", "-pk")
        .values("pk", "csat_at", "csat_score", "csat_comment", "subject")[:limit]
    )
    for row in rows:
        yield Event(
            row["csat_at"],
            "csat",
            row["pk"],
            str(
                _("CSAT %(score)s of 5: #%(number)s")
                % {"score": row["csat_score"], "number": row["pk"]}
            ),
            detail=row["csat_comment"],
            url=_ticket_url(row["pk"]),
            tone="bad" if row["csat_score"] <= 3 else ("good" if row["csat_score"] == 5 else ""),
        )


def _nps(user, client, condition: Q, limit: int):
    rows = (
        SurveyResponse.objects.filter(client=client, kind=SurveyResponse.Kind.NPS)
        .filter(condition)
        .order_by("-answered_at", "-pk")
        .values("pk", "answered_at", "score", "comment", "contact__full_name")[:limit]
    )
    for row in rows:
        score = row["score"]
        yield Event(
            row["answered_at"],
            "nps",
            row["pk"],
            str(
                _("NPS %(score)s: %(who)s")
                % {"score": score, "who": row["contact__full_name"] or "—"}
            ),
            detail=row["comment"],
            tone="bad"
            if score is not None and score <= 6
            else ("good" if score and score >= 9 else ""),
        )


def _claims(user, client, condition: Q, limit: int):
    rows = (
        Claim.objects.filter(client=client)
        .filter(condition)
        .order_by("-created_at", "-pk")
        .values("pk", "created_at", "number", "direction", "principal_rub", "outcome")[:limit]
    )
    for row in rows:
        label = Claim(direction=row["direction"]).get_direction_display()
        yield Event(
            row["created_at"],
            "claim",
            row["pk"],
            str(_("Claim %(number)s") % {"number": row["number"]}),
            detail=f"{label} · {row['principal_rub']:,.0f} ₽".replace(",", " "),
            url=reverse("success:claim", args=[row["pk"]]),
            tone="bad" if not row["outcome"] else "",
        )


def _churn(user, client, condition: Q, limit: int):
    rows = (
        ChurnCase.objects.filter(client=client)
        .filter(condition)
        .select_related("reason")
        .order_by("-opened_at", "-pk")[:limit]
    )
    for case in rows:
        if case.outcome:
            detail = _("%(outcome)s on %(date)s") % {
                "outcome": case.get_outcome_display(),
                "date": case.outcome_on.strftime("%d.%m.%Y"),
            }
        else:
            detail = _("open")
        yield Event(
            case.opened_at,
            "churn",
            case.pk,
            str(_("Churn case: %(reason)s") % {"reason": case.reason or "—"}),
            detail=str(detail),
            url=reverse("success:churn_case", args=[case.pk]),
            tone="bad" if case.outcome in ("", "lost") else "good",
        )


def _statuses(user, client, condition: Q, limit: int):
    rows = (
        ClientStatusChange.objects.filter(client=client)
        .filter(condition)
        .order_by("-effective_on", "-pk")[:limit]
    )
    for change in rows:
        yield Event(
            _midnight(change.effective_on),
            "status",
            change.pk,
            str(_("Status: %(status)s") % {"status": change.get_status_display()}),
            detail=change.comment,
            tone="bad" if change.status in ("at_risk", "churned") else "",
            all_day=True,
        )


def _handoffs(user, client, condition: Q, limit: int):
    rows = (
        handoffs_visible_to(user)
        .filter(client=client)
        .filter(condition)
        .order_by("-created_at", "-pk")[:limit]
    )
    for handoff in rows:
        yield Event(
            handoff.created_at,
            "handoff",
            handoff.pk,
            str(_("Hand-off from sales: %(status)s") % {"status": handoff.get_status_display()}),
            url=reverse("handoffs:detail", args=[handoff.pk]),
        )


def _devrequests(user, client, condition: Q, limit: int):
    rows = (
        requests_visible_to(user)
        .filter(clients=client)
        .filter(condition)
        .order_by("-created_at", "-pk")
        .values("pk", "created_at", "title", "status")[:limit]
    )
    for row in rows:
        yield Event(
            row["created_at"],
            "devrequest",
            row["pk"],
            f"DEV-{row['pk']} {row['title']}",
            detail=str(_("Request to development")),
            url=reverse("devrequests:detail", args=[row["pk"]]),
        )


def _notes(user, client, condition: Q, limit: int):
    rows = (
        CallNote.objects.filter(client=client)
        .filter(condition)
        .order_by("-held_on", "-pk")
        .select_related("created_by")
        .prefetch_related("next_steps")[:limit]
    )
    for note in rows:
        yield Event(
            _midnight(note.held_on),
            "note",
            note.pk,
            f"{note.get_kind_display()}: {note.summary[:120]}",
            detail=str(note.created_by or ""),
            all_day=True,
            extra={"steps": list(note.next_steps.all())},
        )


def _yes(user) -> bool:
    return True


for _source in (
    Source("ticket", _("Tickets"), can_read_queue, _tickets, "created_at"),
    Source("sla_breach", _("SLA breaches"), can_read_queue, _breaches, "due_at"),
    Source("csat", _("CSAT"), can_read_queue, _csat, "csat_at"),
    Source("nps", _("NPS"), reads_all_clients, _nps, "answered_at"),
    Source("claim", _("Claims"), can_see_claims, _claims, "created_at"),
    Source("churn", _("Churn cases"), can_see_churn_cases, _churn, "opened_at"),
    Source("status", _("Status changes"), _yes, _statuses, "effective_on", is_date=True),
    Source("handoff", _("Hand-offs"), _yes, _handoffs, "created_at"),
    Source("devrequest", _("Development"), reads_all_clients, _devrequests, "created_at"),
    Source("note", _("Calls and meetings"), reads_all_clients, _notes, "held_on", is_date=True),
):
    register_source(_source)
