from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.strategic.models import FactSource, StrategicKpi

QUARTER_CHOICES = [(q, f"Q{q}") for q in range(1, 5)]


class PlansMixin(forms.Form):
    q1 = forms.FloatField(label=_("Plan Q1"), required=False)
    q2 = forms.FloatField(label=_("Plan Q2"), required=False)
    q3 = forms.FloatField(label=_("Plan Q3"), required=False)
    q4 = forms.FloatField(label=_("Plan Q4"), required=False)

    def plans(self) -> dict[int, float | None]:
        return {q: self.cleaned_data.get(f"q{q}") for q in range(1, 5)}


class DefineForm(PlansMixin):
    key = StrategicKpi._meta.get_field("key").formfield()
    title = forms.CharField(label=_("Title"), max_length=200)
    source = forms.ChoiceField(label=_("Fact"), choices=FactSource.choices)
    kpi_key = forms.ChoiceField(label=_("Product KPI"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, kpi_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi_key"].choices = [("", "—"), *kpi_choices]


class PlansForm(PlansMixin):
    pass


class FactForm(forms.Form):
    quarter = forms.TypedChoiceField(label=_("Quarter"), choices=QUARTER_CHOICES, coerce=int)
    value = forms.FloatField(label=_("Fact"))
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))
