from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.problems.models import Problem


class ProblemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    client = forms.ModelChoiceField(label=_("Client"), queryset=None, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    words = forms.CharField(label=_("Words in the subject"), max_length=200, required=False)
    window_days = forms.IntegerField(
        label=_("Comparison window, days"), min_value=7, max_value=365, initial=90
    )

    def __init__(self, *args, people=None, clients=None, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["client"].queryset = clients
        self.fields["category"].queryset = categories


class FixForm(forms.Form):
    fix_kind = forms.ChoiceField(label=_("Fix"), choices=Problem.FixKind.choices)
    fix_description = forms.CharField(
        label=_("What was changed"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    fix_url = forms.URLField(
        label=_("Link (article, document)"), required=False, assume_scheme="https"
    )
    fix_dev_request = forms.ModelChoiceField(
        label=_("Request to development"), queryset=None, required=False
    )
    fix_reference = forms.ChoiceField(label=_("Training"), required=False)
    fixed_at = forms.DateTimeField(label=_("Fixed at"), required=False)

    def __init__(self, *args, dev_requests=None, references=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fix_dev_request"].queryset = dev_requests
        self.fields["fix_reference"].choices = [("", "—"), *references]
