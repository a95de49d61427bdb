"""Facts from CSV: all or nothing, every bad row named, the same file twice changes nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from soprovod.budget.imports import import_budget_facts
from soprovod.budget.models import BudgetFact
from soprovod.lib.csvio import CsvFileError

GOOD = (
    "month;category;amount_rub;note\n"
    "2026-01;staff;100 000,50;зарплата\n"
    "2026-01;Инструменты и лицензии;12000;\n"
    "2026-02;travel;3500;Казань\n"
).encode("cp1251")


def test_import_creates_then_changes_nothing(staff):
    result = import_budget_facts(GOOD, actor=staff.head, filename="facts.csv")
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert BudgetFact.objects.get(year=2026, month=1, category="staff").amount == Decimal(
        "100000.50"
    )
    assert BudgetFact.objects.get(year=2026, month=1, category="tools").amount == 12_000
    again = import_budget_facts(GOOD, actor=staff.head, filename="facts.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = GOOD.replace(b"3500", b"3600")
    dry = import_budget_facts(changed, filename="facts.csv", dry_run=True)
    assert (dry.updated, dry.unchanged, dry.dry_run) == (1, 2, True)
    assert BudgetFact.objects.get(month=2).amount == 3500


def test_bad_rows_reject_the_whole_file_and_are_named(staff):
    bad = (
        b"month,category,amount_rub\n"
        b"2026-03,staff,100\n"
        b"2026-13,staff,100\n"
        b"2026-03,food,100\n"
        b"2026-03,staff,-5\n"
        b"2026-04,staff,\n"
    )
    with pytest.raises(CsvFileError) as error:
        import_budget_facts(bad, filename="facts.csv")
    issues = [str(issue) for issue in error.value.issues]
    assert issues[0].startswith("row 3, column month:")
    assert any(i.startswith("row 4, column category: expected one of") for i in issues)
    assert any(i.startswith("row 5, column amount_rub: must not be negative") for i in issues)
    assert any(i == "row 6, column amount_rub: value is required" for i in issues)
    assert BudgetFact.objects.count() == 0


def test_unknown_columns_and_duplicates_are_refused(db):
    with pytest.raises(CsvFileError, match="unknown"):
        import_budget_facts(b"month,category,amount_rub,colour\n2026-01,staff,1,red\n")
    duplicate = b"month,category,amount_rub\n2026-01,staff,1\n2026-01,staff,2\n"
    with pytest.raises(CsvFileError, match="already in row 2"):
        import_budget_facts(duplicate)


def test_command(staff, tmp_path):
    path = tmp_path / "facts.csv"
    path.write_bytes(GOOD)
    out = StringIO()
    call_command("import", "budget-facts", str(path), "--user", "head", stdout=out)
    assert "3 created" in out.getvalue()
    path.write_bytes(b"month,category,amount_rub\n2026-01,staff,abc\n")
    with pytest.raises(CommandError, match="row 2, column amount_rub"):
        call_command("import", "budget-facts", str(path), stdout=StringIO())
