"""Background jobs of customer success (thin wrappers; idempotent by natural keys)."""

from dataclasses import asdict

from celery import shared_task

from soprovod.success.actions import do_check_claim_deadlines


@shared_task(name="success.check_claim_deadlines")
def check_claim_deadlines() -> dict[str, int]:
    """Claim deadline warnings (7 and 2 days before) and missed-deadline escalations, once
    each per claim and deadline."""
    return asdict(do_check_claim_deadlines())
