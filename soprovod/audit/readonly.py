"""The Django admin may look at business objects but not write around the audit trail."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """The admin shows business objects but never writes them: their writes go through the
    app's actions (audit trail, status history, version), which the admin would bypass."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
