from celery import shared_task

from soprovod.core.notify import deliver_pending_emails


@shared_task(acks_late=True)
def send_notification_emails() -> int:
    return deliver_pending_emails()
