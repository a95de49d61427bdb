"""Background jobs of the ticket desk: thin wrappers around actions, mail, intake and the SLA
checker, each idempotent by its natural key (architecture.md «Background work»)."""

from __future__ import annotations

import smtplib
from dataclasses import asdict

from celery import shared_task

from soprovod.tickets import actions, intake, mail, outbound, sla_checker

# Network trouble and SMTP refusals are retried with a growing pause (about an hour in all).
MAIL_RETRY = {
    "autoretry_for": (OSError, smtplib.SMTPException),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "max_retries": 8,
}


@shared_task(bind=True, name="tickets.send_message", acks_late=True, **MAIL_RETRY)
def send_message(self, message_id: int) -> bool:
    """Send one public staff message to the client: by mail (once; see `tickets.mail`) and
    through every other registered channel (`tickets.outbound`), each idempotent. A channel
    told to wait (Telegram's 429) has the job run again after the wait it was given."""
    wait = outbound.deliver(message_id)
    sent = mail.send_ticket_message(message_id)
    if wait is not None:
        raise self.retry(countdown=wait, max_retries=20)
    return sent


@shared_task(name="tickets.acknowledge", acks_late=True)
def acknowledge(ticket_id: int) -> int | None:
    """Add (and so mail) the automatic acknowledgement of a new ticket, once."""
    message = mail.acknowledge(ticket_id)
    return message.pk if message else None


@shared_task(name="tickets.resolution_notice", acks_late=True)
def resolution_notice(ticket_id: int) -> int | None:
    """Add (and so mail) the notice that a ticket is resolved, once per resolution."""
    message = mail.resolution_notice(ticket_id)
    return message.pk if message else None


@shared_task(name="tickets.close_resolved", acks_late=True)
def close_resolved() -> int:
    """Daily: close tickets resolved longer ago than the reopen window."""
    return actions.do_close_resolved()


@shared_task(name="tickets.fetch_mail", acks_late=True)
def fetch_mail() -> dict[str, int]:
    """Every minute when IMAP_HOST is set: turn new mail into tickets and replies."""
    return asdict(intake.fetch_mail())


@shared_task(name="sla.check", acks_late=True, ignore_result=False)
def check_sla() -> dict[str, int]:
    """Every minute (CELERY_BEAT_SCHEDULE): warnings, breaches and escalations, each once."""
    return asdict(sla_checker.check_sla())
