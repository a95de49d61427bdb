"""In-app notifications with an email copy, once per recipient and event key."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from soprovod.core import tasks
from soprovod.core.models import Notification


def notify(users: Iterable, *, key: str, text: str, url: str = "", email: bool = True) -> int:
    """Create one notification per user for the event ``key`` (a repeated call for the same
    key creates nothing new) and, after commit, email the new ones. Returns how many were new."""
    recipients = {u.pk: u for u in users if u is not None and getattr(u, "is_active", True)}
    if not recipients:
        return 0
    existing = set(
        Notification.objects.filter(recipient_id__in=recipients, key=key).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [
        Notification(recipient_id=pk, key=key, text=text[:500], url=url)
        for pk in recipients
        if pk not in existing
    ]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    if fresh and email:
        transaction.on_commit(lambda: tasks.send_notification_emails.delay())
    return len(fresh)


def deliver_pending_emails(limit: int = 200) -> int:
    """Email the notifications not emailed yet. Each row is marked as it is sent, so a
    restarted worker resumes where it stopped (at most one duplicate per crash)."""
    sent = 0
    pending = (
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("created_at")[:limit]
    )
    for item in pending:
        link = f"{settings.SITE_URL}{item.url}" if item.url else settings.SITE_URL
        send_mail(
            subject=f"[Soprovod] {item.text[:120]}",
            message=f"{item.text}\n\n{link}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[item.recipient.email],
        )
        Notification.objects.filter(pk=item.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
