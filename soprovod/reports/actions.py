"""Every write to reports: request, generate, comment, mail — and the monthly schedule.

Generation runs in the background (``tasks.generate``) and reports its progress on the row,
so the archive page can show it. Mailing is once per report: ``sent_at`` is written under a
row lock right after the mail server took the mail, so a repeated or concurrent run sends
nothing; the mail's Message-ID is derived from the report, so the one resend a crash between
"sent" and "recorded" could cause shows as one mail.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for, users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.lib.periods import Period, previous_month
from soprovod.reports import pdf as pdf_format
from soprovod.reports import tasks
from soprovod.reports import xlsx as xlsx_format
from soprovod.reports.generator import build_report_data
from soprovod.reports.kinds import REPORT_TITLES, period_label
from soprovod.reports.models import (
    DeliveryStatus,
    Report,
    ReportDelivery,
    ReportKind,
    ReportStatus,
)
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import WorkCalendar

logger = logging.getLogger(__name__)

# A generation that has not moved for this long died with its worker: it may be claimed again.
STALE_GENERATION = dt.timedelta(minutes=30)


# ---- requesting and generating -------------------------------------------------------------


def do_request_report(actor, kind: str, period: Period) -> Report:
    """Queue the generation of the ``kind`` report of ``period``: the existing row for that
    period if there is one (regenerated), else a new one. A report already queued or being
    generated is left as it is."""
    with transaction.atomic():
        report, created = Report.objects.select_for_update().get_or_create(
            kind=kind,
            period_start=period.start,
            period_end=period.end,
            defaults={"created_by": actor if getattr(actor, "pk", None) else None},
        )
        if not created and _is_running(report):
            return report
        previous = report.status
        _queue(report)
        record(
            actor,
            report,
            AuditEvent.Action.CREATED if created else AuditEvent.Action.STATUS,
            {"status": [None if created else previous, ReportStatus.PENDING]},
        )
    return report


def _is_running(report: Report) -> bool:
    return report.status == ReportStatus.PENDING or (
        report.status == ReportStatus.GENERATING
        and report.updated_at > timezone.now() - STALE_GENERATION
    )


def _queue(report: Report) -> None:
    """Mark the report pending and start its generation once the transaction commits."""
    report.status = ReportStatus.PENDING
    report.progress = 0
    report.error = ""
    report.save(update_fields=["status", "progress", "error", "updated_at"])
    transaction.on_commit(lambda: tasks.generate.delay(report.pk))


def _claim(report_id: int, take_over: bool = False) -> bool:
    """Take the report for generation unless another worker is generating it right now;
    ``take_over``: the claim there is this job's own, left by its killed first run."""
    now = timezone.now()
    reports = Report.objects.filter(pk=report_id)
    if not take_over:
        reports = reports.filter(
            ~Q(status=ReportStatus.GENERATING) | Q(updated_at__lt=now - STALE_GENERATION)
        )
    return bool(
        reports.update(status=ReportStatus.GENERATING, progress=5, error="", updated_at=now)
    )


def _progress(report_id: int, percent: int) -> None:
    Report.objects.filter(pk=report_id).update(progress=percent, updated_at=timezone.now())


def do_generate_report(
    report_id: int, *, now: dt.datetime | None = None, take_over: bool = False
) -> Report:
    """Build the report's data and write its PDF and XLSX files, in the default language.

    Returns the report; its status says how it went (``ready``, ``failed``, or still
    ``generating`` when another worker holds it). A failure is recorded on the row with its
    reason, never raised: the page shows it and offers to try again.
    """
    if not _claim(report_id, take_over):
        return Report.objects.get(pk=report_id)
    report = Report.objects.get(pk=report_id)
    commentary, sections = report.commentary, dict(report.section_commentary)
    try:
        data = build_report_data(
            report.kind,
            report.period,
            commentary=commentary,
            section_commentary=report.section_commentary,
            now=now,
        )
        _progress(report_id, 60)
        pdf = pdf_format.render_pdf(data)
        _progress(report_id, 85)
        xlsx = xlsx_format.render_xlsx(data)
    except Exception as error:
        logger.exception("report %s: generation failed", report_id)
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED,
            progress=0,
            error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=timezone.now(),
        )
        return Report.objects.get(pk=report_id)
    _store_files(report, pdf, xlsx, data.generated_at)
    report.refresh_from_db()
    changed = report.commentary != commentary or report.section_commentary != sections
    if changed and report.status == ReportStatus.READY:
        # The head changed the commentary while the files were being made: make them again.
        with transaction.atomic():
            _queue(report)
    return report


def _store_files(report: Report, pdf: bytes, xlsx: bytes, generated_at: dt.datetime) -> None:
    old_names = [name for name in (report.pdf.name, report.xlsx.name) if name]
    stem = report.file_stem()
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            pdf=report.pdf.name,
            xlsx=report.xlsx.name,
            status=ReportStatus.READY,
            progress=100,
            error="",
            generated_at=generated_at,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        record(None, report, AuditEvent.Action.STATUS, {"status": [None, ReportStatus.READY]})
    storage = report.pdf.storage
    for name in old_names:
        if name not in (report.pdf.name, report.xlsx.name):
            storage.delete(name)


# ---- the head's commentary -------------------------------------------------------------------


def do_update_commentary(actor, report: Report, commentary: str) -> Report:
    """Save the head's commentary and make the files again so they carry it."""
    commentary = commentary.replace("\r\n", "\n").strip()
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if commentary == report.commentary:
            return report
        record(
            actor,
            report,
            AuditEvent.Action.UPDATED,
            {"commentary": [report.commentary, commentary]},
        )
        # A generation under way notices the change when it finishes and goes again.
        generating = report.status == ReportStatus.GENERATING and _is_running(report)
        report.commentary = commentary
        report.save(update_fields=["commentary", "updated_at"])
        if not generating:
            _queue(report)
    return report


class ReportFinalError(Exception):
    """The report was mailed: it is final and its commentary no longer changes."""


def do_update_section_commentary(actor, report: Report, texts: dict[str, str]) -> Report:
    """Save the head's commentary per review section (and the annual grades and
    assessments) and make the files again; refused once the report was mailed."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.sent_at is not None:
            raise ReportFinalError(
                _("The report was sent and is final: its commentary is kept as sent.")
            )
        before = dict(report.section_commentary)
        after = dict(before)
        for key, text in texts.items():
            text = text.replace("\r\n", "\n").strip()
            if text:
                after[key] = text
            else:
                after.pop(key, None)
        if after == before:
            return report
        record(
            actor,
            report,
            AuditEvent.Action.UPDATED,
            {
                k: [before.get(k), after.get(k)]
                for k in sorted({*before, *after})
                if before.get(k) != after.get(k)
            },
        )
        generating = report.status == ReportStatus.GENERATING and _is_running(report)
        report.section_commentary = after
        report.save(update_fields=["section_commentary", "updated_at"])
        if not generating:
            _queue(report)
    return report


# ---- mailing -------------------------------------------------------------------------------


def report_recipients() -> tuple[list[str], list[str]]:
    """(to, cc): the CEO, with the head in copy; the head alone when there is no CEO."""

    def emails(role: str) -> set[str]:
        return set(users_with_role(role).exclude(email="").values_list("email", flat=True))

    ceo = sorted(emails(Role.CEO))
    head = sorted(emails(Role.HEAD) - set(ceo))
    return (ceo, head) if ceo else (head, [])


def build_report_email(
    report: Report, to: list[str], cc: list[str], *, note: str = "", delivery_id: int | None = None
) -> EmailMessage:
    """The mail carrying a ready report: a short text (the head's cover note first, when
    they send it by hand) and both files attached."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "report": report,
            "title": str(REPORT_TITLES[ReportKind(report.kind)]),
            "period_label": period_label(report.kind, report.period),
            "period_in_text": report.label_in_text,
            "note": note,
            "url": settings.SITE_URL + reverse("reports:detail", args=[report.pk]),
        }
        subject = render_to_string("reports/email_subject.txt", context).strip()
        body = render_to_string("reports/email.txt", context)
    email = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=cc,
        headers={"Message-ID": _message_id(report, delivery_id)},
    )
    stem = report.file_stem()
    with report.pdf.open("rb") as pdf:
        email.attach(f"{stem}.pdf", pdf.read(), pdf_format.CONTENT_TYPE)
    with report.xlsx.open("rb") as xlsx:
        email.attach(f"{stem}.xlsx", xlsx.read(), xlsx_format.CONTENT_TYPE)
    return email


def _message_id(report: Report, delivery_id: int | None = None) -> str:
    """Derived from the mailing, so the one resend a crash between "sent" and "recorded"
    could cause shows as the same mail."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "soprovod.localhost"
    if delivery_id is not None:
        return f"<soprovod.report.{report.pk}.delivery.{delivery_id}@{domain}>"
    stamp = int(report.generated_at.timestamp()) if report.generated_at else 0
    return f"<soprovod.report.{report.pk}.{stamp}@{domain}>"


def _is_complete(report: Report) -> bool:
    """Made after its period was over: the version the CEO is meant to get."""
    return report.generated_at is not None and report.generated_at >= report.period.end_at


class ReportNotReadyError(Exception):
    """The report has no finished files to send (being made, failed, or never made)."""


def default_recipients(at: dt.datetime | None = None) -> list:
    """Who a report sent by hand goes to unless the head chooses otherwise: the CEO, or
    whoever stands in for them while they are away."""
    return [user for user in acting_for(Role.CEO, at) if user.email]


def do_request_delivery(
    actor, report: Report, recipients, note: str, *, key: str = ""
) -> ReportDelivery:
    """The head sends a finished report now, with a cover note, instead of waiting for the
    scheduled mailing. The mail goes out in the background (``tasks.deliver``); the same
    ``key`` (the form's, so a double-click) finds the mailing already queued."""
    note = note.replace("\r\n", "\n").strip()
    to = sorted({user.email for user in recipients if user.email})
    cc = sorted({actor.email} - set(to)) if getattr(actor, "email", "") else []
    if not to:
        raise ValueError("a report mailing needs at least one recipient with an e-mail address")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if key:
            existing = ReportDelivery.objects.filter(report=report, key=key).first()
            if existing is not None:
                return existing
        if not report.is_ready or report.is_busy:
            raise ReportNotReadyError(
                _("The report has no finished files yet: send it once it is ready.")
            )
        delivery = ReportDelivery.objects.create(
            report=report,
            version=report.version,
            generated_at=report.generated_at,
            to=to,
            cc=cc,
            note=note,
            sent_by=actor,
            by_hand=True,
            key=key,
        )
        record(
            actor,
            report,
            AuditEvent.Action.OTHER,
            {"mailing": [None, {"version": report.version, "to": to, "note": note}]},
        )
        transaction.on_commit(lambda: tasks.deliver.delay(delivery.pk))
    return delivery


def do_deliver(delivery_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one queued mailing, once: a retried task finds it sent and sends nothing.
    The files attached are those of the version the head chose; when the report was made
    again in between, nothing goes out and the mailing says why. Returns whether a mail
    went out."""
    with transaction.atomic():
        delivery = ReportDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != DeliveryStatus.QUEUED:
            return False
        report = Report.objects.select_for_update().get(pk=delivery.report_id)
        if not report.is_ready or report.version != delivery.version:
            delivery.status = DeliveryStatus.FAILED
            delivery.error = _(
                "The report was made again before the mail went out; send the new version."
            )
            delivery.save(update_fields=["status", "error"])
            return False
        build_report_email(
            report, delivery.to, delivery.cc, note=delivery.note, delivery_id=delivery.pk
        ).send()
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now or timezone.now()
        delivery.save(update_fields=["status", "sent_at"])
        if report.sent_at is None and _is_complete(report):
            report.sent_at = delivery.sent_at
            report.save(update_fields=["sent_at", "updated_at"])
        record(
            delivery.sent_by,
            report,
            AuditEvent.Action.OTHER,
            {"sent_at": [None, delivery.sent_at], "version": [None, delivery.version]},
        )
    return True


def do_send_report(report: Report, *, now: dt.datetime | None = None) -> bool:
    """The scheduled mailing: a ready report to the CEO (head in copy) unless it was mailed
    already. Returns whether a mail went out."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.sent_at is not None:
            return False
        if not report.is_ready:
            raise ValueError(f"report {report.pk} is not ready to be sent ({report.status})")
        to, cc = report_recipients()
        if not to:
            logger.warning("report %s: nobody with the CEO or head role has an email", report.pk)
            return False
        build_report_email(report, to, cc).send()
        report.sent_at = now or timezone.now()
        report.save(update_fields=["sent_at", "updated_at"])
        ReportDelivery.objects.create(
            report=report,
            version=report.version,
            generated_at=report.generated_at,
            to=to,
            cc=cc,
            status=DeliveryStatus.SENT,
            requested_at=report.sent_at,
            sent_at=report.sent_at,
        )
        record(None, report, AuditEvent.Action.OTHER, {"sent_at": [None, report.sent_at]})
    return True


# ---- the monthly schedule ------------------------------------------------------------------


def first_working_day(year: int, month: int) -> dt.date:
    """The first working day of the month by the default work calendar (sla.md: holidays
    and transferred days off count); Monday to Friday when there is no default calendar."""

    first = dt.date(year, month, 1)
    calendar = WorkCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        while first.weekday() >= 5:
            first += dt.timedelta(days=1)
        return first
    zone = ZoneInfo(calendar.timezone)
    opening = business_calendar(calendar).next_working_instant(
        dt.datetime.combine(first, dt.time(0), zone)
    )
    return opening.astimezone(zone).date()


class ScheduleOutcome:
    NOT_YET = "not_yet"  # before the first working day of the month
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    BUSY = "busy"  # someone else is generating it now: try again shortly
    FAILED = "failed"
    NO_RECIPIENTS = "no_recipients"


def _due_period(kind: str, today: dt.date) -> Period | None:
    """The period whose report is due from the first working day of ``today``'s month:
    last month; last quarter in January, April, July and October; last year in January."""
    if kind == ReportKind.MONTHLY:
        return previous_month(today)
    if kind == ReportKind.QUARTERLY:
        if today.month not in (1, 4, 7, 10):
            return None
        end = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
        return Period(dt.date(end.year, end.month - 2, 1), end)
    if today.month != 1:
        return None
    return Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))


def run_monthly_schedule(*, now: dt.datetime | None = None) -> str:
    return run_schedule(ReportKind.MONTHLY, now=now)


def run_schedule(kind: str, *, now: dt.datetime | None = None) -> str:
    """Daily (CELERY_BEAT_SCHEDULE «reports-monthly»): from the first working day of a month
    on, make last month's report and mail it, once. A run that stopped between generating
    and mailing is finished by the next one; a report generated before its month was over
    (an interim one the head made) is generated again first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = _due_period(kind, today)
    if period is None or today < first_working_day(today.year, today.month):
        return ScheduleOutcome.NOT_YET
    report, _created = Report.objects.get_or_create(
        kind=kind, period_start=period.start, period_end=period.end
    )
    if report.sent_at is not None:
        return ScheduleOutcome.ALREADY_SENT
    complete = report.generated_at is not None and report.generated_at >= period.end_at
    if not (report.is_ready and complete):
        report = do_generate_report(report.pk, now=now)
        if report.status == ReportStatus.GENERATING:
            return ScheduleOutcome.BUSY
        if not report.is_ready:
            return ScheduleOutcome.FAILED
    if not do_send_report(report, now=now):
        report.refresh_from_db()
        return ScheduleOutcome.ALREADY_SENT if report.sent_at else ScheduleOutcome.NO_RECIPIENTS
    return ScheduleOutcome.SENT
