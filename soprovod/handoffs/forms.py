"""Forms of the hand-off pages. They validate; the writes happen in ``actions``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.clients.forms import DateInput
from soprovod.handoffs import checklist
from soprovod.handoffs.actions import EDITABLE_FIELDS
from soprovod.handoffs.models import Handoff, HandoffSite


class HandoffForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    document = forms.FileField(label=_("Attach a document"), required=False)

    class Meta:
        model = Handoff
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "contract_date": DateInput,
            "promised_go_live": DateInput,
            "modules": forms.Textarea(attrs={"rows": 2}),
            "integrations": forms.Textarea(attrs={"rows": 2}),
            "promised_dates": forms.Textarea(attrs={"rows": 2}),
            "special_terms": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["client"].required = False
        self.fields["client"].label = _("Existing client (empty for a new one)")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}

    # Groups of fields as the checklist shows them.
    GROUPS = (
        ("client", ("client", "client_name", "inn", "segment")),
        ("contract", ("contract_number", "contract_date", "tariff", "mrr_rub", "term_months")),
        ("decision_maker", ("decision_maker_name", "decision_maker_phone", "decision_maker_email")),
        ("technical", ("technical_name", "technical_phone", "technical_email")),
        ("billing", ("billing_name", "billing_phone", "billing_email")),
        ("scope", ("modules", "integrations", "passes_or_users")),
        ("promises", ("promised_go_live", "promised_dates", "special_terms")),
    )

    def groups(self):
        return [
            (checklist.ITEM_LABELS[item], [self[name] for name in names])
            for item, names in self.GROUPS
        ]


class SiteForm(forms.ModelForm):
    class Meta:
        model = HandoffSite
        fields = ["name", "address", "timezone", "equipment"]
        widgets = {"equipment": forms.TextInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


SiteFormSet = forms.formset_factory(SiteForm, extra=1, max_num=50)


def site_rows(formset) -> list[dict]:
    """The filled-in sites of the formset (a row without a name is left out)."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and (form.cleaned_data.get("name") or "").strip()
    ]


class ReturnForm(forms.Form):
    """A reason per checklist item (at least one) and a comment."""

    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in checklist.ITEMS:
            self.fields[f"reason_{item.key}"] = forms.CharField(
                label=item.label, required=False, max_length=1000
            )

    def clean(self):
        data = super().clean()
        if not any((data.get(f"reason_{k}") or "").strip() for k in checklist.ITEM_KEYS):
            raise forms.ValidationError(_("Say what is wrong with at least one checklist item."))
        return data

    def reasons(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(f"reason_{k}", "") for k in checklist.ITEM_KEYS}

    def reason_fields(self):
        return [self[f"reason_{k}"] for k in checklist.ITEM_KEYS]


class AcceptForm(forms.Form):
    success_manager = forms.ModelChoiceField(label=_("Success manager"), queryset=None)
    implementation_manager = forms.ModelChoiceField(
        label=_("Implementation manager"), queryset=None, required=False
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["success_manager"].queryset = users_with_role(Role.SUCCESS_MANAGER)
        self.fields["implementation_manager"].queryset = users_with_role(
            Role.IMPLEMENTATION_MANAGER
        )


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Document"))
