"""Background jobs of the hand-offs (thin wrappers; idempotent by their natural keys)."""

from dataclasses import asdict

from celery import shared_task

from soprovod.handoffs.actions import do_check_clocks


@shared_task(name="handoffs.check_clocks", acks_late=True)
def check_clocks() -> dict[str, int]:
    """Every minute (CELERY_BEAT_SCHEDULE): the 80 % warnings and the breach escalations of
    the agreement rounds, each once per round."""
    return asdict(do_check_clocks())
