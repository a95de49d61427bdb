"""The one CSV reader every import uses, and the field parsers importers share.

Rules (interfaces.md, "CSV files"):
- UTF-8 (with or without BOM) or Windows-1251; comma or semicolon delimiter, detected.
- The first line is the header. Unknown columns and missing required columns are errors
  naming them; so is a column listed twice.
- Dates are ISO 8601 (``DD.MM.YYYY`` is accepted too, as Russian users type dates); a time
  without an offset is in the department's time zone.
- Import is all-or-nothing and reports every bad row: ``row 17, column created_at: ...``.

Row numbers are the rows a spreadsheet shows: the header is row 1, the first data row is
row 2. A record whose quoted value spans several lines is one row, as in a spreadsheet, so
after such a record the row number is less than the text editor's line number. Blank lines
count as rows (a spreadsheet shows them) and are skipped, as are rows whose values are all
empty (``;;;;`` lines that spreadsheets leave at the end).

Typical importer::

    table = read_table(data, required=[...], optional=[...], filename=name)
    errors = RowErrors(filename=name)
    for number, row in table.rows:
        created_at = errors.parse(number, row, "created_at", parse_datetime, tz)
        csat = errors.parse(number, row, "csat", parse_int, 1, 5, optional=True)
        ...
    errors.raise_if_any()  # before writing anything
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")

HEADER_ROW = 1
DELIMITERS = ",;"


# --- issues and errors -----------------------------------------------------------------------


@dataclass(frozen=True)
class CsvIssue:
    """One problem in a CSV file: where it is (row and column, when known) and what it is.

    ``row`` is the spreadsheet row (the header is row 1); ``None`` for the file as a whole.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            place = f"column {self.column}" if self.column else ""
        elif self.row == HEADER_ROW:
            place = "header" + (f", column {self.column}" if self.column else "")
        else:
            place = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{place}: {self.message}" if place else self.message


class CsvFileError(Exception):
    """A CSV file was refused; ``issues`` lists every problem found, in file order.

    ``str()`` is a one-line summary for the command line (exit status 1); ``report()`` gives
    one line per issue.
    """

    def __init__(self, issues: Sequence[CsvIssue], filename: str = "") -> None:
        if not issues:
            raise ValueError("CsvFileError needs at least one issue")
        self.issues = list(issues)
        self.filename = filename
        super().__init__(self.summary())

    def _prefix(self) -> str:
        return f"{self.filename}: " if self.filename else ""

    def summary(self) -> str:
        """``clients.csv: 3 errors; first: row 17, column inn: INN checksum is wrong``."""
        if len(self.issues) == 1:
            return f"{self._prefix()}{self.issues[0]}"
        return f"{self._prefix()}{len(self.issues)} errors; first: {self.issues[0]}"

    def report(self) -> str:
        """Every issue on its own line, each prefixed with the file name."""
        return "\n".join(f"{self._prefix()}{issue}" for issue in self.issues)

    def __str__(self) -> str:
        return self.summary()


class FieldError(ValueError):
    """A value in a CSV field is not acceptable; the message says why (shown to the user)."""


class RowErrors:
    """Collects issues over all rows so that one import reports every bad row at once.

    ``parse`` runs a field parser and records its ``ValueError`` (FieldError, InnError...)
    as an issue at that row and column, returning ``None`` for the failed value. Call
    ``raise_if_any`` after the last row and before writing anything.
    """

    def __init__(self, filename: str = "") -> None:
        self.filename = filename
        self.issues: list[CsvIssue] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        """Record a problem found by the importer itself, e.g. one that spans two columns."""
        self.issues.append(CsvIssue(row, column, message))

    def parse(
        self,
        row_number: int,
        row: Mapping[str, str],
        column: str,
        parser: Callable[..., T],
        *args: object,
        optional: bool = False,
    ) -> T | None:
        """``parser(row[column], *args)``, or ``None`` after recording why it failed.

        An empty value gives ``None`` when ``optional``, and the issue "value is required"
        otherwise; the parser is not called with an empty value either way.
        """
        value = row.get(column, "")
        if value == "":
            if not optional:
                self.add(row_number, column, "value is required")
            return None
        try:
            return parser(value, *args)
        except ValueError as error:
            self.add(row_number, column, str(error))
            return None

    def __len__(self) -> int:
        return len(self.issues)

    def __bool__(self) -> bool:
        return bool(self.issues)

    def raise_if_any(self) -> None:
        """Raise one CsvFileError with every recorded issue, if there are any."""
        if self.issues:
            raise CsvFileError(self.issues, self.filename)


# --- reading the file ------------------------------------------------------------------------


# Characters that never appear in a text CSV; they mean a spreadsheet or other binary file.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")


def decode_bytes(data: bytes, *, filename: str = "") -> str:
    """The file's text: UTF-8 (a leading BOM is dropped) or, failing that, Windows-1251.

    Raises CsvFileError for a file that is neither, and for binary files (an Excel workbook
    decodes as Windows-1251 but is full of control characters).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error("the file is UTF-16 text; save it as CSV in UTF-8", filename)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise _file_error("the file is neither UTF-8 nor Windows-1251 text", filename) from None
    if _BINARY.search(text):
        raise _file_error(
            "the file is not CSV text (is it an Excel workbook? save it as CSV)", filename
        )
    return text


@dataclass(frozen=True)
class Table:
    """A CSV file that passed the structural checks.

    ``rows`` holds ``(row_number, values)`` for every non-empty data row; ``values`` maps
    every required and optional column to its stripped text, ``""`` when empty or when an
    optional column is not in the file (``columns`` tells which columns the file has).
    """

    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]
    delimiter: str
    filename: str = ""


def read_table(
    data: bytes | str,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    filename: str = "",
) -> Table:
    """Decode, detect the delimiter, check the header and split the file into rows.

    Header names are compared stripped and lower-cased. Raises CsvFileError naming every
    problem: no header, a column without a name, a duplicate, unknown or missing columns,
    a row with more values than the header has columns (unless the extra ones are empty)
    or with fewer, broken quoting.
    """
    text = decode_bytes(data, filename=filename) if isinstance(data, bytes) else data
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _file_error("the file is empty; it must start with a header row", filename)
    delimiter = detect_delimiter(text)
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        skipinitialspace=True,
        strict=True,
    )
    records = _numbered_records(reader, filename)

    _, header = next(records)
    columns = tuple(_normalise_column(name) for name in header)
    _check_header(columns, required, optional, filename)

    issues: list[CsvIssue] = []
    rows: list[tuple[int, dict[str, str]]] = []
    all_columns = [*required, *optional]
    for number, record in records:
        values = [value.strip() for value in record]
        if not any(values):
            continue
        extra = values[len(columns) :]
        if len(values) < len(columns) or any(extra):
            issues.append(
                CsvIssue(
                    number,
                    None,
                    f"{len(values)} values, but the header has {len(columns)} columns",
                )
            )
            continue
        by_column = dict.fromkeys(all_columns, "")
        by_column.update(zip(columns, values, strict=False))
        rows.append((number, by_column))
    if issues:
        raise CsvFileError(issues, filename)
    return Table(columns=columns, rows=rows, delimiter=delimiter, filename=filename)


def detect_delimiter(text: str) -> str:
    """``,`` or ``;``, decided by the header line.

    Column names never contain a delimiter, so a header with only one of the two settles
    it; data rows cannot (``1234,50`` in a semicolon file). Only a header with both or
    neither is left to ``csv.Sniffer``, and a comma is assumed when it cannot tell.
    """
    header_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    commas, semicolons = header_line.count(","), header_line.count(";")
    if commas and not semicolons:
        return ","
    if semicolons and not commas:
        return ";"
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _numbered_records(
    reader: Iterator[list[str]], filename: str
) -> Iterator[tuple[int, list[str]]]:
    """``(row_number, values)`` for each record, the header first; reading errors as CsvFileError."""
    number = 0
    try:
        for record in reader:
            number += 1
            if number == HEADER_ROW and not any(value.strip() for value in record):
                raise _file_error(
                    "the first line is empty; it must be the header row", filename, HEADER_ROW
                )
            yield number, record
    except csv.Error as error:
        # The reader fails on the record after the last one it returned.
        message = str(error)
        if message == "unexpected end of data":
            message = 'a quoted value is never closed (a " is missing)'
        raise _file_error(f"cannot read CSV: {message}", filename, number + 1) from None


def _normalise_column(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _check_header(
    columns: Sequence[str], required: Sequence[str], optional: Sequence[str], filename: str
) -> None:
    issues: list[CsvIssue] = []
    for position, name in enumerate(columns, start=1):
        if not name:
            issues.append(CsvIssue(HEADER_ROW, None, f"column {position} has no name"))
    named = [name for name in columns if name]
    duplicates = sorted({name for name in named if named.count(name) > 1})
    if duplicates:
        issues.append(CsvIssue(HEADER_ROW, None, f"duplicate columns: {', '.join(duplicates)}"))
    allowed = [*required, *optional]
    unknown = [name for name in dict.fromkeys(named) if name not in allowed]
    if unknown:
        issues.append(
            CsvIssue(
                HEADER_ROW,
                None,
                f"unknown columns: {', '.join(unknown)} (allowed: {', '.join(allowed)})",
            )
        )
    missing = [name for name in required if name not in named]
    if missing:
        issues.append(CsvIssue(HEADER_ROW, None, f"missing required columns: {', '.join(missing)}"))
    if issues:
        raise CsvFileError(issues, filename)


def _file_error(message: str, filename: str, row: int | None = None) -> CsvFileError:
    return CsvFileError([CsvIssue(row, None, message)], filename)


# --- field parsers ---------------------------------------------------------------------------
# Each takes the stripped text of one field and returns a value or raises FieldError.


def _shown(value: str) -> str:
    """The value quoted for a message, shortened, on one line."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _required(value: str) -> str:
    value = value.strip()
    if not value:
        raise FieldError("value is required")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RUSSIAN_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


def parse_date(value: str) -> date:
    """A date written ``YYYY-MM-DD`` (ISO 8601) or ``DD.MM.YYYY``."""
    text = _required(value)
    expected = f"expected a date like 2026-10-31 or 31.10.2026, got {_shown(text)}"
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        if match := _RUSSIAN_DATE.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        raise FieldError(f"no such date: {_shown(text)}") from None
    raise FieldError(expected)


_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)
_RUSSIAN_DATETIME = re.compile(
    r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4}) ([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
)


def parse_datetime(value: str, tz: str) -> datetime:
    """An aware datetime, expressed in the zone ``tz`` (the department's time zone).

    Accepts ISO 8601 with ``T`` or a space between date and time, seconds optional,
    fractions of a second, with an offset (``+03:00``, ``+0300``, ``Z``) or without one; and
    ``DD.MM.YYYY HH:MM[:SS]``, which is what a spreadsheet in a Russian locale writes back
    when it saves the file. A time without an offset is a wall-clock time in ``tz``; one that
    the zone skips (clocks moved forward) is refused, and one that occurs twice is taken at
    its first occurrence.
    """
    text = _required(value)
    zone = ZoneInfo(tz)
    try:
        if _ISO_DATETIME.fullmatch(text):
            parsed = datetime.fromisoformat(text.upper())
        elif match := _RUSSIAN_DATETIME.fullmatch(text):
            day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
            parsed = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
        else:
            raise FieldError(
                "expected a date and time like 2026-10-31T09:30 or 2026-10-31 09:30+03:00, "
                f"got {_shown(text)}"
            )
    except FieldError:
        raise
    except ValueError:
        raise FieldError(f"no such date and time: {_shown(text)}") from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(zone)
    local = parsed.replace(tzinfo=zone)
    # A wall-clock time that the zone skips does not survive the round trip through UTC.
    if local.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != parsed:
        raise FieldError(f"{_shown(text)} does not exist in {tz} (the clocks moved forward)")
    return local


# Digits in groups of three separated by a space, a non-breaking space or a narrow one.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+)")
_DECIMAL = re.compile(_NUMBER.pattern + r"(?:[.,][0-9]+)?")
_GROUP_SEPARATORS = str.maketrans("", "", " \u00a0\u202f")


def parse_decimal(value: str) -> Decimal:
    """A decimal number: ``1234.50``, ``1234,5``, ``1 234,50``.

    A point or a comma separates the fraction; spaces (plain, non-breaking or narrow)
    may separate groups of three digits. A comma is never a thousands separator: ``1,234``
    is 1.234, as Russian users mean it.
    """
    text = _required(value)
    if not _DECIMAL.fullmatch(text):
        raise FieldError(f"expected a number like 1234.50 or 1 234,50, got {_shown(text)}")
    try:
        return Decimal(text.translate(_GROUP_SEPARATORS).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise FieldError(f"expected a number, got {_shown(text)}") from None


def parse_int(value: str, min: int | None = None, max: int | None = None) -> int:
    """A whole number, optionally within ``min``..``max`` inclusive."""
    text = _required(value)
    if not _NUMBER.fullmatch(text):
        raise FieldError(f"expected a whole number, got {_shown(text)}")
    number = int(text.translate(_GROUP_SEPARATORS))
    too_small = min is not None and number < min
    too_large = max is not None and number > max
    if too_small or too_large:
        if min is not None and max is not None:
            raise FieldError(f"must be from {min} to {max}, got {number}")
        if too_small:
            raise FieldError(f"must be at least {min}, got {number}")
        raise FieldError(f"must be at most {max}, got {number}")
    return number


def parse_choice(value: str, choices: Mapping[str, str]) -> str:
    """The code for one of the accepted spellings in ``choices`` (spelling -> code).

    Matching ignores case, so ``Экстренное`` finds ``экстренное``. The message for an
    unknown value lists every accepted spelling.
    """
    text = _required(value)
    by_folded = {spelling.casefold(): code for spelling, code in choices.items()}
    try:
        return by_folded[text.casefold()]
    except KeyError:
        raise FieldError(f"expected one of: {', '.join(choices)}; got {_shown(text)}") from None


def parse_intervals(value: str, tz: str) -> list[tuple[datetime, datetime]]:
    """Time intervals written ``start/end;start/end`` (ISO 8601 datetimes, see parse_datetime).

    Used for the tickets ``on_hold`` column. An empty value is no intervals; every interval
    must end after it starts. Intervals are returned in the order written; overlaps are
    allowed (the SLA clock merges them).
    """
    intervals: list[tuple[datetime, datetime]] = []
    pieces = [piece.strip() for piece in value.split(";")]
    for position, piece in enumerate(pieces, start=1):
        if not piece:
            continue
        ends = piece.split("/")
        if len(ends) != 2 or not all(end.strip() for end in ends):
            raise FieldError(
                f"interval {position}: expected start/end like "
                f"2026-10-31T09:00/2026-10-31T12:00, got {_shown(piece)}"
            )
        try:
            start = parse_datetime(ends[0], tz)
            end = parse_datetime(ends[1], tz)
        except FieldError as error:
            raise FieldError(f"interval {position}: {error}") from None
        if end <= start:
            raise FieldError(f"interval {position}: the end must be after the start")
        intervals.append((start, end))
    return intervals


# ---- what an import reports ---------------------------------------------------------------

Progress = Callable[[int, int], None]
"""An importer's progress callback: ``(rows done, rows in all)``."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, on a dry run, would do): every importer answers with this."""

    created: int
    updated: int
    unchanged: int
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.dry_run:
            return f"dry run, nothing written: would be {counts}"
        return counts
