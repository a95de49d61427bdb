"""Errors every action layer shares, and what Django's error reports may show."""

import re

from django.utils.translation import gettext as _
from django.views.debug import SafeExceptionReporterFilter


class StaleObjectError(Exception):
    """Someone else saved the object after this form was opened (optimistic locking)."""

    def __init__(self, obj):
        self.obj = obj
        super().__init__(
            _(
                "“%(name)s” was changed by someone else after you opened it. Your edits are "
                "kept: check them against the current version and save again."
            )
            % {"name": obj}
        )


class SecretSettingsFilter(SafeExceptionReporterFilter):
    """Django's error page and error report hide the settings named like a secret (…KEY,
    …TOKEN…); a webhook URL carries its secret in the URL itself (Bitrix24's
    ``/rest/<user>/<code>/``), so the ``…WEBHOOK_URL`` settings are hidden too."""

    hidden_settings = re.compile(
        SafeExceptionReporterFilter.hidden_settings.pattern + "|WEBHOOK_URL", flags=re.I
    )


class StateConflict(Exception):
    """The object is not in a state where this action applies: a hand-off already submitted,
    a ticket that is not resolved being reopened, a request to development already decided.
    The caller may do this and asked correctly; the object's current state is what refuses
    (the same request would succeed in another state). The API answers 409 with the message
    (interfaces.md «HTTP API»); pages show it as they show any refusal of the action.

    An app's state refusal subclasses this and the app's own error class (``class
    HandoffStateError(StateConflict, HandoffError)``), so code that catches the app's error
    keeps catching it. The message names the object's state and why it refuses."""

    @property
    def detail(self) -> str:
        messages = getattr(self, "messages", None)  # a Django ValidationError
        if messages:
            return " ".join(str(message) for message in messages)
        return str(self)
