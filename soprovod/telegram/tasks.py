"""Background jobs of the Telegram channel: thin wrappers, each idempotent (an update by its
``update_id``, a queued message by its row)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from soprovod.telegram import bot, intake, outbox
from soprovod.tickets.outbound import RetryLater


@shared_task(
    bind=True,
    name="telegram.send",
    acks_late=True,
    autoretry_for=(bot.NetworkError,),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send(self, pk: int) -> bool:
    """Send one queued message (once); on Telegram's 429, again after its retry_after."""
    try:
        return outbox.send(pk)
    except RetryLater as later:
        raise self.retry(countdown=later.seconds, max_retries=20) from None


@shared_task(name="telegram.flush", acks_late=True)
def flush() -> int:
    """Every minute: send what is due in the queue (what a lost job left behind)."""
    return outbox.flush()


@shared_task(name="telegram.poll", acks_late=True)
def poll() -> dict[str, int]:
    """Every few seconds without a webhook: one long-polling round of getUpdates."""
    return asdict(intake.poll_once())
