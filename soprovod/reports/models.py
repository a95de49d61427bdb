"""Reports for the CEO (interfaces.md: ``soprovod report``, ``/reports/``): one row per kind and
period, with the head's commentary and the generated PDF and XLSX files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soprovod.lib.periods import Period
from soprovod.reports.kinds import (
    REPORT_TITLES,
    ReportKind,
    period_code,
    period_in_text,
    period_label,
)


class ReportStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Waiting to be generated")
    GENERATING = "generating", gettext_lazy("Generating")
    READY = "ready", gettext_lazy("Ready")
    FAILED = "failed", gettext_lazy("Failed")


def report_file_path(report: Report, filename: str) -> str:
    return f"reports/{report.period_start:%Y}/{filename}"


class Report(models.Model):
    """A report for one period. Unique per kind and period, so scheduled generation and a
    second click on «Generate» find the same row instead of making another."""

    kind = models.CharField(gettext_lazy("kind"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(gettext_lazy("period start"))
    period_end = models.DateField(gettext_lazy("period end"))
    status = models.CharField(
        gettext_lazy("status"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.PENDING,
    )
    # 0–100 while generating, so the archive page can show how far it got.
    progress = models.PositiveSmallIntegerField(gettext_lazy("progress"), default=0)
    error = models.TextField(gettext_lazy("error"), blank=True)
    commentary = models.TextField(gettext_lazy("head's commentary"), blank=True)
    # Quarterly and annual reports: the head's commentary per review section (its key), and
    # in the annual report each person's grade and assessment («grade.<user id>»,
    # «assessment.<user id>»). Editable until the report is mailed (final then).
    section_commentary = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(
        gettext_lazy("PDF"), upload_to=report_file_path, blank=True, max_length=200
    )
    xlsx = models.FileField(
        gettext_lazy("XLSX"), upload_to=report_file_path, blank=True, max_length=200
    )
    generated_at = models.DateTimeField(gettext_lazy("generated at"), null=True, blank=True)
    # Counts the generations that produced files: what a mailing sent is named by it.
    version = models.PositiveIntegerField(gettext_lazy("version"), default=0)
    # The first mailing of a version made after the period was over: the report is final.
    sent_at = models.DateTimeField(gettext_lazy("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("report")
        verbose_name_plural = gettext_lazy("reports")
        ordering = ["-period_start", "-period_end", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end"], name="unique_report_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="report_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def is_busy(self) -> bool:
        """Queued or being generated: the page polls until it is not."""
        return self.status in (ReportStatus.PENDING, ReportStatus.GENERATING)

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY and bool(self.pdf) and bool(self.xlsx)

    @property
    def has_files(self) -> bool:
        return bool(self.pdf) and bool(self.xlsx)

    @property
    def label(self) -> str:
        """The period for people, in the active language: «October 2026», «Q4 2026»."""
        return period_label(self.kind, self.period)

    @property
    def label_in_text(self) -> str:
        """The period inside a sentence, after «for»: «за ноябрь 2026»."""
        return period_in_text(self.kind, self.period)

    @property
    def title(self) -> str:
        return str(REPORT_TITLES[ReportKind(self.kind)])

    @property
    def heading(self) -> str:
        """The page's heading: «Ежемесячный отчёт отдела поддержки за ноябрь 2026»."""
        return _("%(title)s for %(period)s") % {"title": self.title, "period": self.label_in_text}

    def file_stem(self) -> str:
        """The files' name without extension: ``soprovod-report-2026-10``, ``-2026-q4``, ``-2026``."""
        return f"soprovod-report-{period_code(self.kind, self.period)}".lower()


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Not sent")


class ReportDelivery(models.Model):
    """One mailing of a report: to whom, which version (its files as they were then), when,
    by the schedule (``sent_by`` empty) or by the head by hand with a cover note.

    ``key`` comes from the form the head submitted: a double-click or a resubmitted form
    finds the same row instead of queueing a second mailing."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    version = models.PositiveIntegerField(gettext_lazy("version"))
    generated_at = models.DateTimeField(gettext_lazy("generated at"), null=True, blank=True)
    to = models.JSONField(gettext_lazy("to"), default=list)
    cc = models.JSONField(gettext_lazy("copy"), default=list, blank=True)
    note = models.TextField(gettext_lazy("cover note"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_hand = models.BooleanField(gettext_lazy("by hand"), default=False)
    key = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        gettext_lazy("status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.QUEUED,
    )
    error = models.TextField(gettext_lazy("error"), blank=True)
    requested_at = models.DateTimeField(gettext_lazy("requested at"), default=timezone.now)
    sent_at = models.DateTimeField(gettext_lazy("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("report mailing")
        verbose_name_plural = gettext_lazy("report mailings")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "key"],
                condition=~models.Q(key=""),
                name="unique_report_delivery_key",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.report_id} v{self.version} → {', '.join(self.to)}"
