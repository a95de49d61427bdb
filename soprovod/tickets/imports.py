"""Historical tickets from CSV (interfaces.md «CSV files», tickets).

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

**Replay.** Each new row becomes a `tickets.replay.History` and goes through
`tickets.replay.replay`, the ticket actions' rules applied in memory (see there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.models import User
from soprovod.audit.models import AuditEvent
from soprovod.clients.models import Client
from soprovod.lib.csvio import (
    CsvFileError,
    CsvIssue,
    FieldError,
    ImportResult,
    Progress,
    RowErrors,
    parse_choice,
    parse_datetime,
    parse_int,
    parse_intervals,
    read_table,
)
from soprovod.tickets.models import Category, Channel, Ticket, TicketMessage, TicketStatus
from soprovod.tickets.replay import Event, History, change_status, rate, replay, reply

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
# The SLA figures `soprovod export tickets` adds after the import columns (tickets/exports.py).
SLA_COLUMNS = (
    "first_response_due",
    "resolution_due",
    "resolution_ceiling",
    "first_response_status",
    "resolution_status",
    "sla_status",
    "first_response_minutes",
    "resolution_business_minutes",
    "is_repeat",
)
# What the export adds: accepted, ignored, recomputed.
COMPUTED_COLUMNS = (*SLA_COLUMNS, "number")

# Spellings accepted in the type column: the codes and the Russian labels people type.
TYPE_SPELLINGS: dict[str, str] = {
    "emergency": "emergency",
    "standard": "standard",
    "consultation": "consultation",
    "экстренное": "emergency",
    "стандартное": "standard",
    "консультация": "consultation",
}


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
