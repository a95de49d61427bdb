from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.twofactor.queries import REQUIRABLE_ROLES


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}
        ),
    )


class EnrolForm(CodeForm):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PolicyForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles that must use two-factor authentication"),
        choices=[(role.value, role.label) for role in REQUIRABLE_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
