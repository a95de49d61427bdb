from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.macros import placeholders
from soprovod.macros.models import Macro
from soprovod.tickets import queries as ticket_queries


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = [
            "title",
            "body",
            "shared",
            "set_status",
            "set_type",
            "set_category",
            "set_priority",
            "set_assignee",
            "assign_to_me",
            "add_tags",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, can_share: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Placeholders: %(list)s.") % {
            "list": placeholders.help_text()
        }
        self.fields["set_category"].queryset = ticket_queries.active_categories()
        self.fields["set_assignee"].queryset = ticket_queries.support_staff()
        self.fields["add_tags"].help_text = _("Comma-separated, e.g. «шлагбаум, vip».")
        if not can_share:
            # Only the head and the support managers share macros with the department.
            del self.fields["shared"]

    def clean_body(self) -> str:
        body = self.cleaned_data.get("body", "")
        unknown = placeholders.unknown_names(body)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(names)s.")
                % {"names": ", ".join(f"{{{{ {name} }}}}" for name in unknown)}
            )
        return body

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class UseForm(forms.Form):
    version = forms.IntegerField(min_value=1, required=False)
