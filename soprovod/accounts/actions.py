"""Every write to accounts that a person makes: personal API tokens, each audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from soprovod.accounts.models import ApiToken, User
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record


@transaction.atomic
def do_issue_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token for ``user``; returns it with the raw token, shown once."""
    token, raw = ApiToken.issue(user, name)
    record(user, token, AuditEvent.Action.CREATED, {"name": ["", token.name]})
    return token, raw


@transaction.atomic
def do_revoke_api_token(user: User, token: ApiToken) -> ApiToken:
    """Revoke one of ``user``'s tokens: it stops working at once."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(user, token, AuditEvent.Action.OTHER, {"revoked_at": ["", token.revoked_at]})
    return token
