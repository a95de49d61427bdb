"""Historical tickets from CSV (interfaces.md «CSV files», tickets), and the history replay
that the import and the demo share.

**The file.** Columns ``external_id, client_external_id, type, category, subject,
created_at`` and, optional, ``first_response_at, resolved_at, on_hold, csat``. ``type`` is
a code or its Russian label (``экстренное``, ``стандартное``, ``консультация``); the client
is found by its ``external_id``; the category by name, ignoring case (a missing one is
created). Times are ISO 8601, in the department's zone when they have no offset. ``on_hold``
lists the ``start/end`` intervals when the ticket waited for the client; they lie within
``[created_at, resolved_at]`` (up to now for an open ticket). ``csat`` (1–5) is for resolved
tickets only. No time may be in the future, and the first response and the resolution are
not before the creation; the first response is not after the resolution. The computed
columns of ``soprovod export tickets`` are accepted and ignored, so an export imports as it
is (its SLA figures are recomputed from the timestamps).

**All or nothing**, as the clients import: every row is checked first and every bad row is
reported in one CsvFileError; a clean file is written in one transaction.

**History, not a snapshot.** sla.md: «import of historical tickets computes their outcomes
from their timestamps». Each new row is replayed as it happened: created at ``created_at``
(the subject is the client's request), the first public staff reply at
``first_response_at``, waiting for the client over each ``on_hold`` interval, resolved at
``resolved_at`` and rated with ``csat``, and closed once the reopen window has passed
(at ``resolved_at`` + ``REOPEN_WINDOW_DAYS``, as the daily job would have closed it), so
its outcome is final. Repeats (kpi.md «repeat_rate») are found among the tickets in the
database and in the file.

**Matching by external_id.** An imported ticket keeps the row it came from in its
``imported`` audit event. A row equal to it (same instants, whatever their spelling) is
unchanged and writes nothing — so importing a file again changes nothing, even after the
tickets moved on in Soprovod. A row that differs from it is **refused**, with an error on
each column that differs: an import never rewrites a ticket's history, and so never the
SLA outcome computed from it (closed tickets keep their outcome, sla.md «Recalculation»).
Correct such a ticket in Soprovod. A ticket that has the external_id but was not imported
(made by other means) is refused too.

**Replay.** `replay` takes a ticket's history through the ticket actions' rules in memory —
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.models import User
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, snapshot
from soprovod.clients.models import Client
from soprovod.lib.csvio import (
    CsvFileError,
    CsvIssue,
    FieldError,
    ImportResult,
    RowErrors,
    parse_choice,
    parse_datetime,
    parse_int,
    parse_intervals,
    read_table,
)

# The clock module's own arithmetic, so that replayed clocks are computed exactly as live ones.
from soprovod.sla.clocks import (
    _between,
    _refresh_due,
    build_clocks,
    default_policy,
    elapsed_seconds,
    engine,
)
from soprovod.sla.clocks import evaluate as evaluate_clock
from soprovod.sla.models import Metric, SlaClock, SlaPause, SlaTarget

# The workflow's own transition table and error.
from soprovod.tickets.actions import _ALLOWED, AUDITED_FIELDS, TicketError, rating_refusal
from soprovod.tickets.models import Category, Channel, Ticket, TicketMessage, TicketStatus

REQUIRED_COLUMNS = (
    "external_id",
    "client_external_id",
    "type",
    "category",
    "subject",
    "created_at",
)
OPTIONAL_COLUMNS = ("first_response_at", "resolved_at", "on_hold", "csat")
IMPORT_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
# What `soprovod export tickets` adds (tickets/exports.py): accepted, ignored, recomputed.
COMPUTED_COLUMNS = (
    "first_response_due",
    "resolution_due",
    "resolution_ceiling",
    "first_response_status",
    "resolution_status",
    "sla_status",
    "first_response_minutes",
    "resolution_business_minutes",
    "is_repeat",
    "number",
)

# Spellings accepted in the type column: the codes and the Russian labels people type.
TYPE_SPELLINGS: dict[str, str] = {
    "emergency": "emergency",
    "standard": "standard",
    "consultation": "consultation",
    "экстренное": "emergency",
    "стандартное": "standard",
    "консультация": "consultation",
}

Progress = Callable[[int, int], None]

# Rows per bulk step of the replay: progress is reported after each.
CHUNK = 500


# ==== the replay ================================================================================


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
class _Replayed:
    ticket: Ticket
    messages: list[TicketMessage]
    clocks: list[SlaClock]
    pauses: list[SlaPause]
    audit: list[tuple]  # (actor, action, changes, reason, at)
    repeat_of: Ticket | int | None = None


def replay(
    histories: Sequence[History],
    *,
    now: dt.datetime | None = None,
    audit_at_event_time: bool = False,
    progress: Progress | None = None,
) -> list[Ticket]:
    """Write each history as the ticket actions would have, with clocks, messages, pauses
    and audit events (module doc, «Replay»); tickets are numbered in order of creation.

    ``now`` is the moment the live actions would read from the clock (it decides the
    initial status of new clocks, as in `sla.clocks.build_clocks`). Audit events are dated
    now, as an import records them, or at the events' times (``audit_at_event_time``, for
    demo data that reads as if it had happened). Raises TicketError or ValidationError for
    a history the actions would refuse. Call inside a transaction.
    """
    now = now or timezone.now()
    ordered = sorted(histories, key=lambda h: h.created_at)
    replayer = _Replayer(now)
    with translation.override(settings.LANGUAGE_CODE):
        results = [replayer.ticket(history) for history in ordered]
    _find_repeats(results)
    content_type = ContentType.objects.get_for_model(Ticket)
    for start in range(0, len(results), CHUNK):
        _insert(results[start : start + CHUNK], content_type, now, audit_at_event_time)
        if progress:
            progress(min(start + CHUNK, len(results)), len(results))
    return [result.ticket for result in results]


class _Replayer:
    """The actions' rules on unsaved objects (`tickets.actions`, `sla.clocks`)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.labels: dict[str, str] = {}  # status labels in the audit trail, translated once
        self.targets: dict[str, list[SlaTarget]] = defaultdict(list)
        # The same rows, in the same order, as `clocks.targets_for(default_policy(), type)`.
        for target in SlaTarget.objects.filter(policy=default_policy()).select_related("calendar"):
            self.targets[target.ticket_type].append(target)

    # -- do_create_ticket ------------------------------------------------------------------

    def ticket(self, history: History) -> _Replayed:
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
        )
        # The actions' full_clean, minus the queries: foreign keys are objects we were given.
        ticket.clean_fields(
            exclude=["policy", "client", "site", "contact", "category", "assignee", "repeat_of"]
        )
        state = _Replayed(
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
        return build_clocks(ticket, self.now, targets=self.targets[ticket.type])

    # -- do_add_message ----------------------------------------------------------------------

    def _add_message(self, state: _Replayed, event: Event) -> None:
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

    def _change_status(self, state: _Replayed, event: Event) -> None:
        ticket, at, status = state.ticket, event.at, event.status
        old = ticket.status
        if status == old:
            return
        if status not in _ALLOWED[old]:
            raise TicketError(
                _("A ticket cannot go from “%(old)s” to “%(new)s”.")
                % {"old": TicketStatus(old).label, "new": TicketStatus(status).label}
            )
        if old == TicketStatus.RESOLVED and status == TicketStatus.OPEN:
            ticket.reopened_count += 1
            ticket.is_repeat = True  # kpi.md: reopened after resolution is a repeat
            ticket.resolved_at = None
            for metric in (Metric.RESOLUTION, Metric.RESOLUTION_CEILING):
                self._reopen(state, metric, at)
        elif status == TicketStatus.WAITING_CLIENT:
            self._pause(state, at)
        elif old == TicketStatus.WAITING_CLIENT and status == TicketStatus.OPEN:
            self._resume(state, at)
        if status == TicketStatus.RESOLVED:
            ticket.resolved_at = at
            for metric in (Metric.RESOLUTION, Metric.RESOLUTION_CEILING):
                self._stop(state, metric, at)
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

    def _rate(self, state: _Replayed, event: Event) -> None:
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

    # -- the clocks (sla.clocks: stop, pause, resume, reopen) -------------------------------------

    @staticmethod
    def _clock(state: _Replayed, metric: str) -> SlaClock | None:
        return next((clock for clock in state.clocks if clock.metric == metric), None)

    def _stop(self, state: _Replayed, metric: str, at: dt.datetime) -> None:
        clock = self._clock(state, metric)
        if clock is None or clock.stopped_at is not None:
            return
        if clock.paused_since is not None:
            self._close_pause(state, clock, at)
        clock.stopped_at = max(at, clock.started_at)
        clock.elapsed_seconds = elapsed_seconds(clock, clock.stopped_at)
        clock.status = evaluate_clock(clock, at)

    def _pause(self, state: _Replayed, at: dt.datetime) -> None:
        clock = self._clock(state, Metric.RESOLUTION)
        if clock is None or clock.stopped_at or clock.paused_since:
            return
        clock.paused_since = max(at, clock.started_at)
        clock.status = evaluate_clock(clock, at)
        state.pauses.append(
            SlaPause(
                clock=clock, started_at=clock.paused_since, reason=SlaPause.Reason.WAITING_CLIENT
            )
        )

    def _close_pause(self, state: _Replayed, clock: SlaClock, at: dt.datetime) -> None:
        end = max(at, clock.paused_since)
        clock.paused_seconds += _between(engine(clock), clock.paused_since, end)
        for pause in state.pauses:
            if pause.clock is clock and pause.ended_at is None:
                pause.ended_at = end
        clock.paused_since = None
        _refresh_due(clock, engine(clock))

    def _resume(self, state: _Replayed, at: dt.datetime) -> None:
        clock = self._clock(state, Metric.RESOLUTION)
        if clock is None or clock.paused_since is None:
            return
        self._close_pause(state, clock, at)
        clock.status = evaluate_clock(clock, at)

    def _reopen(self, state: _Replayed, metric: str, at: dt.datetime) -> None:
        clock = self._clock(state, metric)
        if clock is None or clock.stopped_at is None:
            return
        if clock.metric == Metric.RESOLUTION:
            end = max(at, clock.stopped_at)
            state.pauses.append(
                SlaPause(
                    clock=clock,
                    started_at=clock.stopped_at,
                    ended_at=end,
                    reason=SlaPause.Reason.RESOLVED,
                )
            )
            clock.paused_seconds += _between(engine(clock), clock.stopped_at, end)
            _refresh_due(clock, engine(clock))
        clock.stopped_at = None
        clock.elapsed_seconds = None
        clock.status = evaluate_clock(clock, at)

    # -- audit.recorder.record ---------------------------------------------------------------------

    @staticmethod
    def _audit(state, actor, action, changes, *, reason="", at) -> None:
        state.audit.append((actor, action, changes, reason, at))


def _user(actor) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def _find_repeats(results: list[_Replayed]) -> None:
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


def _insert(
    results: list[_Replayed],
    content_type: ContentType,
    now: dt.datetime,
    audit_at_event_time: bool,
) -> None:
    """Bulk-insert one chunk of replayed tickets with everything that hangs on them."""
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
    AuditEvent.objects.bulk_create(
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


# ==== the CSV import =============================================================================


@dataclass
class _Row:
    number: int
    external_id: str
    client: Client
    type: str
    category: str
    subject: str
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    on_hold: list[tuple[dt.datetime, dt.datetime]]
    csat: int | None

    def recorded(self) -> dict[str, str]:
        """The row as the «imported» audit event keeps it: canonical text per column (times
        in UTC, pauses merged), so that equal rows compare equal however they were written."""
        return {
            "external_id": self.external_id,
            "client_external_id": self.client.external_id or "",
            "type": self.type,
            "category": self.category,
            "subject": self.subject,
            "created_at": _utc(self.created_at),
            "first_response_at": _utc(self.first_response_at),
            "resolved_at": _utc(self.resolved_at),
            "on_hold": ";".join(f"{_utc(a)}/{_utc(b)}" for a, b in self.on_hold),
            "csat": "" if self.csat is None else str(self.csat),
        }


def import_tickets(
    data: bytes,
    *,
    actor: User | None = None,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then replay the new tickets in one transaction (module doc).

    Raises CsvFileError listing every problem (nothing is written then). ``progress`` is
    called as ``progress(done, total)`` as rows are checked (dry run) or written.
    """
    table = read_table(
        data,
        required=REQUIRED_COLUMNS,
        optional=(*OPTIONAL_COLUMNS, *COMPUTED_COLUMNS),
        filename=filename,
    )
    errors = RowErrors(filename=filename)
    now = timezone.now()
    total = len(table.rows)
    if not total:
        errors.add(None, None, "the file has a header but no tickets")
    clients = Client.objects.in_bulk(
        {raw["client_external_id"] for _, raw in table.rows if raw["client_external_id"]},
        field_name="external_id",
    )

    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for done, (number, raw) in enumerate(table.rows, start=1):
        row = _parse_row(number, raw, clients, errors, now)
        external_id = raw["external_id"]
        if external_id in first_row_of:
            errors.add(
                number,
                "external_id",
                f"{external_id!r} is already used in row {first_row_of[external_id]}",
            )
        elif external_id:
            first_row_of[external_id] = number
        if row is not None:
            rows.append(row)
        if dry_run and progress:
            progress(done, total)
    fresh = _check_against_earlier_imports(rows, errors)
    errors.raise_if_any()

    if dry_run:
        return ImportResult(len(fresh), 0, total - len(fresh), dry_run=True)
    unchanged = total - len(fresh)
    if progress:
        progress(unchanged, total)
    try:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            categories = _categories({row.category for row in fresh})
            histories = [_history(row, categories, actor, filename, now) for row in fresh]
            replay(
                histories,
                now=now,
                progress=(lambda done, _all: progress(unchanged + done, total))
                if progress
                else None,
            )
    except IntegrityError:
        raise CsvFileError(
            [
                CsvIssue(
                    None,
                    "external_id",
                    "tickets with these external_ids were saved by someone else during the "
                    "import; import the file again",
                )
            ],
            filename,
        ) from None
    return ImportResult(len(fresh), 0, unchanged)


def _parse_row(
    number: int,
    raw: Mapping[str, str],
    clients: Mapping[str, Client],
    errors: RowErrors,
    now: dt.datetime,
) -> _Row | None:
    """The row's values, or None after recording in ``errors`` what is wrong with it."""
    before = len(errors.issues)
    zone = settings.TIME_ZONE
    external_id = errors.parse(number, raw, "external_id", _text, 64)
    client = errors.parse(number, raw, "client_external_id", _client, clients)
    type_ = errors.parse(number, raw, "type", parse_choice, TYPE_SPELLINGS)
    category = errors.parse(number, raw, "category", _text, 200)
    subject = errors.parse(number, raw, "subject", _text, 300)
    times = {
        column: errors.parse(number, raw, column, parse_datetime, zone, optional=optional)
        for column, optional in (
            ("created_at", False),
            ("first_response_at", True),
            ("resolved_at", True),
        )
    }
    on_hold = errors.parse(number, raw, "on_hold", parse_intervals, zone, optional=True) or []
    csat = errors.parse(number, raw, "csat", parse_int, 1, 5, optional=True)

    # Rules across columns, checked when the columns they need are right on their own.
    failed = {issue.column for issue in errors.issues[before:]}
    created, first_response, resolved = (
        times["created_at"],
        times["first_response_at"],
        times["resolved_at"],
    )
    for column, value in times.items():
        if value is not None and value > now:
            errors.add(number, column, "is in the future")
    early = False
    if created is not None:
        for column in ("first_response_at", "resolved_at"):
            if times[column] is not None and times[column] < created:
                errors.add(number, column, "is before created_at")
                early = True
    if first_response and resolved and first_response > resolved and not early:
        errors.add(number, "first_response_at", "is after resolved_at")
    if created is not None and "resolved_at" not in failed:
        limit, limit_name = (resolved, "resolved_at") if resolved else (now, "now (not resolved)")
        for position, (start, end) in enumerate(on_hold, start=1):
            if start < created:
                errors.add(number, "on_hold", f"interval {position} starts before created_at")
            elif end > limit:
                errors.add(number, "on_hold", f"interval {position} ends after {limit_name}")
    if csat is not None and resolved is None and "resolved_at" not in failed:
        errors.add(number, "csat", "only a resolved ticket is rated: resolved_at is empty")
    if len(errors.issues) > before:
        return None
    return _Row(
        number=number,
        external_id=external_id,
        client=client,
        type=type_,
        category=category,
        subject=subject,
        created_at=created,
        first_response_at=first_response,
        resolved_at=resolved,
        on_hold=_merged(on_hold),
        csat=csat,
    )


def _text(value: str, max_length: int) -> str:
    if len(value) > max_length:
        raise FieldError(f"at most {max_length} characters, got {len(value)}")
    return value


def _client(value: str, clients: Mapping[str, Client]) -> Client:
    try:
        return clients[value]
    except KeyError:
        raise FieldError(f"no client with external_id {value!r}") from None


def _merged(intervals: Iterable[tuple[dt.datetime, dt.datetime]]):
    """Overlapping or touching pauses as one (the clock cannot pause twice at once)."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _utc(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat() if value else ""


def _check_against_earlier_imports(rows: list[_Row], errors: RowErrors) -> list[_Row]:
    """The rows to import: those whose external_id no ticket has. A row of a ticket imported
    before must equal the row it was imported from (module doc, «Matching»)."""
    existing: dict[str, int] = {}
    for ids in _batches([row.external_id for row in rows]):
        existing.update(Ticket.objects.filter(external_id__in=ids).values_list("external_id", "pk"))
    if not existing:
        return rows
    recorded: dict[str, dict] = {}
    content_type = ContentType.objects.get_for_model(Ticket)
    for object_ids in _batches([str(pk) for pk in existing.values()]):
        events = AuditEvent.objects.filter(
            content_type=content_type, object_id__in=object_ids, action=AuditEvent.Action.IMPORTED
        ).order_by("at", "id")
        for object_id, changes in events.values_list("object_id", "changes"):
            recorded[object_id] = {column: pair[1] for column, pair in changes.items()}
    fresh = []
    for row in rows:
        pk = existing.get(row.external_id)
        if pk is None:
            fresh.append(row)
            continue
        before = recorded.get(str(pk))
        if before is None:
            errors.add(
                row.number,
                "external_id",
                f"ticket #{pk} already has this external_id and was not imported from a file",
            )
            continue
        for column, value in row.recorded().items():
            old = before.get(column, "")
            same = old.casefold() == value.casefold() if column == "category" else old == value
            if not same:
                errors.add(
                    row.number,
                    column,
                    f"ticket #{pk} was imported with {old!r}; an import never rewrites a "
                    "ticket's history (change the ticket in Soprovod)",
                )
    return fresh


def _batches(values: list, size: int = 900):
    """``values`` in slices that stay under SQLite's limit of parameters per query."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _categories(names: set[str]) -> dict[str, Category]:
    """Categories by case-folded name; the missing ones are created."""
    by_name = {category.name.casefold(): category for category in Category.objects.all()}
    missing = {}
    for name in sorted(names):
        if name.casefold() not in by_name and name.casefold() not in missing:
            missing[name.casefold()] = Category(name=name)
    Category.objects.bulk_create(missing.values())
    return by_name | missing


def _history(
    row: _Row,
    categories: Mapping[str, Category],
    actor: User | None,
    filename: str,
    now: dt.datetime,
) -> History:
    """The row's life as events (module doc, «History, not a snapshot»)."""
    # (time, order for equal times, event): a reply before a pause that starts with it, a
    # pause ends before the next begins or the ticket is resolved.
    timeline: list[tuple[dt.datetime, int, Event]] = []
    if row.first_response_at:
        timeline.append(
            (
                row.first_response_at,
                0,
                reply(
                    row.first_response_at,
                    None,
                    _("The first reply is in the imported history; its text is not in the file."),
                    source=TicketMessage.Source.IMPORT,
                ),
            )
        )
    for start, end in row.on_hold:
        timeline.append((start, 2, change_status(start, TicketStatus.WAITING_CLIENT, actor)))
        timeline.append((end, 1, change_status(end, TicketStatus.OPEN, actor)))
    if row.resolved_at:
        timeline.append(
            (row.resolved_at, 3, change_status(row.resolved_at, TicketStatus.RESOLVED, actor))
        )
        if row.csat is not None:
            timeline.append((row.resolved_at, 4, rate(row.resolved_at, row.csat, actor=actor)))
        closes = row.resolved_at + dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)
        if closes < now:
            timeline.append((closes, 5, change_status(closes, TicketStatus.CLOSED, actor)))
    timeline.sort(key=lambda item: (item[0], item[1]))
    return History(
        subject=row.subject,
        body=row.subject,
        type=row.type,
        created_at=row.created_at,
        channel=Channel.EMAIL,
        client=row.client,
        category=categories[row.category.casefold()],
        creator=actor,
        source=TicketMessage.Source.IMPORT,
        external_id=row.external_id,
        events=[event for _at, _order, event in timeline],
        extra_audit=[
            (
                actor,
                AuditEvent.Action.IMPORTED,
                {column: [None, value] for column, value in row.recorded().items()},
                filename,
            )
        ],
    )
