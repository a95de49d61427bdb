"""The weekly sample (thin wrapper; idempotent by the week)."""

from celery import shared_task

from soprovod.quality.actions import do_build_week, last_week_start


@shared_task(name="quality.build_week")
def build_week() -> int:
    """Build last week's sample (Monday morning); running it again adds nothing."""
    return do_build_week(last_week_start()).items.count()
