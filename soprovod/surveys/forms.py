from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.surveys.models import DetractorTask


class NpsAnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a colleague or a partner?"),
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("What is the main reason for your score?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    segment = forms.ChoiceField(label=_("Segment"), required=False)

    def __init__(self, *args, segments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("All segments"))] + [(s, s) for s in segments]


class CloseTaskForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome of the call"),
        choices=DetractorTask.Outcome.choices,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("What was said and agreed"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class InternalSurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with working with the support department this month?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 — very dissatisfied, 5 — very satisfied"),
    )
    comment = forms.CharField(
        label=_("What should we keep or change?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    signed = forms.BooleanField(
        label=_("Sign my answer with my name (answers are anonymous otherwise)"),
        required=False,
    )
