"""Forms of the success pages. They validate; the writes happen in ``actions``."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import SUPPORT_STAFF, Role
from soprovod.clients.forms import DateInput
from soprovod.clients.models import Client
from soprovod.success.actions import StepInput
from soprovod.success.models import (
    ChurnCase,
    ChurnOutcome,
    ChurnReason,
    Claim,
    ClientProfile,
    NoteKind,
)

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


# ---- churn cases ---------------------------------------------------------------------------


def _case_people(include=None):
    return users_with_role(Role.HEAD, Role.SUCCESS_MANAGER, include=include)


class ChurnOpenForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=ChurnReason.objects.none(), required=False
    )
    details = forms.CharField(
        label=_("What the client says"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=Client.objects.none(),
        required=False,
        help_text=_("Empty: the client's success manager."),
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients.order_by("name")
        self.fields["reason"].queryset = ChurnReason.objects.filter(active=True)
        self.fields["owner"].queryset = _case_people()


class ChurnCaseForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ChurnCase
        fields = ["reason", "details", "owner"]
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.reason_id
        self.fields["reason"].queryset = ChurnReason.objects.filter(Q(active=True) | Q(pk=current))
        self.fields["owner"].queryset = _case_people(include=self.instance.owner_id)
        self.fields["version"].initial = self.instance.version


class ChurnTaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Client.objects.none(), required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users_with_role(*SUPPORT_STAFF)


class ChurnCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ChurnOutcome.choices, widget=forms.RadioSelect
    )
    outcome_on = forms.DateField(label=_("Outcome date"), widget=DateInput)
    new_mrr_rub = forms.DecimalField(
        label=_("New MRR, ₽"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("For a downgrade: the MRR from the outcome date."),
    )
    notes = forms.CharField(
        label=_("Outcome notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ChurnReasonForm(forms.ModelForm):
    class Meta:
        model = ChurnReason
        fields = ["name", "position", "active"]


# ---- notes of calls and meetings -----------------------------------------------------------

NEXT_STEP_ROWS = 2


class CallNoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices, initial=NoteKind.CALL)
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    staff = forms.ModelMultipleChoiceField(
        label=_("Our people"),
        queryset=Client.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Client's people"),
        queryset=Client.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_participants = forms.CharField(label=_("Others"), max_length=300, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = users_with_role(*SUPPORT_STAFF)
        self.fields["contacts"].queryset = client.contacts.order_by("-is_primary", "full_name")
        people = users_with_role(*SUPPORT_STAFF)
        for row in range(1, NEXT_STEP_ROWS + 1):
            self.fields[f"step{row}_text"] = forms.CharField(
                label=_("Next step"), max_length=300, required=False
            )
            self.fields[f"step{row}_owner"] = forms.ModelChoiceField(
                label=_("Who"), queryset=people, required=False
            )
            self.fields[f"step{row}_due"] = forms.DateField(
                label=pgettext_lazy("next step", "By"), required=False, widget=DateInput
            )

    def next_steps(self) -> list[StepInput]:
        data = self.cleaned_data
        return [
            StepInput(data[f"step{row}_text"], data[f"step{row}_owner"], data[f"step{row}_due"])
            for row in range(1, NEXT_STEP_ROWS + 1)
            if data.get(f"step{row}_text", "").strip()
        ]
