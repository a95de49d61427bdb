"""Background jobs of the ticket desk: thin wrappers around actions, mail, intake and the SLA
checker, each idempotent by its natural key (architecture.md «Background work»)."""

from __future__ import annotations

import smtplib
from dataclasses import asdict

from celery import shared_task

from soprovod.tickets import actions, intake, mail, sla_checker

# Network trouble and SMTP refusals are retried with a growing pause (about an hour in all).
MAIL_RETRY = {
    "autoretry_for": (OSError, smtplib.SMTPException),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "max_retries": 8,
}


@shared_task(name="tickets.send_message", acks_late=True, **MAIL_RETRY)
def send_message(message_id: int) -> bool:
    """Mail one public staff message to the client (once; see `tickets.mail`)."""
    return mail.send_ticket_message(message_id)


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
