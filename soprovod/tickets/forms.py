"""Forms of the staff ticket pages. They validate input only; every write is an action."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import Contact, Site
from soprovod.clients.permissions import clients_visible_to
from soprovod.sla import queries as sla_queries
from soprovod.tickets import queries
from soprovod.tickets.models import Channel, Escalation, Priority, TicketMessage, TicketType
from soprovod.tickets.templatetags.tickets_ui import duration

# What each type means, in plain words, for whoever types in a phone call. The promised
# first-response time comes from the SLA policy the chosen client's tickets get (the default
# before a client is chosen), so it stays true when the head edits it.
TYPE_EXPLANATIONS = {
    TicketType.EMERGENCY: _(
        "The product does not work for the client: visitors or cars cannot get in, "
        "barriers or readers are down, passes cannot be issued."
    ),
    TicketType.STANDARD: _(
        "Something works wrongly or partly, but people still get in: an error, a report, "
        "a setting, one reader or one account."
    ),
    TicketType.CONSULTATION: _(
        "A question: how to do something, a request for advice or documents."
    ),
}


def _promise(target: tuple[int, bool] | None) -> str:
    if target is None:
        return ""
    minutes, around_the_clock = target
    if around_the_clock:
        return gettext("First response within %(time)s, around the clock.") % {
            "time": duration(minutes * 60)
        }
    return gettext("First response within %(time)s of business time.") % {
        "time": duration(minutes * 60)
    }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (the action checks size and type, and names the file it refuses)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, (list, tuple)) else [data]
        single = super().clean
        return [single(item, initial) for item in items if item]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=50_000,
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=TicketMessage.Kind.choices,
        initial=TicketMessage.Kind.PUBLIC,
        widget=forms.RadioSelect,
    )
    attachments = MultipleFileField(label=_("Attachments"))
    take = forms.BooleanField(
        label=_("Assign the ticket to me"),
        required=False,
        initial=True,
        help_text=_("The ticket has no assignee: a public reply makes you its assignee."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise forms.ValidationError(_("Write a message or attach a file."))
        return data

    @property
    def internal(self) -> bool:
        return self.cleaned_data.get("kind") == TicketMessage.Kind.INTERNAL


class PropertiesForm(forms.Form):
    """Assignee, type and category of a ticket."""

    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=None, required=False, empty_label=_("— nobody —")
    )
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("— none —")
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Comma-separated, e.g. «шлагбаум, vip»."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, assignees=None, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            assignees if assignees is not None else queries.support_staff()
        )
        self.fields["category"].queryset = (
            categories if categories is not None else queries.active_categories()
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("waiting_client", _("Waiting for client")),
            ("open", _("In progress")),
            ("resolved", _("Resolved")),
            ("closed", _("Closed")),
        ]
    )
    version = forms.IntegerField(min_value=1)
    reason = forms.CharField(required=False, max_length=1000)


class ExtendDueForm(forms.Form):
    new_due = forms.DateTimeField(
        label=_("New due time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Moscow time. Never later than the resolution ceiling."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Kept in the audit trail."),
    )


class EscalateForm(forms.Form):
    level = forms.ChoiceField(label=_("Escalate to"), choices=Escalation.Level.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class MergeForm(forms.Form):
    """Merge this ticket, a duplicate, into the ticket whose number is given."""

    into = forms.IntegerField(label=_("Merge into ticket No."), min_value=1)


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", _("Assign to")),
        ("close", _("Close")),
        ("merge", _("Merge into the earliest")),
    ]

    tickets = forms.ModelMultipleChoiceField(
        queryset=None, error_messages={"required": _("Tick at least one ticket.")}
    )
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, tickets=None, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = tickets
        self.fields["assignee"].queryset = (
            assignees if assignees is not None else queries.support_staff()
        )

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose whom to assign the tickets to."))
        return data


class TicketCreateForm(forms.Form):
    """A ticket typed in by staff, usually from a phone call."""

    client = forms.ModelChoiceField(label=_("Client"), queryset=None)
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("— any —")
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("— not known —"),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=TicketType.choices,
        initial=TicketType.STANDARD,
        widget=forms.RadioSelect,
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("— none —")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("What the client says"), widget=forms.Textarea(attrs={"rows": 6})
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # The policy whose times the form showed; the action refuses to create the ticket under
    # another one (rendered by hand from `policy`, never from the submitted value).
    shown_policy = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients_visible_to(user).order_by("name")
        self.fields["category"].queryset = queries.active_categories()
        client_id = self.chosen_client_id()
        chosen = None
        if client_id:
            visible = self.fields["client"].queryset
            chosen = visible.filter(pk=client_id).first()
            self.fields["site"].queryset = Site.objects.filter(
                client_id=client_id, client__in=visible
            )
            self.fields["contact"].queryset = Contact.objects.filter(
                client_id=client_id, client__in=visible
            )
        # The policy a ticket of the chosen client gets (SLA по договору); its times are
        # the promise shown beside each type.
        self.policy = sla_queries.policy_for(chosen)

    def chosen_client_id(self) -> int | None:
        raw = self.data.get("client") if self.is_bound else self.initial.get("client")
        raw = str(getattr(raw, "pk", raw) or "")
        return int(raw) if raw.isdigit() and len(raw) <= 18 else None

    def type_choices(self):
        """(value, label, explanation, checked) for the type radios."""
        current = self["type"].value()
        if current not in TicketType.values:
            current = TicketType.STANDARD
        targets = queries.first_response_targets(self.policy)
        return [
            (
                value,
                label,
                f"{TYPE_EXPLANATIONS[value]} {_promise(targets.get(value))}".strip(),
                value == current,
            )
            for value, label in TicketType.choices
        ]


class RaiseEscalationForm(forms.Form):
    """An escalation raised by hand about a client, or a cross-department issue (no client).
    A ticket's own escalation is raised from the ticket page."""

    level = forms.ChoiceField(label=_("Escalate to"), choices=Escalation.Level.choices)
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=None,
        required=False,
        empty_label=_("— none: a cross-department issue —"),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients_visible_to(user).order_by("name")


class ResolveEscalationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.CharField(
        label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
