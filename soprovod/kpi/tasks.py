"""Background jobs of the KPI app (thin wrappers; idempotent by their natural keys)."""

import datetime as dt

from celery import shared_task

from soprovod.kpi import actions


@shared_task(name="kpi.store_month", acks_late=True)
def store_month(month: str) -> int:
    """Queued on commit by a write to a ticket of a closed month (``month`` is its first day,
    ISO): store its facts again. A month already current is left alone."""
    return actions.do_store_month(dt.date.fromisoformat(month), only_if_stale=True)


@shared_task(name="kpi.store_months", acks_late=True)
def store_months() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): store every closed month whose facts are missing or
    stale (the month just ended; a rebuild whose task was lost)."""
    return actions.do_store_months()
