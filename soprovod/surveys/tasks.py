"""Background jobs of the surveys: thin wrappers around actions and the survey mail, each
idempotent by its natural key (a link is mailed once; the cadence's campaign is per day; the
internal survey's reminder once per person and month)."""

from __future__ import annotations

from celery import shared_task

from soprovod.surveys import actions, mail
from soprovod.tickets.tasks import MAIL_RETRY


@shared_task(name="surveys.send_campaign", acks_late=True, **MAIL_RETRY)
def send_campaign(campaign_id: int) -> int:
    """Mail the campaign's links not mailed yet."""
    return mail.send_campaign_links(campaign_id)


@shared_task(name="surveys.send_due", acks_late=True)
def send_due_surveys() -> int:
    """Daily: the NPS cadence (every 6 months per contact, 90 days apart at least)."""
    return actions.do_send_due_surveys().invited


@shared_task(name="surveys.remind_internal", acks_late=True)
def remind_internal_survey() -> int:
    """Monthly: ask sales, development and support staff the internal survey."""
    return actions.remind_internal_survey()
