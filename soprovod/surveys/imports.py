"""NPS answers from CSV (interfaces.md «CSV files», nps).

Columns: ``client_external_id, answered_at, score`` and, optional, ``comment``. The client
is found by its ``external_id``; ``answered_at`` is ISO 8601 (the department's zone when it
has no offset; a date alone, as survey tools often export, is midnight) and not in the
future; ``score`` is 0–10.

All or nothing, as the clients import: every row is checked first and every bad row is
reported in one CsvFileError; a clean file is written in one transaction, each answer with
its ``imported`` audit event.

An answer is identified by its client and the instant it was given (the database keeps one
NPS answer per client and instant). A row equal to a stored answer is unchanged and writes
nothing, so importing a file again changes nothing. A row with the same client and instant
but another score or comment is **refused**, naming the column: an answer is what the
client said then, and the NPS of past periods must not move because a file was edited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from soprovod.accounts.models import User
from soprovod.clients.models import Client
from soprovod.lib.csvio import (
    CsvFileError,
    CsvIssue,
    FieldError,
    ImportResult,
    Progress,
    RowErrors,
    parse_date,
    parse_datetime,
    parse_int,
    read_table,
)
from soprovod.surveys.actions import do_add_nps_answers
from soprovod.surveys.models import SurveyResponse

REQUIRED_COLUMNS = ("client_external_id", "answered_at", "score")
OPTIONAL_COLUMNS = ("comment",)
MAX_COMMENT = 5000


@dataclass(frozen=True)
class _Row:
    number: int
    client: Client
    answered_at: dt.datetime
    score: int
    comment: str


def import_nps(
    data: bytes,
    *,
    actor: User | None = None,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then add the new answers in one transaction (module doc).

    Raises CsvFileError listing every problem (nothing is written then). ``progress`` is
    called as ``progress(done, total)`` as rows are checked (dry run) or written.
    """
    table = read_table(
        data, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, filename=filename
    )
    errors = RowErrors(filename=filename)
    now = timezone.now()
    total = len(table.rows)
    if not total:
        errors.add(None, None, "the file has a header but no answers")
    clients = Client.objects.in_bulk(
        {raw["client_external_id"] for _, raw in table.rows if raw["client_external_id"]},
        field_name="external_id",
    )

    rows: list[_Row] = []
    first_row_of: dict[tuple[int, dt.datetime], int] = {}
    for done, (number, raw) in enumerate(table.rows, start=1):
        row = _parse_row(number, raw, clients, errors, now)
        if row is not None:
            key = (row.client.pk, row.answered_at)
            if key in first_row_of:
                errors.add(
                    number,
                    "answered_at",
                    f"the same client's answer at this time is already in row {first_row_of[key]}",
                )
            else:
                first_row_of[key] = number
                rows.append(row)
        if dry_run and progress:
            progress(done, total)
    fresh = _new_rows(rows, errors)
    errors.raise_if_any()

    unchanged = total - len(fresh)
    if dry_run:
        return ImportResult(len(fresh), 0, unchanged, dry_run=True)
    responses = [
        SurveyResponse(
            kind=SurveyResponse.Kind.NPS,
            client=row.client,
            score=row.score,
            comment=row.comment,
            answered_at=row.answered_at,
        )
        for row in fresh
    ]
    try:
        do_add_nps_answers(actor, responses, filename=filename, at=now)
    except IntegrityError:
        raise CsvFileError(
            [
                CsvIssue(
                    None,
                    "answered_at",
                    "some of these answers were saved by someone else during the import; "
                    "import the file again",
                )
            ],
            filename,
        ) from None
    if progress:
        progress(total, total)
    return ImportResult(len(fresh), 0, unchanged)


def _parse_row(
    number: int,
    raw: Mapping[str, str],
    clients: Mapping[str, Client],
    errors: RowErrors,
    now: dt.datetime,
) -> _Row | None:
    before = len(errors.issues)
    client = errors.parse(number, raw, "client_external_id", _client, clients)
    answered_at = errors.parse(number, raw, "answered_at", _answered_at)
    score = errors.parse(number, raw, "score", parse_int, 0, 10)
    comment = errors.parse(number, raw, "comment", _comment, optional=True) or ""
    if answered_at is not None and answered_at > now:
        errors.add(number, "answered_at", "is in the future")
    if len(errors.issues) > before:
        return None
    return _Row(number, client, answered_at, score, comment)


def _answered_at(value: str) -> dt.datetime:
    """A date and time, or a date alone (midnight in the department's zone)."""
    try:
        return parse_datetime(value, settings.TIME_ZONE)
    except FieldError as error:
        try:
            day = parse_date(value)
        except FieldError:
            raise error from None
        return dt.datetime.combine(day, dt.time(0), ZoneInfo(settings.TIME_ZONE))


def _client(value: str, clients: Mapping[str, Client]) -> Client:
    try:
        return clients[value]
    except KeyError:
        raise FieldError(f"no client with external_id {value!r}") from None


def _comment(value: str) -> str:
    if len(value) > MAX_COMMENT:
        raise FieldError(f"at most {MAX_COMMENT} characters, got {len(value)}")
    return value


def _new_rows(rows: list[_Row], errors: RowErrors) -> list[_Row]:
    """The rows not stored yet; a stored answer must equal its row (module doc)."""
    if not rows:
        return []
    stored = {}
    clients = sorted({row.client.pk for row in rows})
    for start in range(0, len(clients), 900):  # under SQLite's limit of query parameters
        answers = SurveyResponse.objects.filter(
            kind=SurveyResponse.Kind.NPS,
            client__in=clients[start : start + 900],
            answered_at__gte=min(row.answered_at for row in rows),
            answered_at__lte=max(row.answered_at for row in rows),
        )
        stored.update({(answer.client_id, answer.answered_at): answer for answer in answers})
    fresh = []
    for row in rows:
        answer = stored.get((row.client.pk, row.answered_at))
        if answer is None:
            fresh.append(row)
            continue
        for column, old, new in (
            ("score", answer.score, row.score),
            ("comment", answer.comment, row.comment),
        ):
            if old != new:
                errors.add(
                    row.number,
                    column,
                    f"this client's answer at this time is stored with {old!r}; "
                    "an import never changes an answer",
                )
    return fresh
