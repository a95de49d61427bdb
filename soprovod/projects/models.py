"""Implementation projects (проекты внедрения, domain.md «ImplementationProject»): templates
per tariff or segment, and projects planned from them on the department's business calendar.

A template is stages (kick-off, setup, equipment, training, go-live), each with a planned
length in working days and tasks. Opening a project copies the template and dates every stage
and task on the calendar (`plan.py`); from then on the project keeps its own plan, and each
stage and task records when it actually started and finished.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import Client
from soprovod.sla.models import WorkCalendar


class StageKind(models.TextChoices):
    KICKOFF = "kickoff", _("Kick-off")
    SETUP = "setup", _("Setup")
    EQUIPMENT = "equipment", _("Equipment")
    TRAINING = "training", _("Training")
    GO_LIVE = "go_live", _("Go-live")


PlannedDays = [MinValueValidator(1), MaxValueValidator(250)]


class ProjectTemplate(models.Model):
    """A plan to copy: chosen for a client by its tariff, else by its segment, else the
    default template."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    tariff = models.CharField(_("tariff"), max_length=100, blank=True)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project template")
        verbose_name_plural = _("project templates")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class TemplateStage(models.Model):
    template = models.ForeignKey(ProjectTemplate, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("stage"), max_length=16, choices=StageKind.choices)
    name = models.CharField(_("name"), max_length=200)
    planned_days = models.PositiveSmallIntegerField(
        _("length, working days"), validators=PlannedDays
    )

    class Meta:
        verbose_name = _("template stage")
        verbose_name_plural = _("template stages")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="unique_template_stage")
        ]

    def __str__(self) -> str:
        return self.name


class TemplateTask(models.Model):
    stage = models.ForeignKey(TemplateStage, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("task"), max_length=300)
    planned_days = models.PositiveSmallIntegerField(
        _("length, working days"), validators=PlannedDays
    )

    class Meta:
        verbose_name = _("template task")
        verbose_name_plural = _("template tasks")
        ordering = ["stage", "position"]

    def __str__(self) -> str:
        return self.title


class ProjectStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    LIVE = "live", _("Live")
    CANCELLED = "cancelled", _("Cancelled")


class Project(models.Model):
    """One client's onboarding, owned by an implementation manager."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=300)
    template = models.ForeignKey(
        ProjectTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("implementation manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_projects",
    )
    # Working days are counted on this calendar (the department's default when opened).
    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.IN_PROGRESS
    )
    planned_start = models.DateField(_("planned start"))
    planned_go_live = models.DateField(_("planned go-live"))
    went_live_on = models.DateField(_("went live"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("implementation project")
        verbose_name_plural = _("implementation projects")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "planned_go_live"]),
            models.Index(fields=["owner", "status"]),
            # KPI «implementation.completed»: projects that went live in a period.
            models.Index(fields=["went_live_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="live") | models.Q(went_live_on__isnull=False),
                name="live_project_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProjectStage(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("stage"), max_length=16, choices=StageKind.choices)
    name = models.CharField(_("name"), max_length=200)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("started"), null=True, blank=True)
    actual_end = models.DateField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("project stage")
        verbose_name_plural = _("project stages")
        ordering = ["project", "position"]
        indexes = [models.Index(fields=["actual_end", "planned_end"])]

    def __str__(self) -> str:
        return self.name


class ProjectTask(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    stage = models.ForeignKey(ProjectStage, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("task"), max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_tasks",
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("project task")
        verbose_name_plural = _("project tasks")
        ordering = ["stage__position", "position", "pk"]
        indexes = [
            models.Index(fields=["done_on", "planned_end"]),
            models.Index(fields=["assignee", "done_on"]),
        ]

    def __str__(self) -> str:
        return self.title


class Blocker(models.Model):
    """Something that stops the project, with its reason, until it is lifted."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="blockers")
    task = models.ForeignKey(
        ProjectTask,
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="blockers",
    )
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("how it was lifted"), blank=True)

    class Meta:
        verbose_name = _("blocker")
        verbose_name_plural = _("blockers")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["project", "lifted_at"])]

    def __str__(self) -> str:
        return self.reason[:80]


class OverdueNotice(models.Model):
    """One «overdue» warning per task or stage and planned end — the natural key that keeps
    the checker idempotent however often it runs (a re-planned end warns again)."""

    task = models.ForeignKey(
        ProjectTask, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    stage = models.ForeignKey(
        ProjectStage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    planned_end = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "planned_end"],
                condition=models.Q(task__isnull=False),
                name="unique_task_overdue_notice",
            ),
            models.UniqueConstraint(
                fields=["stage", "planned_end"],
                condition=models.Q(stage__isnull=False),
                name="unique_stage_overdue_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id or self.stage_id}: overdue since {self.planned_end}"
