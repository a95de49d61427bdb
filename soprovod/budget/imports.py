"""``soprovod import budget-facts FILE``: the budget's facts from CSV (interfaces.md «CSV
files» rules: all or nothing, every bad row named, importing the same file again changes
nothing).

Columns: ``month`` (``2026-03``), ``category`` (``staff``, ``tools``, ``training``,
``travel``, ``equipment``, ``other``, or the Russian names), ``amount_rub`` and an optional
``note``. A row is matched by its month and category, its natural key: the file sets the
fact of that cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from soprovod.budget.actions import do_set_fact
from soprovod.budget.models import BudgetCategory, BudgetFact
from soprovod.lib.csvio import (
    FieldError,
    ImportResult,
    Progress,
    RowErrors,
    parse_choice,
    parse_decimal,
    read_table,
)

REQUIRED_COLUMNS = ("month", "category", "amount_rub")
OPTIONAL_COLUMNS = ("note",)

CATEGORY_SPELLINGS = {
    "staff": BudgetCategory.STAFF,
    "tools": BudgetCategory.TOOLS,
    "training": BudgetCategory.TRAINING,
    "travel": BudgetCategory.TRAVEL,
    "equipment": BudgetCategory.EQUIPMENT,
    "other": BudgetCategory.OTHER,
    "персонал": BudgetCategory.STAFF,
    "инструменты и лицензии": BudgetCategory.TOOLS,
    "обучение": BudgetCategory.TRAINING,
    "командировки": BudgetCategory.TRAVEL,
    "оборудование": BudgetCategory.EQUIPMENT,
    "прочее": BudgetCategory.OTHER,
}
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_budget_month(value: str) -> tuple[int, int]:
    """``2026-03`` → ``(2026, 3)``."""
    match = _MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise FieldError(f"expected a month like 2026-03, got “{value[:40]}”")
    return int(match.group(1)), int(match.group(2))


def _amount(value: str) -> Decimal:
    amount = parse_decimal(value)
    if amount < 0:
        raise FieldError("must not be negative")
    if amount.as_tuple().exponent < -2:
        raise FieldError("at most two digits after the point (kopecks)")
    if amount >= Decimal("1e12"):
        raise FieldError("is too large")
    return amount


@dataclass(frozen=True)
class _Row:
    year: int
    month: int
    category: str
    amount: Decimal
    note: str


def import_budget_facts(
    data: bytes,
    *,
    actor=None,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then set each month's fact per category in one transaction.
    Raises CsvFileError listing every problem (nothing is written then)."""
    table = read_table(
        data, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, filename=filename
    )
    errors = RowErrors(filename=filename)
    if not table.rows:
        errors.add(None, None, "the file has a header but no facts")
    rows: list[_Row] = []
    first_row_of: dict[tuple[int, int, str], int] = {}
    for number, raw in table.rows:
        before = len(errors.issues)
        month = errors.parse(number, raw, "month", parse_budget_month)
        category = errors.parse(number, raw, "category", parse_choice, CATEGORY_SPELLINGS)
        amount = errors.parse(number, raw, "amount_rub", _amount)
        note = raw["note"]
        if len(note) > 300:
            errors.add(number, "note", "at most 300 characters")
        if month is not None and category is not None:
            cell = (*month, category)
            if cell in first_row_of:
                errors.add(
                    number,
                    "category",
                    f"the same month and category are already in row {first_row_of[cell]}",
                )
            else:
                first_row_of[cell] = number
        if len(errors.issues) == before:
            rows.append(_Row(month[0], month[1], category, amount, note))
    errors.raise_if_any()

    if dry_run:
        stored = {
            (f.year, f.month, f.category): f
            for f in BudgetFact.objects.filter(year__in={r.year for r in rows})
        }
        outcomes = [_outcome(stored.get((r.year, r.month, r.category)), r) for r in rows]
        return ImportResult(
            outcomes.count("created"),
            outcomes.count("updated"),
            outcomes.count("unchanged"),
            dry_run=True,
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for done, row in enumerate(rows, start=1):
            outcome = do_set_fact(
                actor,
                year=row.year,
                month=row.month,
                category=row.category,
                amount=row.amount,
                note=row.note,
            )
            counts[outcome] += 1
            if progress:
                progress(done, len(rows))
    return ImportResult(counts["created"], counts["updated"], counts["unchanged"])


def _outcome(stored: BudgetFact | None, row: _Row) -> str:
    if stored is None:
        return "created"
    if stored.amount == row.amount and stored.note == row.note:
        return "unchanged"
    return "updated"
