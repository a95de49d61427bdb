"""Reports for the CEO (interfaces.md: ``soprovod report``, ``/reports/``): one row per kind and
period, with the head's commentary and the generated PDF and XLSX files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.lib.periods import Period
from soprovod.reports.kinds import (
    REPORT_TITLES,
    ReportKind,
    period_code,
    period_in_text,
    period_label,
)


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be generated")
    GENERATING = "generating", _("Generating")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def report_file_path(report: Report, filename: str) -> str:
    return f"reports/{report.period_start:%Y}/{filename}"


class Report(models.Model):
    """A report for one period. Unique per kind and period, so scheduled generation and a
    second click on «Generate» find the same row instead of making another."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    # 0–100 while generating, so the archive page can show how far it got.
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    commentary = models.TextField(_("head's commentary"), blank=True)
    # Quarterly and annual reports: the head's commentary per review section (its key), and
    # in the annual report each person's grade and assessment («grade.<user id>»,
    # «assessment.<user id>»). Editable until the report is mailed (final then).
    section_commentary = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=report_file_path, blank=True, max_length=200)
    xlsx = models.FileField(_("XLSX"), upload_to=report_file_path, blank=True, max_length=200)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
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

    def file_stem(self) -> str:
        """The files' name without extension: ``soprovod-report-2026-10``, ``-2026-q4``, ``-2026``."""
        return f"soprovod-report-{period_code(self.kind, self.period)}".lower()
