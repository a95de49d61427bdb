"""Forms of the success pages. They validate; the writes happen in ``actions``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.clients.forms import DateInput
from soprovod.clients.models import Client
from soprovod.success.models import Claim, ClientProfile

CLAIM_FORM_FIELDS = [
    "number",
    "direction",
    "client",
    "counterparty_inn",
    "contract",
    "sent_on",
    "received_on",
    "channel",
    "delivery_proof",
    "delivery_proof_file",
    "basis",
    "principal_rub",
    "penalty_rub",
    "response_days",
    "owner",
    "replied_on",
    "outcome",
    "amount_paid_rub",
    "court_case_number",
    "notes",
]


class ClaimForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = CLAIM_FORM_FIELDS
        widgets = {
            "sent_on": DateInput(),
            "received_on": DateInput(),
            "replied_on": DateInput(),
            "basis": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Leave empty to number it automatically.")
        self.fields["counterparty_inn"].required = False
        self.fields["counterparty_inn"].help_text = _("Leave empty to take the client's INN.")
        self.fields["principal_rub"].required = False
        self.fields["penalty_rub"].required = False
        self.fields["response_days"].required = False
        self.fields["response_days"].help_text = _(
            "Empty: the term of the client's contract, else 30 calendar days (ч. 5 ст. 4 АПК РФ)."
        )
        self.fields["client"].queryset = (
            clients if clients is not None else Client.objects.all()
        ).order_by("name")
        self.fields["owner"].queryset = users_with_role(
            Role.HEAD, Role.SUCCESS_MANAGER, include=instance.owner_id
        )
        if instance.pk:
            self.fields["version"].initial = instance.version
        else:
            del self.fields["version"]
            for name in ("replied_on", "outcome", "amount_paid_rub", "court_case_number"):
                del self.fields[name]

    def _post_clean(self):
        """The action validates the claim (it fills the number, INN and term first)."""

    def clean_number(self):
        return (self.cleaned_data.get("number") or "").strip()

    def values(self) -> dict:
        values = {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in ("version", "client")
        }
        if values.get("delivery_proof_file") is False:  # «clear» ticked
            values["delivery_proof_file"] = ""
        if values.get("response_days") is None:
            values["response_days"] = (
                None if self.instance.pk is None else self.instance.response_days
            )
        for name in ("principal_rub", "penalty_rub"):
            if values.get(name) is None:
                values[name] = 0
        return values


class ClientProfileForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ClientProfile
        fields = ["key_account", "claim_response_days"]
