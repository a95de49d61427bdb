"""Forms of the request pages. They validate; the writes happen in ``actions``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.clients.forms import DateInput
from soprovod.devrequests.models import DevRequest


class RequestForm(forms.ModelForm):
    submit = forms.BooleanField(
        label=_("Send to development now (starts the 48-hour clock)"), required=False, initial=True
    )

    class Meta:
        model = DevRequest
        fields = ["kind", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class AcceptForm(forms.Form):
    planned_release = forms.CharField(label=_("Planned release"), max_length=100, required=False)
    planned_on = forms.DateField(label=_("Planned date"), required=False, widget=DateInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("planned_release", "").strip() and not data.get("planned_on"):
            raise forms.ValidationError(_("Give a planned release or a date."))
        return data


class DecisionForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReleaseForm(forms.Form):
    released_in = forms.CharField(label=_("Release"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MergeForm(forms.Form):
    survivor = forms.IntegerField(
        label=_("Merge into request number"), min_value=1, help_text=_("DEV-number, digits only")
    )


class LinkForm(forms.Form):
    ticket = forms.IntegerField(label=_("Ticket number"), min_value=1)
