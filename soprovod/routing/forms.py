from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import Client
from soprovod.routing import actions
from soprovod.routing.models import Rule
from soprovod.tickets import queries as ticket_queries
from soprovod.tickets.models import Channel


class RuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any channel."),
    )

    class Meta:
        model = Rule
        fields = [*actions.FIELDS, *actions.MANY]  # what the audited write takes
        widgets = {
            "add_watchers": forms.CheckboxSelectMultiple,
            "notify_users": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = ticket_queries.support_staff()
        for name in ("assign_person", "add_watchers", "notify_users"):
            self.fields[name].queryset = staff
        for name in ("category", "set_category"):
            self.fields[name].queryset = ticket_queries.active_categories()
        self.fields["client"].queryset = Client.objects.order_by("name").only("pk", "name")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}
