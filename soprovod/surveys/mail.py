"""Survey mail: the NPS invitations of a campaign, and the CSAT rating links that the
tickets' resolution notice carries (registered with `tickets.mail.register_mail_extra`)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from soprovod.clients.queries import reachable_contacts
from soprovod.surveys import actions
from soprovod.surveys.models import SurveyLink
from soprovod.tickets.mail import SMTP_TIMEOUT_SECONDS, MailExtra
from soprovod.tickets.models import TicketMessage

logger = logging.getLogger(__name__)

SCORES = (1, 2, 3, 4, 5)


def answer_url(link: SurveyLink) -> str:
    return settings.SITE_URL + reverse("surveys:answer", args=[link.token])


def rate_url(link: SurveyLink, score: int) -> str:
    return settings.SITE_URL + reverse("surveys:rate", args=[link.token, score])


def csat_mail_extra(message: TicketMessage) -> MailExtra | None:
    """Under a resolution notice: the 1–5 rating as one-click links (one link per notice)."""
    link = actions.csat_link_for(message)
    if link is None:
        return None
    context = {"links": [(score, rate_url(link, score)) for score in SCORES]}
    return MailExtra(
        text=render_to_string("surveys/email/csat.txt", context).strip(),
        html=render_to_string("surveys/email/csat.html", context),
    )


def build_invitation(link: SurveyLink) -> EmailMultiAlternatives:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "link": link,
            "url": answer_url(link),
            "expires": timezone.localtime(link.expires_at),
            "scores": range(11),
        }
        subject = render_to_string("surveys/email/nps_subject.txt", context).strip()
        text = render_to_string("surveys/email/nps.txt", context)
        html = render_to_string("surveys/email/nps.html", context)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[link.email],
        reply_to=[settings.SUPPORT_EMAIL],
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(html, "text/html")
    return email


def send_campaign_links(campaign_id: int) -> int:
    """Mail each of the campaign's links not mailed yet; each is marked as it goes, so a
    retried task resumes where it stopped. SMTP errors propagate (the task retries)."""
    pending = (
        SurveyLink.objects.filter(campaign_id=campaign_id, sent_at__isnull=True)
        .exclude(email="")
        .select_related("client", "contact")
        .order_by("pk")
    )
    # A contact who moved between the invitation and its mail is not asked about the old
    # company: their link stays unsent (and expires unused).
    pending = list(pending)
    reachable = set(
        reachable_contacts()
        .filter(pk__in=[link.contact_id for link in pending])
        .values_list("pk", "client_id")
    )
    pending = [link for link in pending if (link.contact_id, link.client_id) in reachable]
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT_SECONDS)
    sent = 0
    for link in pending:
        email = build_invitation(link)
        email.connection = connection
        email.send()
        SurveyLink.objects.filter(pk=link.pk, sent_at__isnull=True).update(sent_at=timezone.now())
        sent += 1
    logger.info("Mailed %s NPS invitations of campaign %s", sent, campaign_id)
    return sent
