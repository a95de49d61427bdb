"""Training records (issue 12): the department's rules (регламенты) and courses, and the day
each person completed them.

A rule or course is a `TrainingItem`; `TrainingRecord` says who completed it, when, and how
it was recorded. The seam for the knowledge base (issue 15): the knowledge app sits below
this one, so it offers a hook («a person read and understood article X») that `team` fills
in its `AppConfig.ready` with `team.actions.do_record_completion(..., source=KNOWLEDGE)` for
the item whose ``reference`` names that article; nothing else here changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TrainingItem(models.Model):
    class Kind(models.TextChoices):
        RULE = "rule", _("Rule")
        COURSE = "course", _("Course")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.RULE)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # The day it takes effect: everyone on the team then has to complete it.
    published_on = models.DateField(_("in force from"))
    # Where the text lives (a link, or the knowledge base's reference once it exists).
    reference = models.CharField(_("link"), max_length=500, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rule or course")
        verbose_name_plural = _("rules and courses")
        ordering = ["-published_on", "title"]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by the head")
        KNOWLEDGE = "knowledge", _("Read and understood in the knowledge base")

    item = models.ForeignKey(TrainingItem, on_delete=models.CASCADE, related_name="records")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records"
    )
    completed_on = models.DateField(_("completed on"))
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["item", "person"], name="one_record_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.item} ({self.completed_on:%d.%m.%Y})"
