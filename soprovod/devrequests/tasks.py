"""Background jobs of requests to development (thin wrappers; idempotent by natural keys)."""

from dataclasses import asdict

from celery import shared_task

from soprovod.devrequests.actions import do_check_clocks


@shared_task(name="devrequests.check_clocks")
def check_clocks() -> dict[str, int]:
    """Warn at 80 % of each agreement round and escalate its breach, once each."""
    return asdict(do_check_clocks())
