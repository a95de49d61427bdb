"""The budget's forms: the plan grid of a version, a month's facts, the CEO's decision."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.budget.models import BudgetCategory
from soprovod.budget.queries import MONTH_NUMBERS, Grid
from soprovod.core.forms import CsvUploadForm
from soprovod.lib.csvio import parse_decimal


def cell_name(month: int, category: str) -> str:
    return f"m{month:02d}_{category}"


class MoneyField(forms.CharField):
    """Roubles as people type them in either language: ``100000``, ``100 000,50``,
    ``1234.5`` (the CSV import's reading, `csvio.parse_decimal`); empty is no amount."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "money"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return value

    def to_python(self, value) -> Decimal | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            amount = parse_decimal(text)
        except ValueError:
            raise forms.ValidationError(_("Enter an amount like 125 000 or 125000,50.")) from None
        if amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        if amount.as_tuple().exponent < -2 or amount >= Decimal("1e12"):
            raise forms.ValidationError(_("Enter an amount like 125 000 or 125000,50."))
        return amount


def _amount_field() -> MoneyField:
    return MoneyField()


class PlanForm(forms.Form):
    """Twelve months × six categories of plan amounts, the head's note, and the version
    the form was opened on (optimistic locking)."""

    note = forms.CharField(
        label=_("Note for the CEO"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, grid: Grid | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        grid = grid or {}
        for month in MONTH_NUMBERS:
            for category in BudgetCategory.values:
                field = _amount_field()
                field.initial = grid.get((month, category))
                self.fields[cell_name(month, category)] = field

    def amounts(self) -> dict[tuple[int, str], Decimal | None]:
        return {
            (month, category): self.cleaned_data.get(cell_name(month, category))
            for month in MONTH_NUMBERS
            for category in BudgetCategory.values
        }

    def rows(self):
        """The bound fields month by month, for the template's grid."""
        return [
            (month, [self[cell_name(month, c)] for c in BudgetCategory.values])
            for month in MONTH_NUMBERS
        ]


class FactsForm(forms.Form):
    """One month's facts, a field per category."""

    month = forms.IntegerField(min_value=1, max_value=12, widget=forms.HiddenInput)

    def __init__(self, *args, grid: Grid | None = None, month: int = 1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        grid = grid or {}
        self.fields["month"].initial = month
        for category in BudgetCategory.values:
            field = _amount_field()
            field.label = BudgetCategory(category).label
            field.initial = grid.get((month, category))
            self.fields[category] = field

    def category_fields(self):
        return [self[c] for c in BudgetCategory.values]


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class FactsUploadForm(CsvUploadForm):
    max_bytes = 1024 * 1024
