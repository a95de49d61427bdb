"""Forms of the client portal. They validate what a client sends; the writes happen in
``soprovod.tickets.actions``, which check the same limits again."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from soprovod.clients.permissions import sites_visible_to
from soprovod.portal.queries import TypePromise, contact_of, type_promises
from soprovod.tickets.actions import AttachmentError, validate_attachment
from soprovod.tickets.models import Category, TicketType

MAX_FILES = 10

# When to choose each type, in the client's words (domain.md «Ticket»).
TYPE_SITUATIONS = {
    TicketType.EMERGENCY: _("The system does not work, or people cannot get in or out."),
    TicketType.STANDARD: _("Something is broken, but there is a workaround."),
    TicketType.CONSULTATION: _("A question about how to do something."),
}


def describe_time(minutes: int, round_the_clock: bool) -> str:
    """A target as a client reads it: "15 minutes round the clock", "24 working hours"."""
    if round_the_clock:
        if minutes % 60 == 0:
            hours = minutes // 60
            return ngettext(
                "%(count)s hour round the clock", "%(count)s hours round the clock", hours
            ) % {"count": hours}
        return ngettext(
            "%(count)s minute round the clock", "%(count)s minutes round the clock", minutes
        ) % {"count": minutes}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)s working hour", "%(count)s working hours", hours) % {
            "count": hours
        }
    return ngettext("%(count)s working minute", "%(count)s working minutes", minutes) % {
        "count": minutes
    }


def describe_promise(promise: TypePromise | None) -> str:
    """One sentence: how soon we answer and how soon we aim to solve it."""
    if promise is None:
        return ""
    response = resolution = None
    if promise.response_minutes:
        response = describe_time(promise.response_minutes, promise.response_round_the_clock)
    if promise.resolution_minutes:
        resolution = describe_time(promise.resolution_minutes, promise.resolution_round_the_clock)
    if response and resolution:
        return _("We answer within %(response)s and aim to solve it within %(resolution)s.") % {
            "response": response,
            "resolution": resolution,
        }
    if response:
        return _("We answer within %(response)s.") % {"response": response}
    if resolution:
        return _("We aim to solve it within %(resolution)s.") % {"resolution": resolution}
    return ""


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (up to MAX_FILES); every refused file is named in its own error."""

    widget = MultipleFileInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Files"))
        kwargs.setdefault(
            "help_text",
            _("Screenshots, photos, logs: up to %(count)s files, %(limit)s MB each.")
            % {"count": MAX_FILES, "limit": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024},
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if len(uploads) > MAX_FILES:
            raise ValidationError(
                _("Attach at most %(count)s files at once.") % {"count": MAX_FILES}
            )
        errors = []
        for upload in uploads:
            if not upload.size:
                errors.append(_("“%(name)s” is empty.") % {"name": upload.name})
                continue
            try:
                validate_attachment(upload)
            except AttachmentError as exc:
                errors.append(str(exc))
        if errors:
            raise ValidationError(errors)
        return uploads


class NewTicketForm(forms.Form):
    """A new ticket from the portal. Sites are limited to the client's own company, so
    another company's site is refused as an invalid choice."""

    type = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=TicketType.choices,
        initial=TicketType.STANDARD,
        widget=forms.RadioSelect,
    )
    category = forms.ModelChoiceField(
        label=_("What is it about?"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("Not sure"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=None,
        required=False,
        empty_label=_("Not about one particular site"),
        error_messages={"invalid_choice": _("Choose one of your company's sites.")},
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=300,
        help_text=_("In a few words: what happened?"),
    )
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What happens, where and since when, and what you have already tried. "
            "Names of barriers, readers or passes help us find the cause faster."
        ),
    )
    attachments = AttachmentsField()

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        sites = sites_visible_to(user).order_by("name")
        self.fields["site"].queryset = sites
        only_site = list(sites[:2])
        if len(only_site) == 1:
            self.fields["site"].initial = only_site[0].pk
        contact = contact_of(user)
        self.promises = type_promises(contact.client if contact else None)
        # While the client types the subject, matching help articles are suggested below it.
        self.fields["subject"].widget.attrs.update(
            {
                "autocomplete": "off",
                "hx-get": reverse("portal:suggest"),
                "hx-trigger": "input changed delay:500ms",
                "hx-target": "#kb-suggestions-slot",
                "hx-sync": "this:replace",
            }
        )

    def type_options(self):
        """Each type's radio button with when to choose it and what we promise."""
        return [
            (
                radio,
                TYPE_SITUATIONS.get(radio.data["value"], ""),
                describe_promise(self.promises.get(radio.data["value"])),
            )
            for radio in self["type"]
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = AttachmentsField()
    # The ticket version the page showed: a reply written before news arrived is held back.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        data = super().clean()
        empty = not (data.get("body") or "").strip() and not data.get("attachments")
        if empty and not self.errors:
            raise ValidationError(_("Write a message or attach a file."))
        return data


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("What is still wrong? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How did we do?"),
        coerce=int,
        choices=[(score, str(score)) for score in range(1, 6)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
