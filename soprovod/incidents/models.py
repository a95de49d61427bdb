"""A mass incident (domain.md «Incident», issue 15): one failure seen by many clients. The
incident is a parent record; every client keeps its own ticket (a child) with its own SLA
clocks and outcome, so the incident never replaces the tickets in the KPIs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Ongoing")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what is known (staff only)"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    started_at = models.DateTimeField(_("start time"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("resolution sent to the clients"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("mass incident")
        verbose_name_plural = _("mass incidents")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "-started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", resolved_at__isnull=True)
                | models.Q(status="resolved", resolved_at__isnull=False),
                name="incident_status_dates",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class IncidentTicket(models.Model):
    """A child ticket: a ticket belongs to one incident at most."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="incident_link"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("incident ticket")
        verbose_name_plural = _("incident tickets")
        ordering = ["linked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} ← #{self.ticket_id}"


class IncidentUpdate(models.Model):
    """A public update: posted once, sent as a public reply to every open child ticket."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    body = models.TextField(_("text"))
    posted_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tickets_told = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        ordering = ["posted_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]
