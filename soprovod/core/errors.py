"""Errors every action layer shares."""

from django.utils.translation import gettext as _


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
