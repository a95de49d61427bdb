from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("What is known (staff only)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )


class UpdateForm(forms.Form):
    body = forms.CharField(
        label=_("Public update to every client"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was fixed (sent to every client)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class LinkForm(forms.Form):
    number = forms.IntegerField(label=_("Ticket No."), min_value=1)
