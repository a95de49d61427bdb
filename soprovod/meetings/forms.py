from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.models import User
from soprovod.accounts.roles import SUPPORT_STAFF, Role
from soprovod.meetings import agenda, links
from soprovod.meetings.models import Meeting, MeetingSeries

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def colleagues():
    """Everyone who may own an action item: active staff, never a client contact."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role_rows__isnull=False) & ~Q(role_rows__role=Role.CLIENT_CONTACT))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=100_000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Action item"), max_length=500)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due"), widget=DATE)
    record_kind = forms.ChoiceField(label=_("About"), required=False)
    record_id = forms.IntegerField(
        label=_("Number"),
        required=False,
        min_value=1,
        help_text=_("The number of the ticket, client, hand-off, request or task."),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        # The department takes action items; sales and development only at the meeting they
        # sit at (the cross-department one).
        people = User.objects.filter(
            Q(is_active=True)
            & (Q(role_rows__role__in=SUPPORT_STAFF) | Q(pk__in=meeting.participants.values("pk")))
        )
        people = people.distinct().order_by("last_name", "first_name", "username")
        self.fields["owner"].queryset = people
        self.fields["record_kind"].choices = [("", _("—")), *links.kind_choices()]

    def clean(self):
        data = super().clean()
        if data.get("record_kind") and not data.get("record_id"):
            self.add_error("record_id", _("Give the number of the record."))
        return data


class CloseItemForm(forms.Form):
    result = forms.CharField(
        label=_("Result"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(label=_("Duration, minutes"), min_value=10, max_value=480)
    place = forms.CharField(label=_("Place or link"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class SeriesForm(forms.ModelForm):
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sections = forms.MultipleChoiceField(
        label=_("Agenda sections"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = MeetingSeries
        fields = [
            "title",
            "weekday",
            "start_time",
            "duration_minutes",
            "chair",
            "place",
            "minutes_template",
            "is_active",
        ]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "minutes_template": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = colleagues()
        self.fields["participants"].queryset = people
        self.fields["chair"].queryset = people
        self.fields["sections"].choices = agenda.section_choices()
        if self.instance.pk and not self.is_bound:
            self.initial["participants"] = list(
                self.instance.participants.values_list("pk", flat=True)
            )
            self.initial["sections"] = self.instance.sections or agenda.default_sections(
                self.instance.kind
            )
            self.initial["version"] = self.instance.version

    def values(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        # Keep the series' order for the sections it had, new ones at the end.
        chosen = self.cleaned_data["sections"]
        order = [key for key, _label in agenda.section_choices()]
        data["sections"] = sorted(chosen, key=order.index)
        return data
