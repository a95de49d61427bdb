"""Client portfolio and MRR history imports from CSV (interfaces.md, «CSV files», clients
and mrr; `import_mrr` at the end).

Columns: ``external_id, name, inn, tariff, mrr_rub, status, contract_start`` and, optional,
``churned_at, success_manager_email, segment``. Rows are matched to clients by
``external_id``: a new one is created, a known one updated, an identical one left alone.

The import is all-or-nothing. Every row is validated first and every bad row is reported
in one CsvFileError; only a clean file is written, in one transaction, through the client
actions (so each created or changed client has its audit event, action ``imported``).
A row that matches its client exactly writes nothing, so re-importing a file is a no-op.

``segment`` and ``success_manager_email`` left out of the file are left as they are on
existing clients (a file without ``segment`` does not erase segments); present but empty,
they clear the value. ``churned_at`` follows the status: required for a churned client,
refused for any other (the client loses a churn date it had when it comes back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from soprovod.accounts.models import User
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.clients.actions import do_create_client, do_record_mrr_change, do_update_client
from soprovod.clients.models import Client, ClientStatus, MrrChange, MrrReason
from soprovod.lib.csvio import (
    FieldError,
    ImportResult,
    Progress,
    RowErrors,
    parse_choice,
    parse_date,
    parse_decimal,
    read_table,
)
from soprovod.lib.inn import validate_inn

REQUIRED_COLUMNS = (
    "external_id",
    "name",
    "inn",
    "tariff",
    "mrr_rub",
    "status",
    "contract_start",
)
OPTIONAL_COLUMNS = ("churned_at", "success_manager_email", "segment")

# Spellings accepted in the status column: the codes and the Russian labels people type.
STATUS_SPELLINGS: dict[str, str] = {
    "onboarding": ClientStatus.ONBOARDING,
    "active": ClientStatus.ACTIVE,
    "at_risk": ClientStatus.AT_RISK,
    "churned": ClientStatus.CHURNED,
    "внедрение": ClientStatus.ONBOARDING,
    "активный": ClientStatus.ACTIVE,
    "под угрозой": ClientStatus.AT_RISK,
    "ушёл": ClientStatus.CHURNED,
    "ушел": ClientStatus.CHURNED,
}


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    client: Client | None  # the existing client with this external_id


def import_clients(
    data: bytes,
    *,
    actor: User | None = None,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then create or update clients in one transaction.

    Raises CsvFileError listing every problem (nothing is written then). ``progress`` is
    called as ``progress(done, total)`` after each row is written (after each row is
    checked on a dry run).
    """
    table = read_table(
        data, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, filename=filename
    )
    present = set(table.columns)
    errors = RowErrors(filename=filename)
    managers = _SuccessManagers(
        row["success_manager_email"]
        for _, row in table.rows
        if "success_manager_email" in present and row["success_manager_email"]
    )
    existing = Client.objects.select_related("success_manager").in_bulk(
        [row["external_id"] for _, row in table.rows if row["external_id"]],
        field_name="external_id",
    )

    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    total = len(table.rows)
    if not total:
        errors.add(None, None, "the file has a header but no clients")
    for done, (number, raw) in enumerate(table.rows, start=1):
        values = _parse_row(number, raw, present, errors, managers)
        external_id = raw["external_id"]
        if external_id:
            if external_id in first_row_of:
                errors.add(
                    number,
                    "external_id",
                    f"{external_id!r} is already used in row {first_row_of[external_id]}",
                )
            else:
                first_row_of[external_id] = number
        rows.append(_Row(number, values, existing.get(external_id)))
        if dry_run and progress:
            progress(done, total)
    errors.raise_if_any()

    if dry_run:
        created = sum(1 for row in rows if row.client is None)
        updated = sum(1 for row in rows if row.client and _changed(row.client, row.values))
        return ImportResult(created, updated, total - created - updated, dry_run=True)
    return _write(rows, actor=actor, filename=filename, errors=errors, progress=progress)


def _parse_row(
    number: int,
    raw: Mapping[str, str],
    present: set[str],
    errors: RowErrors,
    managers: _SuccessManagers,
) -> dict[str, Any]:
    """The model values of one row; problems go to ``errors``."""
    issues_before = len(errors.issues)
    values: dict[str, Any] = {
        "external_id": errors.parse(number, raw, "external_id", _text, 64),
        "name": errors.parse(number, raw, "name", _text, 300),
        "inn": errors.parse(number, raw, "inn", validate_inn),
        "tariff": errors.parse(number, raw, "tariff", _text, 100, optional=True) or "",
        "mrr_rub": errors.parse(number, raw, "mrr_rub", _money),
        "status": errors.parse(number, raw, "status", parse_choice, STATUS_SPELLINGS),
        "contract_start": errors.parse(number, raw, "contract_start", parse_date),
    }
    # The model ties the churn date to the status, so it is always set (None when not churned).
    churned_at: date | None = errors.parse(number, raw, "churned_at", parse_date, optional=True)
    values["churned_at"] = churned_at
    if "segment" in present:
        values["segment"] = errors.parse(number, raw, "segment", _text, 100, optional=True) or ""
    if "success_manager_email" in present:
        values["success_manager"] = errors.parse(
            number, raw, "success_manager_email", managers.get, optional=True
        )

    # Rules across columns, checked when the columns they need are right on their own.
    failed = {issue.column for issue in errors.issues[issues_before:]}
    status, start = values["status"], values["contract_start"]
    if status is None or "churned_at" in failed:
        return values
    if status == ClientStatus.CHURNED and churned_at is None:
        errors.add(number, "churned_at", "a churned client needs the churn date")
    elif status != ClientStatus.CHURNED and churned_at is not None:
        errors.add(
            number, "churned_at", f"a churn date is only set for a churned client, not {status}"
        )
    elif churned_at and start and churned_at < start:
        errors.add(number, "churned_at", "the churn date is before contract_start")
    return values


def _text(value: str, max_length: int) -> str:
    if len(value) > max_length:
        raise FieldError(f"at most {max_length} characters, got {len(value)}")
    return value


# Client.mrr_rub is DECIMAL(14, 2).
_MAX_MRR = Decimal("999999999999.99")


def _money(value: str) -> Decimal:
    amount = parse_decimal(value)
    if amount < 0:
        raise FieldError(f"must not be negative, got {value!r}")
    if amount > _MAX_MRR:
        raise FieldError(f"too large: {value!r}")
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldError(f"at most 2 digits after the decimal point (kopecks), got {value!r}")
    return amount.quantize(Decimal("0.01"))


class _SuccessManagers:
    """Success managers by email (case-insensitive), looked up once for the whole file."""

    def __init__(self, emails: Iterable[str]) -> None:
        wanted = {email.lower() for email in emails}
        self.by_email: dict[str, list[User]] = {}
        self.without_role: set[str] = set()
        if not wanted:
            return
        users = (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=wanted, is_active=True)
            .prefetch_related("role_rows")
        )
        for user in users:
            if user.has_role(Role.SUCCESS_MANAGER):
                self.by_email.setdefault(user.email_lower, []).append(user)
            else:
                self.without_role.add(user.email_lower)

    def get(self, email: str) -> User:
        found = self.by_email.get(email.lower(), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise FieldError(f"several success managers have the email {email!r}")
        if email.lower() in self.without_role:
            raise FieldError(f"the user with email {email!r} is not a success manager")
        raise FieldError(f"no active user with email {email!r}")


def _changed(client: Client, values: Mapping[str, Any]) -> bool:
    return any(getattr(client, name) != value for name, value in values.items())


def _write(
    rows: list[_Row],
    *,
    actor: User | None,
    filename: str,
    errors: RowErrors,
    progress: Progress | None,
) -> ImportResult:
    created = updated = unchanged = 0
    total = len(rows)
    with transaction.atomic():
        for done, row in enumerate(rows, start=1):
            try:
                if row.client is None:
                    do_create_client(
                        actor, reason=filename, action=AuditEvent.Action.IMPORTED, **row.values
                    )
                    created += 1
                elif not _changed(row.client, row.values):
                    unchanged += 1
                else:
                    version = row.client.version
                    saved = do_update_client(
                        actor,
                        row.client,
                        reason=filename,
                        action=AuditEvent.Action.IMPORTED,
                        **row.values,
                    )
                    if saved.version != version:
                        updated += 1
                    else:
                        unchanged += 1
            except ValidationError as error:
                # The row checks above mirror the model's rules; this catches any they miss,
                # still reporting row and column, and rolls the whole file back.
                for field, messages in error.message_dict.items():
                    for message in messages:
                        errors.add(row.number, _column_of(field), message)
            except IntegrityError:
                errors.add(
                    row.number,
                    "external_id",
                    "another client with this external_id was saved during the import; "
                    "import the file again",
                )
            if progress:
                progress(done, total)
        errors.raise_if_any()
    return ImportResult(created, updated, unchanged)


def _column_of(field: str) -> str | None:
    if field == "success_manager":
        return "success_manager_email"
    if field in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        return field
    return None


# ---- MRR history -----------------------------------------------------------------------------
# Columns ``client_external_id, effective_on, mrr_rub`` and, optional, ``reason``. A row is
# the client's MRR from ``effective_on`` on; it is matched to the stored history by client
# and date (one value per day): a new date is added, a stored one with another value is
# corrected (audited), an equal one is left alone — so importing a file again changes
# nothing. A date before the client's contract start or in the future is refused: the
# history tells what the client paid, not a plan. An empty ``reason`` is inferred from the
# value before (`revenue.inferred_reason`), or keeps the stored one.

MRR_REQUIRED_COLUMNS = ("client_external_id", "effective_on", "mrr_rub")
MRR_OPTIONAL_COLUMNS = ("reason",)

MRR_REASON_SPELLINGS: dict[str, str] = {
    "new": MrrReason.NEW,
    "initial": MrrReason.NEW,
    "upsell": MrrReason.UPSELL,
    "downsell": MrrReason.DOWNSELL,
    "price": MrrReason.PRICE,
    "price_change": MrrReason.PRICE,
    "churn": MrrReason.CHURN,
    "новый": MrrReason.NEW,
    "расширение": MrrReason.UPSELL,
    "сокращение": MrrReason.DOWNSELL,
    "изменение цены": MrrReason.PRICE,
    "уход": MrrReason.CHURN,
}


@dataclass(frozen=True)
class _MrrRow:
    number: int
    client: Client
    effective_on: date
    mrr_rub: Decimal
    reason: str


def import_mrr(
    data: bytes,
    *,
    actor: User | None = None,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then add or correct dated MRR values in one transaction
    (see the comment above). Raises CsvFileError listing every problem, writing nothing."""
    table = read_table(
        data, required=MRR_REQUIRED_COLUMNS, optional=MRR_OPTIONAL_COLUMNS, filename=filename
    )
    errors = RowErrors(filename=filename)
    total = len(table.rows)
    if not total:
        errors.add(None, None, "the file has a header but no MRR values")
    clients = Client.objects.in_bulk(
        {raw["client_external_id"] for _, raw in table.rows if raw["client_external_id"]},
        field_name="external_id",
    )
    today = timezone.localdate()
    rows: list[_MrrRow] = []
    first_row_of: dict[tuple[int, date], int] = {}
    for done, (number, raw) in enumerate(table.rows, start=1):
        before = len(errors.issues)
        client = errors.parse(number, raw, "client_external_id", _known_client, clients)
        effective_on = errors.parse(number, raw, "effective_on", parse_date)
        mrr = errors.parse(number, raw, "mrr_rub", _money)
        reason = errors.parse(
            number, raw, "reason", parse_choice, MRR_REASON_SPELLINGS, optional=True
        )
        if effective_on is not None and effective_on > today:
            errors.add(number, "effective_on", "is in the future")
        elif client is not None and effective_on is not None:
            if effective_on < client.contract_start:
                errors.add(
                    number,
                    "effective_on",
                    f"is before the client's contract start {client.contract_start.isoformat()}",
                )
            elif (client.pk, effective_on) in first_row_of:
                errors.add(
                    number,
                    "effective_on",
                    "the same client's value for this date is already in row "
                    f"{first_row_of[(client.pk, effective_on)]}",
                )
            else:
                first_row_of[(client.pk, effective_on)] = number
        if len(errors.issues) == before:
            rows.append(_MrrRow(number, client, effective_on, mrr, reason or ""))
        if dry_run and progress:
            progress(done, total)
    errors.raise_if_any()

    stored = _stored_mrr(rows)
    if dry_run:
        outcomes = [
            _mrr_outcome(stored.get((row.client.pk, row.effective_on)), row) for row in rows
        ]
        return ImportResult(
            outcomes.count("created"),
            outcomes.count("updated"),
            outcomes.count("unchanged"),
            dry_run=True,
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        # By date, so an inferred reason compares with the value the file gave just before.
        for done, row in enumerate(sorted(rows, key=lambda r: r.effective_on), start=1):
            outcome = do_record_mrr_change(
                actor,
                row.client,
                effective_on=row.effective_on,
                mrr_rub=row.mrr_rub,
                reason=row.reason,
                action=AuditEvent.Action.IMPORTED,
                audit_reason=filename,
            )
            counts[outcome] += 1
            if progress:
                progress(done, total)
    return ImportResult(counts["created"], counts["updated"], counts["unchanged"])


def _known_client(value: str, clients: Mapping[str, Client]) -> Client:
    try:
        return clients[value]
    except KeyError:
        raise FieldError(f"no client with external_id {value!r}") from None


def _stored_mrr(rows: list[_MrrRow]) -> dict[tuple[int, date], MrrChange]:
    stored: dict[tuple[int, date], MrrChange] = {}
    clients = sorted({row.client.pk for row in rows})
    for start in range(0, len(clients), 900):  # under SQLite's limit of query parameters
        for change in MrrChange.objects.filter(client__in=clients[start : start + 900]):
            stored[(change.client_id, change.effective_on)] = change
    return stored


def _mrr_outcome(stored: MrrChange | None, row: _MrrRow) -> str:
    if stored is None:
        return "created"
    if stored.mrr_rub != row.mrr_rub or (row.reason and row.reason != stored.reason):
        return "updated"
    return "unchanged"
