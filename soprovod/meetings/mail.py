"""Mail about meetings: the invitation with its calendar event (RFC 5545, made with the
``icalendar`` package) and the minutes after the meeting.

An invitation carries the meeting's event: one UID for the meeting for its whole life and a
SEQUENCE raised by every reschedule (and by a cancellation, sent as METHOD:CANCEL), so a mail
program updates the event it already has instead of adding a second one.

Sent once, as tickets' mail is (`tickets.mail.send_ticket_message`): the sent marker
(``invited_sequence``, ``minutes_mailed_at``) is written after the SMTP server took the
mail, under a row lock where the database has row locks; the Message-ID is derived from the
meeting and the sequence, so the one resend a crash can cause carries the same id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from soprovod.meetings.models import ActionItem, Meeting, MeetingStatus
from soprovod.tickets.mail import SMTP_TIMEOUT_SECONDS, mail_domain

logger = logging.getLogger(__name__)

PRODID = "-//PASS24.online//Soprovod//RU"


def recipients(meeting: Meeting) -> list[str]:
    """The participants' and the chair's addresses, each once, in a stable order."""
    people = list(meeting.participants.order_by("pk"))
    if meeting.chair is not None:
        people.insert(0, meeting.chair)
    seen: dict[str, None] = {}
    for person in people:
        if person.email and person.is_active:
            seen.setdefault(person.email.lower(), None)
    return list(seen)


def meeting_url(meeting: Meeting) -> str:
    return settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk])


def calendar_for(meeting: Meeting, *, now: dt.datetime | None = None) -> bytes:
    """The meeting's calendar event: METHOD:REQUEST, or METHOD:CANCEL once cancelled."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", meeting.ical_uid)
    event.add("sequence", meeting.ical_sequence)
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    event.add("dtend", meeting.ends_at.astimezone(dt.UTC))
    event.add("summary", meeting.title)
    if meeting.place:
        event.add("location", meeting.place)
    event.add("description", meeting_url(meeting))
    event.add("url", meeting_url(meeting))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    if meeting.chair is not None:
        organizer.params["cn"] = icalendar.vText(str(meeting.chair))
    event.add("organizer", organizer)
    for address in recipients(meeting):
        attendee = icalendar.vCalAddress(f"mailto:{address}")
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()


def _locked(meetings, row_locks: bool):
    return meetings.select_for_update(of=("self",)) if row_locks else meetings


def _send(email: EmailMultiAlternatives) -> None:
    if settings.EMAIL_TIMEOUT is None:
        email.connection = get_connection(timeout=SMTP_TIMEOUT_SECONDS)
    email.send()


def send_invitation(meeting_id: int) -> bool:
    """Mail the meeting's current event to its participants unless this sequence went out
    already. Returns whether a mail went out; SMTP errors propagate (the task retries)."""
    row_locks = connection.features.has_select_for_update
    with transaction.atomic() if row_locks else contextlib.nullcontext():
        meeting = (
            _locked(Meeting.objects.select_related("chair"), row_locks)
            .filter(pk=meeting_id)
            .first()
        )
        if meeting is None or meeting.invited_sequence >= meeting.ical_sequence:
            return False
        to = recipients(meeting)
        if not to:
            return False
        cancelled = meeting.status == MeetingStatus.CANCELLED
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "meeting": meeting,
                "url": meeting_url(meeting),
                "cancelled": cancelled,
                "updated": meeting.ical_sequence > 0,
            }
            subject = render_to_string("meetings/email/invitation_subject.txt", context).strip()
            body = render_to_string("meetings/email/invitation.txt", context)
        email = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
            headers={
                "Message-ID": f"<meeting.{meeting.pk}.{meeting.ical_sequence}@{mail_domain()}>",
                "Auto-Submitted": "auto-generated",
            },
        )
        method = "CANCEL" if cancelled else "REQUEST"
        email.attach(
            "invite.ics", calendar_for(meeting), f"text/calendar; method={method}; charset=UTF-8"
        )
        _send(email)
        Meeting.objects.filter(pk=meeting.pk, invited_sequence__lt=meeting.ical_sequence).update(
            invited_sequence=meeting.ical_sequence
        )
    logger.info("Invited to meeting %s (sequence %s)", meeting_id, meeting.ical_sequence)
    return True


def send_minutes(meeting_id: int) -> bool:
    """Mail the minutes and the action items of a closed meeting to its participants, once."""
    row_locks = connection.features.has_select_for_update
    with transaction.atomic() if row_locks else contextlib.nullcontext():
        meeting = (
            _locked(Meeting.objects.select_related("chair"), row_locks)
            .filter(pk=meeting_id)
            .first()
        )
        if (
            meeting is None
            or meeting.minutes_mailed_at is not None
            or meeting.status != MeetingStatus.CLOSED
        ):
            return False
        to = recipients(meeting)
        if not to:
            return False
        items = list(
            ActionItem.objects.filter(meeting=meeting).select_related("owner").order_by("due_on")
        )
        with translation.override(settings.LANGUAGE_CODE):
            context = {"meeting": meeting, "items": items, "url": meeting_url(meeting)}
            subject = render_to_string("meetings/email/minutes_subject.txt", context).strip()
            body = render_to_string("meetings/email/minutes.txt", context)
        email = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
            headers={
                "Message-ID": f"<meeting.{meeting.pk}.minutes@{mail_domain()}>",
                "Auto-Submitted": "auto-generated",
            },
        )
        _send(email)
        Meeting.objects.filter(pk=meeting.pk, minutes_mailed_at__isnull=True).update(
            minutes_mailed_at=timezone.now()
        )
    logger.info("Mailed the minutes of meeting %s", meeting_id)
    return True
