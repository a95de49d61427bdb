from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.accounts.models import User
from soprovod.accounts.roles import SUPPORT_STAFF


class ShiftForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Who is on duty"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True, role_rows__role__in=SUPPORT_STAFF)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username


class EmailCodeForm(forms.Form):
    email = forms.EmailField(
        label=_("Contact's email"),
        help_text=_("The contact gets a one-time code by email and sends it to the bot."),
    )
