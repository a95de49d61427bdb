from celery import shared_task

from soprovod.core import notify


@shared_task(acks_late=True)
def send_notification_emails() -> int:
    return notify.deliver_pending_emails()
