"""Background jobs of meetings (thin wrappers; idempotent by their natural keys)."""

from dataclasses import asdict

from celery import shared_task

from soprovod.meetings import actions, mail
from soprovod.tickets.tasks import MAIL_RETRY


@shared_task(name="meetings.generate", acks_late=True)
def generate_meetings() -> int:
    """Daily: the meetings of the coming weeks (one per series and date)."""
    return len(actions.do_generate_meetings())


@shared_task(name="meetings.check", acks_late=True)
def check_meetings() -> dict[str, int]:
    """Every few minutes: store the agenda of meetings whose time has come, warn the owners
    of overdue action items (once per item and due date)."""
    stored = actions.do_store_due_agendas()
    return {"agendas": stored, **asdict(actions.do_warn_overdue_items())}


@shared_task(name="meetings.send_invitation", acks_late=True, **MAIL_RETRY)
def send_invitation(meeting_id: int) -> bool:
    return mail.send_invitation(meeting_id)


@shared_task(name="meetings.send_minutes", acks_late=True, **MAIL_RETRY)
def send_minutes(meeting_id: int) -> bool:
    return mail.send_minutes(meeting_id)
