"""Background jobs of the Bitrix24 sync (thin wrappers; idempotent by the Bitrix24 IDs)."""

from __future__ import annotations

from celery import shared_task

from soprovod.accounts.models import User
from soprovod.bitrix import sync
from soprovod.bitrix.client import is_configured
from soprovod.bitrix.models import RunKind


def _counts(run) -> dict:
    if run is None:
        return {}
    if not run.pk:  # another sync was running: this one did nothing
        return {"busy": True}
    return {
        "run": run.pk,
        "status": run.status,
        "created": run.clients_created,
        "updated": run.clients_updated,
        "conflicts": run.conflicts,
        "handoffs": run.handoffs_created,
        "errors": run.error_count,
    }


@shared_task(name="bitrix.reconcile", acks_late=True)
def reconcile() -> dict:
    """Nightly (CELERY_BEAT_SCHEDULE «bitrix-reconcile»): everything changed since a day
    before the last finished run began, by DATE_MODIFY; an unfinished run is carried on."""
    if not is_configured():
        return {}
    return _counts(sync.run_sync(kind=RunKind.NIGHTLY, since=sync.reconcile_since()).run)


@shared_task(name="bitrix.sync", acks_late=True)
def run_sync(user_id: int | None = None, since: str | None = None) -> dict:
    """«Sync now» on the sync log page."""
    import datetime as dt

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    moment = dt.datetime.fromisoformat(since) if since else None
    return _counts(sync.run_sync(actor=actor, since=moment).run)


@shared_task(name="bitrix.sync_company", acks_late=True)
def sync_company(company_id: int, subject: str = "") -> dict:
    """An outbound event about a company: read it now and sync it."""
    return _counts(sync.sync_company(company_id, subject=subject))


@shared_task(name="bitrix.sync_deal", acks_late=True)
def sync_deal(deal_id: int, subject: str = "") -> dict:
    """An outbound event about a deal: a won one drafts its hand-off (once)."""
    return _counts(sync.sync_deal(deal_id, subject=subject))
