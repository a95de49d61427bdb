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
