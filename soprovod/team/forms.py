from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.roles import Role
from soprovod.team.models import TrainingItem
from soprovod.team.queries import staff_colleagues

# Roles the team page gives: every role but a client contact's (those come with a contact).
GIVEN_ROLES = [(value, label) for value, label in Role.choices if value != Role.CLIENT_CONTACT]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=GIVEN_ROLES)
    give = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    deputy = forms.ModelChoiceField(
        label=_("Deputy"), queryset=None, required=False, empty_label=_("— nobody —")
    )
    route_to = forms.ModelChoiceField(
        label=_("Route their queue and clients to"),
        queryset=None,
        required=False,
        empty_label=_("— the deputy —"),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        colleagues = staff_colleagues()
        if person is not None:
            colleagues = colleagues.exclude(pk=person.pk)
        self.fields["deputy"].queryset = colleagues
        self.fields["route_to"].queryset = colleagues


class ReassignForm(forms.Form):
    colleague = forms.ModelChoiceField(label=_("Hand over to"), queryset=None)
    tickets = forms.BooleanField(label=_("Open tickets"), required=False, initial=True)
    clients = forms.BooleanField(label=_("Clients they manage"), required=False, initial=True)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = staff_colleagues().exclude(pk=person.pk)


class TrainingItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TrainingItem.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    published_on = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=_("Link"), max_length=500, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompletionForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=None)
    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = staff_colleagues()
