"""The history replay that the ticket import and the demo share: a ticket's life, written
as the ticket actions would have written it, in bulk.

`replay` takes a ticket's history through the ticket actions' rules in memory —
the status workflow, the first public reply, waiting for the client, resolution, reopening,
closing, rating, version numbers and audit events of `tickets.actions`, with the clock
arithmetic of `sla.clocks` (due times, pauses, elapsed time, evaluation) — and bulk-inserts
the result. Calling the actions themselves with explicit times gives the same rows but
costs about 30 queries and 20 ms per ticket, over three minutes for 10,000 tickets on
SQLite; the replay needs a few queries per hundred tickets. tests/test_imports.py replays
random histories both ways and compares every row, so a rule the actions gain and the
replay misses fails there. The replay queues nothing on commit: an import or the demo
notifies and mails no one.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.models import User
from soprovod.audit.models import AuditEvent, seal
from soprovod.audit.recorder import diff, snapshot
from soprovod.clients.models import Client
from soprovod.core import bulk
from soprovod.lib.csvio import Progress
from soprovod.search import index as search_index

# The clock module's own arithmetic, so that replayed clocks are computed exactly as live ones.
from soprovod.sla.clocks import TicketClocks, build_clocks, settle
from soprovod.sla.models import Metric, SlaClock, SlaPause, SlaTarget
from soprovod.sla.queries import PolicyResolver
from soprovod.sla.signals import clocks_were_written

# The workflow's own transition table and error.
from soprovod.tickets.actions import (
    ALLOWED_TRANSITIONS,
    AUDITED_FIELDS,
    TicketError,
    rating_refusal,
)
from soprovod.tickets.models import Category, Channel, Ticket, TicketMessage, TicketStatus

# Rows per bulk step of the replay: progress is reported after each.
CHUNK = 500
# PostgreSQL inserts the replayed rows with COPY (`core.bulk`), the same rows bulk_create
# writes elsewhere; tests/test_imports.py compares the two paths row by row.
COPY_ON_POSTGRESQL = True


@dataclass
class Event:
    """One thing that happened to a ticket after it was created, as the actions take it.

    Build events with `reply`, `note`, `client_reply`, `change_status` and `rate`.
    """

    at: dt.datetime
    kind: str
    actor: User | None = None
    body: str = ""
    status: str = ""
    score: int = 0
    comment: str = ""
    reason: str = ""
    source: str = TicketMessage.Source.WEB
    author_email: str = ""


def reply(
    at: dt.datetime, actor: User | None, body: str, *, source: str = TicketMessage.Source.WEB
) -> Event:
    """A public staff reply (``do_add_message(actor, ticket, body, at=at)``)."""
    return Event(at, "reply", actor, body=body, source=source)


def note(at: dt.datetime, actor: User | None, body: str) -> Event:
    """An internal note (``do_add_message(..., internal=True)``)."""
    return Event(at, "note", actor, body=body)


def client_reply(
    at: dt.datetime,
    body: str,
    *,
    author: User | None = None,
    author_email: str = "",
    source: str = TicketMessage.Source.PORTAL,
) -> Event:
    """The client writes (``do_add_message(..., from_staff=False)``): a ticket waiting for
    them is back in progress."""
    return Event(at, "client_reply", author, body=body, source=source, author_email=author_email)


def change_status(
    at: dt.datetime, status: str, actor: User | None = None, reason: str = ""
) -> Event:
    """``do_change_status(actor, ticket, status, at=at, reason=reason)``."""
    return Event(at, "status", actor, status=status, reason=reason)


def rate(at: dt.datetime, score: int, comment: str = "", actor: User | None = None) -> Event:
    """``do_rate(actor, ticket, score, comment, at=at)``."""
    return Event(at, "rate", actor, score=score, comment=comment)


@dataclass
class History:
    """A ticket's life: what ``do_create_ticket`` is given, then its events in time order."""

    subject: str
    body: str
    type: str
    created_at: dt.datetime
    channel: str = Channel.PORTAL
    client: Client | None = None
    category: Category | None = None
    site: Any = None
    contact: Any = None
    requester_email: str = ""
    assignee: User | None = None
    creator: User | None = None  # the actor of do_create_ticket
    source: str | None = None
    external_id: str | None = None
    events: list[Event] = field(default_factory=list)
    # Audit events written after the history, e.g. the «imported» row: (actor, action,
    # changes, reason).
    extra_audit: list[tuple] = field(default_factory=list)


@dataclass
class Replayed:
    """One ticket as the replay made it: unsaved rows, and the audit events to write."""

    ticket: Ticket
    messages: list[TicketMessage]
    clocks: list[SlaClock]
    pauses: list[SlaPause]
    audit: list[tuple]  # (actor, action, changes, reason, at)
    repeat_of: Ticket | int | None = None
    # When the live workflow last settled the clocks (creation: the replay's ``now``).
    settled_at: dt.datetime | None = None


def replayed(histories: Sequence[History], *, now: dt.datetime | None = None) -> list[Replayed]:
    """Each history taken through the actions' rules in memory, in order of creation, with
    its repeats found; nothing is written (``replay`` writes it, a check may compare it)."""
    now = now or timezone.now()
    replayer = Replayer(now)
    with translation.override(settings.LANGUAGE_CODE):
        results = [replayer.ticket(h) for h in sorted(histories, key=lambda h: h.created_at)]
    settle(
        [
            TicketClocks.of(
                result.clocks,
                pauses=[(p.started_at, p.ended_at) for p in result.pauses],
                now=result.settled_at or now,
            )
            for result in results
        ],
        now,
    )
    find_repeats(results)
    return results


def replay(
    histories: Sequence[History],
    *,
    now: dt.datetime | None = None,
    audit_at_event_time: bool = False,
    progress: Progress | None = None,
) -> list[Ticket]:
    """Write each history as the ticket actions would have, with clocks, messages, pauses
    and audit events (module doc); tickets are numbered in order of creation.

    ``now`` is the moment the live actions would read from the clock (it decides the
    initial status of new clocks, as in `sla.clocks.build_clocks`). Audit events are dated
    now, as an import records them, or at the events' times (``audit_at_event_time``, for
    demo data that reads as if it had happened). Raises TicketError or ValidationError for
    a history the actions would refuse. Call inside a transaction.
    """
    now = now or timezone.now()
    results = replayed(histories, now=now)
    content_type = ContentType.objects.get_for_model(Ticket)
    for start in range(0, len(results), CHUNK):
        insert(results[start : start + CHUNK], content_type, now, audit_at_event_time)
        if progress:
            progress(min(start + CHUNK, len(results)), len(results))
    return [result.ticket for result in results]


class Replayer:
    """The actions' rules on unsaved objects (`tickets.actions`, `sla.clocks`): ``ticket``
    takes one history; its methods mirror the actions and clock rules they are named after."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.labels: dict[str, str] = {}  # status labels in the audit trail, translated once
        # Each client's policy from its assignment rules (`sla.queries.policy_for`), the rules
        # read once; the targets per policy and type loaded once per policy, the same rows in
        # the same order as `clocks.targets_for(policy, type)`.
        self.policy_for = PolicyResolver()
        self._targets: dict[int, dict[str, list[SlaTarget]]] = {}

    def targets(self, policy_id: int) -> dict[str, list[SlaTarget]]:
        if policy_id not in self._targets:
            by_type: dict[str, list[SlaTarget]] = defaultdict(list)
            for target in SlaTarget.objects.filter(policy_id=policy_id).select_related("calendar"):
                by_type[target.ticket_type].append(target)
            self._targets[policy_id] = by_type
        return self._targets[policy_id]

    # -- do_create_ticket ------------------------------------------------------------------

    def ticket(self, history: History) -> Replayed:
        contact = history.contact
        ticket = Ticket(
            external_id=history.external_id,
            client=history.client,
            site=history.site,
            contact=contact,
            requester_email=history.requester_email or (contact.email if contact else ""),
            type=history.type,
            category=history.category,
            channel=history.channel,
            subject=history.subject.strip()[:300],
            assignee=history.assignee,
            created_at=history.created_at,
            is_repeat=False,
            policy=self.policy_for(history.client),
        )
        # The actions' full_clean, minus the queries: foreign keys are objects we were given.
        ticket.clean_fields(
            exclude=["policy", "client", "site", "contact", "category", "assignee", "repeat_of"]
        )
        state = Replayed(
            ticket=ticket,
            messages=[
                TicketMessage(
                    ticket=ticket,
                    author=_user(history.creator),
                    author_email=history.requester_email,
                    from_staff=False,
                    kind=TicketMessage.Kind.PUBLIC,
                    source=history.source or history.channel,
                    body=history.body,
                    created_at=history.created_at,
                )
            ],
            clocks=self._build_clocks(ticket),
            pauses=[],
            audit=[],
        )
        self._audit(
            state,
            history.creator,
            AuditEvent.Action.CREATED,
            diff({}, snapshot(ticket, AUDITED_FIELDS)),
            at=history.created_at,
        )
        last = history.created_at
        for event in history.events:
            if event.at < last:
                raise ValueError(f"{ticket.subject}: events must be in time order")
            last = event.at
            if event.kind in ("reply", "note", "client_reply"):
                self._add_message(state, event)
            elif event.kind == "status":
                self._change_status(state, event)
            elif event.kind == "rate":
                self._rate(state, event)
            else:
                raise ValueError(f"unknown event {event.kind!r}")
        for actor, action, changes, reason in history.extra_audit:
            self._audit(state, actor, action, changes, reason=reason, at=last)
        return state

    def _build_clocks(self, ticket: Ticket) -> list[SlaClock]:
        return build_clocks(ticket, self.now, targets=self.targets(ticket.policy_id)[ticket.type])

    # -- do_add_message ----------------------------------------------------------------------

    def _add_message(self, state: Replayed, event: Event) -> None:
        ticket = state.ticket
        internal = event.kind == "note"
        from_staff = event.kind != "client_reply"
        if not event.body.strip():
            raise TicketError(_("The message is empty."))
        if ticket.status == TicketStatus.CLOSED:
            raise TicketError(_("The ticket is closed: open a new one instead."))
        state.messages.append(
            TicketMessage(
                ticket=ticket,
                author=_user(event.actor),
                author_email=event.author_email,
                from_staff=from_staff,
                kind=TicketMessage.Kind.INTERNAL if internal else TicketMessage.Kind.PUBLIC,
                source=event.source,
                is_automatic=False,
                body=event.body,
                created_at=event.at,
            )
        )
        if from_staff and not internal:
            if ticket.first_response_at is None:
                ticket.first_response_at = event.at
                self._stop(state, Metric.FIRST_RESPONSE, event.at)
            if ticket.status == TicketStatus.NEW:
                ticket.status = TicketStatus.OPEN
        elif not from_staff and ticket.status == TicketStatus.WAITING_CLIENT:
            ticket.status = TicketStatus.OPEN
            self._resume(state, event.at)
        ticket.version += 1

    # -- do_change_status ----------------------------------------------------------------------

    def _change_status(self, state: Replayed, event: Event) -> None:
        ticket, at, status = state.ticket, event.at, event.status
        old = ticket.status
        if status == old:
            return
        if status not in ALLOWED_TRANSITIONS[old]:
            raise TicketError(
                _("A ticket cannot go from “%(old)s” to “%(new)s”.")
                % {"old": TicketStatus(old).label, "new": TicketStatus(status).label}
            )
        if old == TicketStatus.RESOLVED and status == TicketStatus.OPEN:
            ticket.reopened_count += 1
            ticket.is_repeat = True  # kpi.md: reopened after resolution is a repeat
            ticket.resolved_at = None
            self._reopen(state, at)
        elif status == TicketStatus.WAITING_CLIENT:
            self._pause(state, at)
        elif old == TicketStatus.WAITING_CLIENT and status == TicketStatus.OPEN:
            self._resume(state, at)
        if status == TicketStatus.RESOLVED:
            ticket.resolved_at = at
            self._stop(state, Metric.RESOLUTION, at)
        if status == TicketStatus.CLOSED:
            ticket.closed_at = at
            for clock in state.clocks:
                clock.frozen = True
        ticket.status = status
        ticket.version += 1
        self._audit(
            state,
            event.actor,
            AuditEvent.Action.STATUS,
            {"status": [self._label(old), self._label(status)]},
            reason=event.reason,
            at=at,
        )

    def _label(self, status: str) -> str:
        if status not in self.labels:
            self.labels[status] = str(TicketStatus(status).label)
        return self.labels[status]

    # -- do_rate ---------------------------------------------------------------------------------

    def _rate(self, state: Replayed, event: Event) -> None:
        ticket = state.ticket
        if not 1 <= int(event.score) <= 5:
            raise TicketError(_("The rating must be from 1 to 5."))
        refusal = rating_refusal(ticket)
        if refusal:
            raise TicketError(refusal)
        old_score = ticket.csat_score
        ticket.csat_score = int(event.score)
        ticket.csat_comment = event.comment.strip()
        ticket.csat_at = event.at
        ticket.version += 1
        self._audit(
            state,
            event.actor,
            AuditEvent.Action.OTHER,
            {"csat": [old_score, ticket.csat_score]},
            at=event.at,
        )

    # -- the clocks (sla.clocks: on_first_public_reply, on_waiting_client, ...) -----------------
    # Each writes the clock's history (stop, pauses) as the live event does and notes when
    # the live event would have settled the clocks; `replayed` settles them all at the end
    # with the same rule (`sla.clocks.settle`).

    @staticmethod
    def _clock(state: Replayed, metric: str) -> SlaClock | None:
        return next((clock for clock in state.clocks if clock.metric == metric), None)

    @staticmethod
    def _open_pause(state: Replayed) -> SlaPause | None:
        last = state.pauses[-1] if state.pauses else None
        return last if last is not None and last.ended_at is None else None

    def _end_pause(self, state: Replayed, at: dt.datetime) -> None:
        pause = self._open_pause(state)
        if pause is not None:
            pause.ended_at = max(at, pause.started_at)

    def _stop(self, state: Replayed, metric: str, at: dt.datetime) -> None:
        clock = self._clock(state, metric)
        if clock is None or clock.stopped_at is not None:
            return
        if metric == Metric.RESOLUTION:
            self._end_pause(state, at)
        clock.stopped_at = max(at, clock.started_at)
        state.settled_at = at

    def _pause(self, state: Replayed, at: dt.datetime) -> None:
        clock = self._clock(state, Metric.RESOLUTION)
        if clock is None or clock.stopped_at or self._open_pause(state):
            return
        state.pauses.append(
            SlaPause(
                clock=clock,
                started_at=max(at, clock.started_at),
                reason=SlaPause.Reason.WAITING_CLIENT,
            )
        )
        state.settled_at = at

    def _resume(self, state: Replayed, at: dt.datetime) -> None:
        clock = self._clock(state, Metric.RESOLUTION)
        if clock is None or self._open_pause(state) is None:
            return
        self._end_pause(state, at)
        state.settled_at = at

    def _reopen(self, state: Replayed, at: dt.datetime) -> None:
        clock = self._clock(state, Metric.RESOLUTION)
        if clock is None or clock.stopped_at is None:
            return
        state.pauses.append(
            SlaPause(
                clock=clock,
                started_at=clock.stopped_at,
                ended_at=max(at, clock.stopped_at),
                reason=SlaPause.Reason.RESOLVED,
            )
        )
        clock.stopped_at = None
        state.settled_at = at

    # -- audit.recorder.record ---------------------------------------------------------------------

    @staticmethod
    def _audit(state, actor, action, changes, *, reason="", at) -> None:
        state.audit.append((actor, action, changes, reason, at))


def _user(actor) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def find_repeats(results: list[Replayed]) -> None:
    """kpi.md «repeat_rate», as `actions.find_repeat_of` decides it when a ticket is created:
    the latest ticket of the same client and category resolved within the window before,
    among the tickets in the database and those being replayed."""
    window = dt.timedelta(days=settings.REPEAT_WINDOW_DAYS)
    candidates = [r for r in results if r.ticket.client_id and r.ticket.category_id]
    if not candidates:
        return
    resolved: dict[tuple[int, int], list[tuple[dt.datetime, int, Ticket | int]]] = defaultdict(list)
    earliest = min(r.ticket.created_at for r in candidates) - window
    latest = max(r.ticket.created_at for r in candidates)
    stored = Ticket.objects.filter(
        client_id__in={r.ticket.client_id for r in candidates},
        category_id__in={r.ticket.category_id for r in candidates},
        resolved_at__gte=earliest,
        resolved_at__lt=latest,
    ).values_list("pk", "client_id", "category_id", "resolved_at")
    for pk, client_id, category_id, resolved_at in stored:
        resolved[(client_id, category_id)].append((resolved_at, pk, pk))
    for order, result in enumerate(results, start=1):
        ticket = result.ticket
        if ticket.resolved_at and ticket.client_id and ticket.category_id:
            # Replayed tickets get numbers after the stored ones, in this order.
            resolved[(ticket.client_id, ticket.category_id)].append(
                (ticket.resolved_at, 2**62 + order, ticket)
            )
    for entries in resolved.values():
        entries.sort(key=lambda entry: (entry[0], entry[1]))
    for result in candidates:
        ticket = result.ticket
        entries = resolved.get((ticket.client_id, ticket.category_id), [])
        position = bisect_left(entries, ticket.created_at, key=lambda entry: entry[0])
        if position and entries[position - 1][0] >= ticket.created_at - window:
            result.repeat_of = entries[position - 1][2]
            ticket.is_repeat = True


def insert(
    results: list[Replayed],
    content_type: ContentType,
    now: dt.datetime,
    audit_at_event_time: bool,
) -> None:
    """Bulk-insert one chunk of replayed tickets with everything that hangs on them."""
    if connection.vendor == "postgresql" and COPY_ON_POSTGRESQL:
        _insert_by_copy(results, content_type, now, audit_at_event_time)
        return
    # A repeat points at an earlier ticket; when that one is still unsaved in the same
    # batch, the batch is saved first, so every ticket is inserted once with its link and
    # the numbers follow the order of creation.
    batch: list[Ticket] = []
    for result in results:
        target = result.repeat_of
        if target is not None:
            if isinstance(target, Ticket) and target.pk is None:
                Ticket.objects.bulk_create(batch)
                batch = []
            result.ticket.repeat_of_id = target if isinstance(target, int) else target.pk
        batch.append(result.ticket)
    Ticket.objects.bulk_create(batch)
    TicketMessage.objects.bulk_create([m for result in results for m in result.messages])
    SlaClock.objects.bulk_create([c for result in results for c in result.clocks])
    SlaPause.objects.bulk_create([p for result in results for p in result.pauses])
    _announce(results)
    AuditEvent.objects.bulk_create(_audit_events(results, content_type, now, audit_at_event_time))


def _insert_by_copy(
    results: list[Replayed], content_type: ContentType, now: dt.datetime, audit_at_event_time: bool
) -> None:
    """`insert` on PostgreSQL: the same rows, written with COPY (`core.bulk`); tickets and
    clocks take their ids from their sequences first, in order of creation."""
    tickets = [result.ticket for result in results]
    bulk.assign_ids(Ticket, tickets)
    for result in results:
        target = result.repeat_of
        if target is not None:
            result.ticket.repeat_of_id = target if isinstance(target, int) else target.pk
    bulk.copy_insert(Ticket, tickets)
    bulk.copy_insert(TicketMessage, [m for result in results for m in result.messages])
    clocks = [c for result in results for c in result.clocks]
    bulk.assign_ids(SlaClock, clocks)
    bulk.copy_insert(SlaClock, clocks)
    bulk.copy_insert(SlaPause, [p for result in results for p in result.pauses])
    _announce(results)
    events = list(_audit_events(results, content_type, now, audit_at_event_time))
    seal(events)
    bulk.copy_insert(AuditEvent, events)


def _announce(results: list[Replayed]) -> None:
    # Bulk inserts send no post_save: tell the layers above which months gained tickets,
    # and have the search index the tickets when the import commits.
    clocks_were_written(
        Ticket,
        instants=[at for r in results for at in (r.ticket.created_at, r.ticket.resolved_at) if at],
    )
    search_index.index_later("ticket", [r.ticket.pk for r in results])


def _audit_events(results, content_type, now, audit_at_event_time):
    return (
        AuditEvent(
            at=at if audit_at_event_time else now,
            actor=_user(actor),
            action=action,
            content_type=content_type,
            object_id=str(result.ticket.pk),
            object_repr=str(result.ticket)[:300],
            changes=changes,
            reason=reason,
        )
        for result in results
        for actor, action, changes, reason, at in result.audit
    )
