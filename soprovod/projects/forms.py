"""Forms of the project pages. They validate; the writes happen in ``actions``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.models import User
from soprovod.accounts.roles import Role
from soprovod.clients.forms import DateInput
from soprovod.projects.models import ProjectTemplate
from soprovod.projects.plan import PlanTextError, parse_plan_text


def implementation_managers():
    return (
        User.objects.filter(is_active=True, role_rows__role=Role.IMPLEMENTATION_MANAGER)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class TemplateForm(forms.ModelForm):
    plan = forms.CharField(
        label=_("Stages and tasks"),
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false"}),
        help_text=_(
            "One stage per line: «name | stage | working days» (stages: Kick-off, Setup, "
            "Equipment, Training, Go-live), followed by its tasks: «- title | working days»."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProjectTemplate
        fields = ["name", "tariff", "segment", "is_default", "is_active"]

    def clean_plan(self):
        try:
            return parse_plan_text(self.cleaned_data["plan"])
        except PlanTextError as error:
            raise forms.ValidationError(error.errors) from None

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class TaskDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DateInput, required=False)

    def clean_done_on(self):
        return self.cleaned_data["done_on"] or timezone.localdate()


class TaskEditForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=User.objects.none(), required=False
    )
    planned_end = forms.DateField(label=_("Due"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True,
            role_rows__role__in=[Role.IMPLEMENTATION_MANAGER, Role.HEAD, Role.SENIOR_ENGINEER],
        ).distinct()


class BlockerForm(forms.Form):
    reason = forms.CharField(
        label=_("What blocks the project"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class LiftForm(forms.Form):
    resolution = forms.CharField(label=_("How it was lifted"), required=False, max_length=2000)


class GoLiveForm(forms.Form):
    went_live_on = forms.DateField(label=_("Went live on"), widget=DateInput, required=False)

    def clean_went_live_on(self):
        return self.cleaned_data["went_live_on"] or timezone.localdate()


class ProjectCreateForm(forms.Form):
    """A project for a client already in the portfolio (a hand-off opens one by itself)."""

    client = forms.ModelChoiceField(label=_("Client"), queryset=None)
    owner = forms.ModelChoiceField(label=_("Implementation manager"), queryset=None)
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=ProjectTemplate.objects.filter(is_active=True),
        required=False,
        help_text=_("Empty: the template of the client's tariff."),
    )
    start = forms.DateField(label=_("Start"), widget=DateInput, required=False)

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["owner"].queryset = implementation_managers()
