"""Background jobs of the SLA app: thin wrappers around `checker` (architecture.md)."""

from dataclasses import asdict

from celery import shared_task

from soprovod.sla.checker import check_sla


@shared_task(name="sla.check", acks_late=True, ignore_result=False)
def check() -> dict[str, int]:
    """Every minute (CELERY_BEAT_SCHEDULE): warnings, breaches and escalations, each once."""
    return asdict(check_sla())
