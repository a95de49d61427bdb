"""Forms of the portfolio pages. They validate; the writes happen in ``actions``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from soprovod.audit.recorder import snapshot
from soprovod.clients.actions import CLIENT_FIELDS
from soprovod.clients.models import Client, Contact, Site
from soprovod.clients.queries import sales_people, success_managers
from soprovod.core.forms import CsvUploadForm

# The time zones of Russia, offered as suggestions; any IANA zone is accepted.
RUSSIAN_TIME_ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # The browser's date picker sends and expects ISO dates whatever the language.
        super().__init__(attrs, format="%Y-%m-%d")


class ClientForm(forms.ModelForm):
    """Create or edit a client. The model's own validation runs too (``full_clean``): the
    INN checksum, a churn date exactly for churned clients, the contract dates' order."""

    # Room for the spaces people paste between digit groups; clean_inn removes them.
    inn = forms.CharField(
        label=_("INN"),
        max_length=20,
        help_text=_("10 digits for a company, 12 for a sole trader."),
    )
    # The version the form was opened with: a save over someone else's newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Optional; kept in the change history."),
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "inn",
            "external_id",
            "status",
            "tariff",
            "mrr_rub",
            "contract_start",
            "contract_end",
            "churned_at",
            "success_manager",
            "sold_by",
            "segment",
            "notes",
        ]
        widgets = {
            "contract_start": DateInput(),
            "contract_end": DateInput(),
            "churned_at": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "external_id": _("The client's ID in the billing or CRM system; used by CSV import."),
            "churned_at": _("Only for a churned client, and required for one."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["success_manager"].queryset = success_managers(
            include=instance.success_manager_id
        )
        self.fields["sold_by"].queryset = sales_people(include=instance.sold_by_id)
        if instance.pk:
            self.fields["version"].initial = instance.version
        else:
            del self.fields["version"]
            del self.fields["reason"]

    def clean_inn(self) -> str:
        return re.sub(r"[\s\u00a0\u202f]+", "", self.cleaned_data["inn"])

    def clean_external_id(self) -> str | None:
        # Blank means "none": NULLs do not collide in the unique index, empty strings would.
        return self.cleaned_data.get("external_id") or None

    def values(self) -> dict[str, Any]:
        """The model fields to hand to an action."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def differences_from(self, current: Client) -> list[tuple[str, Any, Any]]:
        """``(label, saved value, value in this form)`` for every field where the form's input
        differs from ``current``: what someone else saved meanwhile, or what the user changed."""
        saved = snapshot(current, CLIENT_FIELDS)
        mine = snapshot(self.instance, CLIENT_FIELDS)
        return [
            (capfirst(Client._meta.get_field(name).verbose_name), saved[name], mine[name])
            for name in self._meta.fields
            if saved.get(name) != mine.get(name)
        ]


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "address", "timezone", "equipment_notes"]
        widgets = {
            "timezone": forms.TextInput(attrs={"list": "russian-time-zones"}),
            "equipment_notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "timezone": _("An IANA time zone, e.g. Europe/Moscow or Asia/Yekaterinburg."),
            "equipment_notes": _("Barriers, turnstiles, cameras, controllers, firmware."),
        }


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["full_name", "position", "email", "phone", "is_primary"]


class ImportForm(CsvUploadForm):
    """The clients CSV (up to 5 MB, CsvUploadForm's default)."""
