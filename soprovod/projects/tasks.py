"""Background jobs of the projects (thin wrappers; idempotent by their natural keys)."""

from celery import shared_task

from soprovod.projects.actions import do_warn_overdue


@shared_task(name="projects.warn_overdue")
def warn_overdue() -> int:
    """Warn of overdue tasks and stages once each (`OverdueNotice`)."""
    return do_warn_overdue()
